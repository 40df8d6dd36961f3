using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Takt.Planning.Mrp;
using Takt.Planning.Scheduling;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench mrp</c>: the planning algorithms on a generated network (in memory, as a run loads it): regenerative MRP
/// on 100,000 plant items with 500,000 BOM lines, then a machine-down — finite capacity re-schedule of the open orders
/// around the down window and a net change over the items the moved orders touch — checked equal to a regenerative run.
/// </summary>
internal static class MrpBench
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record Result(int Items, int BomLines, int PlannedOrders, double RegenerativeSeconds, int Orders, double RescheduleSeconds, int OrdersMoved,
        int ItemsChanged, int ItemsNetted, double NetChangeSeconds, bool NetChangeEqualsRegenerative, int ProcessorCount,
        double FingerprintSeconds = 0, double PeggingSeconds = 0);

    public static Command Create()
    {
        var items = new Option<int>("--items") { Description = "Plant items.", DefaultValueFactory = _ => 100_000 };
        var lines = new Option<int>("--components") { Description = "Components per made item (half the items are made: 100,000 items × 10 / 2 = 500,000 BOM lines).", DefaultValueFactory = _ => 10 };
        var orders = new Option<int>("--orders") { Description = "Open production orders to schedule (3 operations each on 200 work centers).", DefaultValueFactory = _ => 20_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var command = new Command("mrp", "Measure planning: regenerative MRP on 100,000 items / 500,000 BOM lines, then a machine-down (re-schedule and net change).") { items, lines, orders, json };
        command.SetAction(async (parse, ct) =>
        {
            var result = Run(Math.Max(10, parse.GetValue(items)), Math.Max(1, parse.GetValue(lines)), Math.Max(1, parse.GetValue(orders)));
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            if (!result.NetChangeEqualsRegenerative)
                AnsiConsole.MarkupLine("[red]Net change differs from the regenerative run.[/]");
            return result.NetChangeEqualsRegenerative ? 0 : 1;
        });
        return command;
    }

    public static Result Run(int count, int perItem, int orderCount)
    {
        var random = new Random(42);
        // The first half are made (finished and semi-finished), the second half bought.
        var made = count / 2;
        var starts = new int[count + 1];
        var components = new int[made * perItem];
        var per = new decimal[made * perItem];
        var k = 0;
        for (var i = 0; i < made; i++)
        {
            // Four levels of made items (10 %, 20 %, 30 %, 40 % of them); components from the next level or bought ones.
            var level = i < made / 10 ? 0 : i < made * 3 / 10 ? 1 : i < made * 6 / 10 ? 2 : 3;
            var (nextFrom, nextTo) = level switch { 0 => (made / 10, made * 3 / 10), 1 => (made * 3 / 10, made * 6 / 10), 2 => (made * 6 / 10, made), _ => (0, 0) };
            var picked = new SortedSet<int>();
            while (picked.Count < perItem)
                picked.Add(level < 3 && random.Next(2) == 0 ? random.Next(nextFrom, nextTo) : random.Next(made, count));

            foreach (var c in picked)
            {
                components[k] = c;
                per[k++] = 1 + random.Next(0, 2);
            }

            starts[i + 1] = k;
        }

        for (var i = made; i < count; i++)
            starts[i + 1] = k;
        var network = new MrpNetwork(count, starts, components, per);
        for (var i = 0; i < count; i++)
        {
            network.LeadTimeDays[i] = random.Next(1, 20);
            network.Policy[i] = (LotPolicy)random.Next(0, 3);
            network.LotSize[i] = random.Next(1, 5) * 50;
            network.SafetyStock[i] = i >= made && random.Next(4) == 0 ? random.Next(10, 100) : 0;
            network.OnHand[i] = random.Next(0, 500);
        }

        // Independent demand on the top 5 % of items, four dates each.
        for (var i = 0; i < count / 20; i++)
            network.Requirements[i] = [.. Enumerable.Range(0, 4).Select(w => new DatedQuantity((w * 7) + random.Next(0, 7), random.Next(5, 60)))];

        var watch = Stopwatch.StartNew();
        var plan = MrpEngine.Regenerative(network);
        var regenerative = watch.Elapsed.TotalSeconds;
        var planned = plan.Orders.Sum(o => o.Length);

        // Open production orders on 200 work centers (8 h a day, Monday to Friday); work center 0 goes down for 36 hours.
        var workCenters = Enumerable.Range(0, 200).Select(w => new WorkCenterCapacity($"WC{w:000}", "P1", 960, "1111100")).ToList();
        var orders = new List<ScheduleOrder>(orderCount);
        var orderItems = new int[orderCount];
        for (var o = 0; o < orderCount; o++)
        {
            orderItems[o] = random.Next(0, made);
            var ops = Enumerable.Range(0, 3).Select(n =>
            {
                var wc = random.Next(0, workCenters.Count);
                return new ScheduleOperation($"{(n + 1) * 10:0000}", wc, random.Next(30, 240), wc % 10 == 0 ? [new Alternative((wc + 1) % workCenters.Count, 90)] : []);
            }).ToList();
            orders.Add(new ScheduleOrder($"PO-{o}", 1 + random.Next(0, 3), random.Next(2, 60), ops));
        }

        var baseline = new Scheduler(workCenters, DayOfWeek.Monday, 0).Schedule(orders);
        watch.Restart();
        var scheduler = new Scheduler(workCenters, DayOfWeek.Monday, 0);
        scheduler.AddDownWindow(new DownWindow(0, 360, 360 + (36 * 60)));
        var rescheduled = scheduler.Schedule(orders);
        var moved = new List<int>();
        for (var o = 0; o < orderCount; o++)
        {
            if (!baseline[o].Operations.AsSpan().SequenceEqual(rescheduled[o].Operations))
                moved.Add(o);
        }

        var rescheduleSeconds = watch.Elapsed.TotalSeconds;

        // The moved orders' items get their receipts on the new finish days: the net change starts there.
        watch.Restart();
        var changed = new HashSet<int>();
        foreach (var o in moved)
        {
            var item = orderItems[o];
            network.Receipts[item] = [.. network.Receipts[item], new DatedQuantity((int)(rescheduled[o].Finish / 1440), 10m)];
            changed.Add(item);
        }

        var netChange = MrpEngine.NetChange(network, plan, changed);
        var netChangeSeconds = watch.Elapsed.TotalSeconds + rescheduleSeconds;
        var check = MrpEngine.Regenerative(network);
        var equal = Enumerable.Range(0, count).All(i => plan.Orders[i].AsSpan().SequenceEqual(check.Orders[i]));

        // What the server adds around the engine: change detection (every item's input fingerprint, each net-change run)
        // and single-level pegging of every item (a regenerative run pegs all of them).
        var keys = Enumerable.Range(0, count).Select(i => ("P1", $"I{i:000000}")).ToList();
        watch.Restart();
        long fold = 0;
        for (var i = 0; i < count; i++)
            fold ^= InputFingerprint.Of(network, i, keys);
        var fingerprintSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var pegs = 0;
        for (var i = 0; i < count; i++)
            pegs += Pegging.Of(network, plan, i, null, keys).Sum(p => p.Count);
        var peggingSeconds = watch.Elapsed.TotalSeconds;
        GC.KeepAlive(fold + pegs);
        return new Result(count, k, planned, Math.Round(regenerative, 3), orderCount, Math.Round(rescheduleSeconds, 3), moved.Count, changed.Count, netChange.NodesPlanned,
            Math.Round(netChangeSeconds, 3), equal, Environment.ProcessorCount, Math.Round(fingerprintSeconds, 3), Math.Round(peggingSeconds, 3));
    }
}
