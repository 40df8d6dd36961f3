using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;
using Takt.Contracts;
using Takt.Procurement;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary><c>takt kpi procurement</c> and <c>takt bench procurement</c>.</summary>
internal static class ProcurementCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Approval turnaround and PO cycle time by plant, from a running server or straight from a database.</summary>
    public static Command Kpi()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var db = new Option<string?>("--db") { Description = "Read the KPI straight from a database instead of a running server." };
        var plant = new Option<string?>("--plant") { Description = "One plant." };
        var command = new Command("procurement", "Procurement: approval turnaround (requisition → decision) and PO cycle time (requisition → order → receipt), p50/p90 hours by plant.") { url, apiKey, db, plant };
        command.SetAction(async (parse, ct) =>
        {
            ProcurementKpis? kpis;
            if (parse.GetValue(db) is { } database)
            {
                var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", SeedDemo = false, BootstrapAdmin = false, RunDispatcher = false, MinimumLogLevel = LogLevel.Warning };
                settings.Orchestration.RunWorker = false;
                await using var app = TaktServer.Build(settings);
                kpis = await app.Services.GetRequiredService<IProcurement>().KpisAsync(app.Services.GetRequiredService<TaktStore>(), parse.GetValue(plant), ct);
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                var query = parse.GetValue(plant) is { } p ? $"?plant={Uri.EscapeDataString(p)}" : "";
                kpis = await http.GetFromJsonAsync<ProcurementKpis>("/api/v1/kpis/procurement" + query, DemoCommand.Web, ct);
            }

            var table = new Table().Title("procurement KPIs, hours (p50 / p90)").AddColumns("plant", "requisitions", "by policy", "approval turnaround", "req → PO", "PO → receipt", "req → receipt");
            foreach (var r in kpis?.Plants ?? [])
            {
                table.AddRow(r.Plant, $"{r.Requisitions}", $"{r.ApprovedByPolicy}", Cell(r.ApprovalTurnaround), Cell(r.RequisitionToOrder), Cell(r.OrderToReceipt), Cell(r.RequisitionToReceipt));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static string Cell(DurationPercentiles d) => d.Count == 0 ? "–" : $"{d.P50Hours:F2} / {d.P90Hours:F2} (n={d.Count})";

    public sealed record ProcurementBenchResult(string Engine, string Machine, int Lines, int LinesPerOrder, double Seconds, double LinesPerSecond, double RequisitionSeconds, double OrderSeconds, double ReceiptSeconds, long JournalEntries);

    /// <summary>
    /// Requisition → approval (by policy, within the plant threshold) → purchase order → goods receipt for N lines, in
    /// process on a fresh database with the demo's master data: lines per second end to end.
    /// </summary>
    public static Command Bench()
    {
        var db = new Option<string>("--db") { Description = "sqlite (a new temp file), postgres (a new database on TAKT_BENCH_POSTGRES or TAKT_TEST_POSTGRES), or a PostgreSQL connection string.", DefaultValueFactory = _ => "sqlite" };
        var lines = new Option<int>("--lines", "-n") { Description = "Requisition lines to take to receipt.", DefaultValueFactory = _ => 10_000 };
        var perOrder = new Option<int>("--lines-per-order") { Description = "Requisitions per call, ordered together (one order per supplier).", DefaultValueFactory = _ => 100 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var bench = new Command("procurement", "Measure requisition → approval (by policy) → purchase order → goods receipt: lines/s end to end.") { db, lines, perOrder, json };
        bench.SetAction(async (parse, ct) =>
        {
            var result = await RunAsync(parse.GetValue(db)!, parse.GetValue(lines), Math.Max(1, parse.GetValue(perOrder)), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return bench;
    }

    private static async Task<ProcurementBenchResult> RunAsync(string db, int count, int perOrder, CancellationToken ct)
    {
        var (database, cleanup) = await BenchCommand.FreshDatabaseAsync(db, ct);
        try
        {
            var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", BootstrapAdmin = false, DemoOrdersPerPlant = 1, MinimumLogLevel = LogLevel.Warning };
            await using var app = await TaktServer.StartAsync(settings, ct);
            var store = app.Services.GetRequiredService<TaktStore>();
            var clock = app.Services.GetRequiredService<TimeProvider>();
            var procurement = app.Services.GetRequiredService<IProcurement>();
            AnsiConsole.MarkupLineInterpolated($"[grey]bench procurement on {store.Engine} ({store.Display}), {count} lines, {perOrder} per order, {Environment.ProcessorCount} cores[/]");
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            var items = DemoData.Items.Where(i => i.Class == "RAW" && i.Unit == "H87").ToArray();
            await using var session = await store.OpenSessionAsync(clock, ct);
            var requisitionTime = TimeSpan.Zero;
            var orderTime = TimeSpan.Zero;
            var receiptTime = TimeSpan.Zero;
            var total = Stopwatch.StartNew();
            for (var done = 0; done < count; done += perOrder)
            {
                var n = Math.Min(perOrder, count - done);
                var drafts = Enumerable.Range(done, n).Select(i =>
                {
                    var item = items[i % items.Length];
                    var quantity = 10m + (i % 7);
                    return new RequisitionDraft(RequisitionKinds.Planning, DemoData.PlantA, item.Number, null, quantity, item.Unit, today.AddDays(14), "CC-4100", "direct",
                        new Money(item.CostA * quantity, Currency.Eur).RoundToMinorUnits(), "mrp", "SUP-200");
                }).ToList();

                var step = Stopwatch.StartNew();
                IReadOnlyList<RequisitionView> requisitions;
                await using (var tx = await session.BeginAsync(ct))
                {
                    requisitions = Check(await procurement.CreateRequisitionsAsync(tx, drafts, ct));
                    await tx.CommitAsync(ct);
                }

                requisitionTime += step.Elapsed;
                step.Restart();
                IReadOnlyList<PurchaseOrderView> orders;
                await using (var tx = await session.BeginAsync(ct))
                {
                    orders = Check(await procurement.OrderRequisitionsAsync(tx, new OrderRequisitions([.. requisitions.Select(r => r.Number)], "bench.buyer", "FCA Augsburg"), ct));
                    await tx.CommitAsync(ct);
                }

                orderTime += step.Elapsed;
                step.Restart();
                foreach (var order in orders)
                {
                    await using var tx = await session.BeginAsync(ct);
                    foreach (var line in order.Lines)
                        Check(await procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, line.Line, line.Quantity, line.Unit, "bench.receiver"), ct));
                    await tx.CommitAsync(ct);
                }

                receiptTime += step.Elapsed;
            }

            var seconds = total.Elapsed.TotalSeconds;
            long entries;
            await using (var connection = await store.OpenConnectionAsync(ct))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT COUNT(*) FROM ledger_journal_entry WHERE document_type = 'goods-receipt'";
                entries = Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }

            return new ProcurementBenchResult(store.Engine.ToString(), $"{Environment.ProcessorCount} cores", count, perOrder, Math.Round(seconds, 2), Math.Round(count / seconds, 1),
                Math.Round(requisitionTime.TotalSeconds, 2), Math.Round(orderTime.TotalSeconds, 2), Math.Round(receiptTime.TotalSeconds, 2), entries);
        }
        finally
        {
            await cleanup();
        }
    }

    private static T Check<T>(Outcome<T> outcome) => outcome.IsRejected
        ? throw new InvalidOperationException(string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;
}
