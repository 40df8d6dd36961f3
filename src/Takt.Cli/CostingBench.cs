using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.MasterData;
using Takt.Production;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench costing</c>: on a fresh database with the demo company, imports a generated structure (raw items
/// with standard costs, manufactured items with released BOMs and a routing each), rolls up a cost version of
/// PA01 and releases it, then runs orders through the shop floor (issue, confirmation, yield via the gateway's
/// batch code), technical completion and settlement. Seconds and rows/s per phase, as JSON.
/// </summary>
internal static class CostingBench
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record CostingBenchResult(
        string Engine, string Machine, int Items, int BomLines, int Orders,
        double ImportSeconds, double ImportRowsPerSecond,
        double RollupSeconds, double RollupBomLinesPerSecond,
        double ReleaseSeconds, double ReleaseItemsPerSecond,
        int ShopFloorEvents, double ShopFloorSeconds,
        double SettleSeconds, double SettledOrdersPerSecond);

    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "sqlite (a new temp file), postgres (a new database on TAKT_BENCH_POSTGRES or TAKT_TEST_POSTGRES), or a PostgreSQL connection string.", DefaultValueFactory = _ => "sqlite" };
        var items = new Option<int>("--items") { Description = "Items (a fifth bought, the rest made).", DefaultValueFactory = _ => 100_000 };
        var lines = new Option<int>("--lines") { Description = "BOM lines over all made items.", DefaultValueFactory = _ => 500_000 };
        var orders = new Option<int>("--orders") { Description = "Orders worked and settled.", DefaultValueFactory = _ => 10_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var costing = new Command("costing", "Measure the cost rollup (and its release) over a large structure and the settlement of many orders.") { db, items, lines, orders, json };
        costing.SetAction(async (parse, ct) =>
        {
            var result = await RunAsync(parse.GetValue(db)!, parse.GetValue(items), parse.GetValue(lines), parse.GetValue(orders), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return costing;
    }

    private static async Task<CostingBenchResult> RunAsync(string db, int itemCount, int lineCount, int orderCount, CancellationToken ct)
    {
        var (database, cleanup) = await BenchCommand.FreshDatabaseAsync(db, ct);
        try
        {
            var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", DemoOrdersPerPlant = 0, BootstrapAdmin = false, MinimumLogLevel = LogLevel.Warning };
            await using var app = await TaktServer.StartAsync(settings, ct);
            var store = app.Services.GetRequiredService<TaktStore>();
            var masterData = app.Services.GetRequiredService<IMasterData>();
            var production = app.Services.GetRequiredService<IProduction>();
            var clock = app.Services.GetRequiredService<TimeProvider>();
            AnsiConsole.MarkupLineInterpolated($"[grey]bench costing on {store.Engine} ({store.Display}): {itemCount} items, {lineCount} BOM lines, {orderCount} orders, {Environment.ProcessorCount} cores[/]");

            var raw = itemCount / 5;
            var made = itemCount - raw;
            string Number(int i) => i < raw ? $"B{i:D6}" : $"M{i:D6}";
            var items = new List<ItemRecord>(itemCount);
            var costs = new List<StandardCostRecord>(raw);
            var boms = new List<BomRecord>(made);
            var routings = new List<RoutingRecord>(made);
            var random = new Random(42);
            var levelSize = Math.Max(1, (made + 9) / 10);
            for (var i = 0; i < itemCount; i++)
            {
                items.Add(new ItemRecord(Number(i), "Bench item", i < raw ? "raw" : "semi-finished", "H87", i < raw ? "RAW" : "SEMI"));
                if (i < raw)
                {
                    costs.Add(new StandardCostRecord("PA01", Number(i), 1m + (i % 97 / 10m)));
                    continue;
                }

                var m = i - raw;
                var count = (lineCount / made) + (m < lineCount % made ? 1 : 0);
                var chosen = new HashSet<int>();
                var bomLines = new List<BomLineRecord>(count);
                var attempt = 0;
                while (bomLines.Count < count && chosen.Count < i)
                {
                    // Half bought parts, half items made below this one: a deep, shared structure without cycles.
                    // Ten levels: an item's made components come from the level below it, so the structure is deep and shared.
                    var level = m / levelSize;
                    var j = attempt++ % 2 == 0 || level == 0 ? random.Next(raw) : raw + ((level - 1) * levelSize) + random.Next(levelSize);
                    if (chosen.Add(j))
                        bomLines.Add(new BomLineRecord(Number(j), j < raw ? 1m + (j % 3) : 1m, "H87", j % 10 == 0 ? 0.02m : 0m));
                }

                boms.Add(new BomRecord("PA01", Number(i), 1, new DateOnly(2020, 1, 1), null, 1m, "released", bomLines));
                routings.Add(new RoutingRecord("PA01", Number(i), [new OperationRecord("0010", "PA01-CNC1", "Machine", 0.5m, 0.05m, 0.05m)]));
            }

            var watch = Stopwatch.StartNew();
            await using (var session = await store.OpenSessionAsync(clock, ct))
            {
                await using var tx = await session.BeginAsync(ct);
                Check(await masterData.ImportAsync(tx, new MasterDataDocument(Items: items, Boms: boms, Routings: routings, StandardCosts: costs), new ChangeReason("bench", "bench structure"), ct));
                await tx.CommitAsync(ct);
            }

            var importSeconds = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"[grey]importSeconds {watch.Elapsed.TotalSeconds:0.00}[/]");
            var actualLines = boms.Sum(b => b.Lines.Count);
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

            watch.Restart();
            var version = Check(await production.SimulateCostsAsync(store, "PA01", today, new ChangeReason("bench", "bench rollup"), ct));
            var rollupSeconds = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"[grey]rollupSeconds {watch.Elapsed.TotalSeconds:0.00}[/]");
            Check(await production.MarkCostsAsync(store, version.Id, "bench", ct));
            watch.Restart();
            Check(await production.ReleaseCostsAsync(store, version.Id, new ChangeReason("bench", "bench release"), ct));
            var releaseSeconds = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"[grey]releaseSeconds {watch.Elapsed.TotalSeconds:0.00}[/]");

            // Orders of 10 for the first made items, released as the demo releases them (no availability check).
            var numbers = new List<(string Order, string Product, string Component)>(orderCount);
            for (var start = 0; start < orderCount; start += 500)
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                for (var n = start; n < Math.Min(orderCount, start + 500); n++)
                {
                    var bom = boms[n % boms.Count];
                    var number = $"BENCH-{n:D6}";
                    Check(await production.ReleaseAsync(tx, new ProductionOrderDraft(number, "PA01", bom.Item, 10m, 1, today.AddDays(14),
                        [.. bom.Lines.Select(l => new ComponentDraft(l.Component, l.Quantity * (1m + l.ScrapFactor) * 10m))],
                        [new OperationDraft("0010", "PA01-CNC1", "Machine")]), ct));
                    numbers.Add((number, bom.Item, bom.Lines[0].Component));
                }

                await tx.CommitAsync(ct);
            }

            var handler = app.Services.GetServices<IInboundEventHandler>().First(h => h.Handles(EventTypes.MaterialIssued));
            var events = new List<InboundEvent>(orderCount * 3);
            var now = clock.GetUtcNow();
            InboundEvent Event<T>(string type, T data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) where T : notnull =>
                new("/bench", Uuid7.New(now).ToString(), type, now, null, data, JsonSerializer.Serialize(data, info));
            foreach (var (order, product, component) in numbers)
            {
                events.Add(Event(EventTypes.MaterialIssued, new MaterialIssued("PA01", order, component, new QuantityValue(11m, "H87")), EventJson.Default.MaterialIssued));
                events.Add(Event(EventTypes.OperationConfirmed, new OperationConfirmed("PA01", order, "0010", "PA01-CNC1", new QuantityValue(10m, "H87"), null, new QuantityValue(1.1m, "HUR"), new QuantityValue(0.9m, "HUR")), EventJson.Default.OperationConfirmed));
                events.Add(Event(EventTypes.YieldReported, new YieldReported("PA01", order, product, new QuantityValue(10m, "H87")), EventJson.Default.YieldReported));
            }

            watch.Restart();
            foreach (var chunk in events.Chunk(600))
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var batch = await handler.BeginAsync(tx, chunk, ct);
                foreach (var e in chunk)
                    Check(batch.Apply(e));
                await tx.CommitAsync(ct);
            }

            var shopFloorSeconds = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"[grey]shopFloorSeconds {watch.Elapsed.TotalSeconds:0.00}[/]");
            watch.Restart();
            foreach (var chunk in numbers.Chunk(250))
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                foreach (var (order, _, _) in chunk)
                {
                    Check(await production.ActAsync(tx, order, "complete", new OrderAction(), "bench", ct));
                    Check(await production.ActAsync(tx, order, "settle", new OrderAction(), "bench", ct));
                }

                await tx.CommitAsync(ct);
            }

            var settleSeconds = watch.Elapsed.TotalSeconds;
            return new CostingBenchResult(store.Engine.ToString(), $"{Environment.ProcessorCount} cores", itemCount, actualLines, orderCount,
                Math.Round(importSeconds, 2), Math.Round((itemCount + actualLines + made + raw) / importSeconds, 0),
                Math.Round(rollupSeconds, 2), Math.Round(actualLines / rollupSeconds, 0),
                Math.Round(releaseSeconds, 2), Math.Round(made / releaseSeconds, 0),
                events.Count, Math.Round(shopFloorSeconds, 2),
                Math.Round(settleSeconds, 2), Math.Round(orderCount / settleSeconds, 1));
        }
        finally
        {
            await cleanup();
        }
    }

    private static T Check<T>(Outcome<T> outcome) => outcome.IsRejected
        ? throw new InvalidOperationException(string.Join("; ", outcome.Violations.Take(5).Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;
}
