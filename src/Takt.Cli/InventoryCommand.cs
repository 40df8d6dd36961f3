using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;
using Takt.Contracts.Events;
using Takt.Inventory;
using Takt.Inventory.Counts;
using Takt.Inventory.Reconciliation;
using Takt.Inventory.Stock;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary><c>takt stock</c>, <c>takt reconcile wms</c>, <c>takt kpi inventory</c> and <c>takt bench inventory</c> (issue 7).</summary>
internal static class InventoryCommand
{
    public static Command Stock()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var plant = new Option<string?>("--plant") { Description = "One plant." };
        var item = new Option<string?>("--item") { Description = "One item." };
        var asOf = new Option<string?>("--as-of") { Description = "Stock at the end of this posting date (yyyy-mm-dd), replayed from the movements." };
        var command = new Command("stock", "Stock by plant, storage location, lot and status, valued at standard.") { url, apiKey, plant, item, asOf };
        command.SetAction(async (parse, ct) =>
        {
            var key = parse.GetValue(apiKey);
            if (!DemoCommand.HasKey(key))
                return 1;
            using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
            var query = string.Join('&', new[] { ("plant", parse.GetValue(plant)), ("item", parse.GetValue(item)), ("asOf", parse.GetValue(asOf)) }
                .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
            var bins = await http.GetFromJsonAsync<List<BinBalance>>("/api/v1/stock/bins?" + query, DemoCommand.Web, ct) ?? [];
            var table = new Table().Title("stock" + (parse.GetValue(asOf) is { } d ? $" as of {d}" : "")).AddColumns("plant", "item", "location", "lot", "status", "quantity", "value");
            foreach (var b in bins)
                table.AddRow(b.Plant, b.Item, b.Location.Length == 0 ? "(none)" : b.Location, b.Lot, b.Status, $"{b.Quantity:N3}", $"{b.Value:N2}");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    public static Command Reconcile()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var plant = new Option<string>("--plant") { Description = "The plant.", Required = true };
        var snapshot = new Option<string?>("--snapshot") { Description = "A snapshot file: {\"takenAt\": …, \"lines\": [{\"item\", \"location\", \"lot\", \"quantity\"}]}." };
        var wms = new Option<string?>("--wms") { Description = "Ask a running WMS simulator (its base URL) to send its snapshot instead." };
        var command = new Command("wms", "Reconcile a WMS stock snapshot with Takt's stock at its time: timing differences and discrepancies with value.") { url, apiKey, plant, snapshot, wms };
        command.SetAction(async (parse, ct) =>
        {
            JsonElement result;
            if (parse.GetValue(wms) is { } wmsUrl)
            {
                using var client = new HttpClient { BaseAddress = new Uri(wmsUrl) };
                using var response = await client.PostAsync($"/snapshot?plant={Uri.EscapeDataString(parse.GetValue(plant)!)}", null, ct);
                result = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            }
            else if (parse.GetValue(snapshot) is { } file)
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                var body = JsonSerializer.Deserialize<StockSnapshot>(await File.ReadAllTextAsync(file, ct), DemoCommand.Web)!;
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/inventory/reconciliations") { Content = JsonContent.Create(body with { Plant = parse.GetValue(plant) }) };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                using var response = await http.SendAsync(request, ct);
                result = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            }
            else
            {
                AnsiConsole.MarkupLine("[red]Give --snapshot FILE or --wms URL.[/]");
                return 1;
            }

            if (!result.TryGetProperty("details", out var details))
            {
                Console.WriteLine(result.ToString());
                return 1;
            }

            AnsiConsole.MarkupLineInterpolated($"{result.GetProperty("lines").GetInt32():N0} lines: {result.GetProperty("matched").GetInt32():N0} match, {result.GetProperty("timing").GetInt32():N0} timing differences (in flight), {result.GetProperty("discrepancies").GetInt32():N0} discrepancies worth {result.GetProperty("discrepancyValue").GetDecimal():N2} {result.GetProperty("currency").GetString()}");
            var table = new Table().AddColumns("item", "location", "lot", "Takt", "WMS", "in flight", "difference", "value", "status");
            foreach (var d in details.EnumerateArray())
            {
                table.AddRow(d.GetProperty("item").GetString()!, d.GetProperty("location").GetString()!, d.GetProperty("lot").GetString()!, $"{d.GetProperty("takt").GetDecimal():N3}", $"{d.GetProperty("wms").GetDecimal():N3}",
                    $"{d.GetProperty("inFlight").GetDecimal():N3}", $"{d.GetProperty("difference").GetDecimal():N3}", $"{d.GetProperty("value").GetDecimal():N2}", d.GetProperty("status").GetString()!);
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("reconcile", "Reconciliations with external systems.") { command };
    }

    public static Command Kpi()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var plant = new Option<string?>("--plant") { Description = "One plant." };
        var command = new Command("inventory", "Inventory accuracy: counted lines within tolerance ÷ counted lines, by plant.") { url, apiKey, plant };
        command.SetAction(async (parse, ct) =>
        {
            var key = parse.GetValue(apiKey);
            if (!DemoCommand.HasKey(key))
                return 1;
            using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
            var rows = await http.GetFromJsonAsync<List<InventoryAccuracy>>("/api/v1/kpis/inventory-accuracy" + (parse.GetValue(plant) is { } p ? "?plant=" + Uri.EscapeDataString(p) : ""), DemoCommand.Web, ct) ?? [];
            var table = new Table().Title("inventory accuracy").AddColumns("plant", "counted lines", "within tolerance", "accuracy");
            foreach (var r in rows)
                table.AddRow(r.Plant, $"{r.CountedLines:N0}", $"{r.WithinTolerance:N0}", $"{r.Accuracy:P1}");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record BenchResult(string Engine, int Cores, int Documents, int Movements, double MovementSeconds, double MovementsPerSecond, int SnapshotLines, int Discrepancies, double ReconcileSeconds, double SnapshotLinesPerSecond);

    /// <summary>
    /// <c>takt bench inventory</c>: N material documents (receipts, transfers, issues; one transaction each, as the
    /// API posts them, with their journal entries), then a reconciliation of a generated WMS snapshot of M lines
    /// (default 1,000,000) against as many stock bins, with differences injected in 0.1 % of them.
    /// </summary>
    public static Command Bench()
    {
        var db = new Option<string?>("--db") { Description = "PostgreSQL connection string; default: a fresh SQLite file." };
        var documents = new Option<int>("--documents", "-n") { Description = "Material documents to post.", DefaultValueFactory = _ => 10_000 };
        var lines = new Option<int>("--snapshot-lines") { Description = "Lines of the WMS snapshot.", DefaultValueFactory = _ => 1_000_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var command = new Command("inventory", "Measure stock movements with postings (movements/s) and the reconciliation of a large WMS snapshot (seconds).") { db, documents, lines, json };
        command.SetAction(async (parse, ct) =>
        {
            var dir = Directory.CreateTempSubdirectory("takt-bench-inventory-");
            try
            {
                var settings = new ServerSettings
                {
                    Database = parse.GetValue(db) ?? Path.Combine(dir.FullName, "bench.db"),
                    DemoOrdersPerPlant = 2,
                    RunDispatcher = false,
                    BootstrapAdmin = false,
                    MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
                };
                await using var app = TaktServer.Build(settings);
                await TaktServer.PrepareDatabaseAsync(app.Services, settings, ct);
                var result = await RunBenchAsync(app.Services, Math.Max(3, parse.GetValue(documents)), Math.Max(1000, parse.GetValue(lines)), ct);
                var text = JsonSerializer.Serialize(result, Indented);
                Console.WriteLine(text);
                if (parse.GetValue(json) is { } file)
                    await File.WriteAllTextAsync(file, text, ct);
                return 0;
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                dir.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task<BenchResult> RunBenchAsync(IServiceProvider services, int count, int snapshotLines, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var documents = services.GetRequiredService<IStockDocuments>();
        AnsiConsole.MarkupLineInterpolated($"[grey]bench inventory on {store.Engine} ({store.Display}), {count:N0} documents, {snapshotLines:N0} snapshot lines, {Environment.ProcessorCount} cores[/]");
        await using var session = await store.OpenSessionAsync(clock, ct);

        async Task PostAsync(MovementLineRequest line)
        {
            await using var tx = await session.BeginAsync(ct);
            var posted = await documents.PostAsync(tx, new MovementRequest(DemoData.PlantA, null, [line]), ct);
            if (posted.IsRejected)
                throw new InvalidOperationException(string.Join("; ", posted.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")));
            await tx.CommitAsync(ct);
        }

        // Warm up (JIT, prepared statements), then measure: receipt 10, transfer 4, issue 5, in turn.
        await PostAsync(new MovementLineRequest("receipt", "RM-3002", new QuantityValue(10m, "H87"), "A-01", "W"));
        var watch = Stopwatch.StartNew();
        var movements = 0;
        for (var i = 0; i < count; i++)
        {
            var lot = "L" + (i / 3 % 50).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
            switch (i % 3)
            {
                case 0:
                    await PostAsync(new MovementLineRequest("receipt", "RM-3002", new QuantityValue(10m, "H87"), "A-01", lot));
                    movements += 1;
                    break;
                case 1:
                    await PostAsync(new MovementLineRequest("transfer", "RM-3002", new QuantityValue(4m, "H87"), "A-01", lot, ToLocation: "A-02"));
                    movements += 2;
                    break;
                default:
                    await PostAsync(new MovementLineRequest("issue", "RM-3002", new QuantityValue(5m, "H87"), "A-01", lot));
                    movements += 1;
                    break;
            }
        }

        var movementSeconds = watch.Elapsed.TotalSeconds;

        // A warehouse of snapshotLines bins (1,000 items × N/1,000 locations), written straight to the bin table.
        var items = 1000;
        var perItem = snapshotLines / items;
        await using (var tx = await session.BeginAsync(ct))
        {
            for (var i = 0; i < items; i++)
            {
                for (var l = 0; l < perItem; l++)
                {
                    tx.Stage("INSERT INTO inventory_bin (plant, item, location, lot, status, quantity_e6, value_e4) VALUES ($1, $2, $3, '', 'unrestricted', $4, 0)",
                        "PB01", $"BI-{i:0000}", $"BL-{l:00000}", (long)((1 + ((i + l) % 97)) * 1_000_000L));
                }

                if (i % 50 == 49)
                    await tx.FlushAsync(ct);
            }

            await tx.CommitAsync(ct);
        }

        var snapshot = new List<SnapshotLine>(items * perItem);
        var injected = 0;
        for (var i = 0; i < items; i++)
        {
            for (var l = 0; l < perItem; l++)
            {
                var quantity = 1m + ((i + l) % 97);
                if ((i * perItem + l) % 1000 == 7)
                {
                    quantity += 1;
                    injected++;
                }

                snapshot.Add(new SnapshotLine($"BI-{i:0000}", $"BL-{l:00000}", "", quantity));
            }
        }

        var takenAt = clock.GetUtcNow();
        watch.Restart();
        int found;
        await using (var tx = await session.BeginAsync(ct))
        {
            var reconciled = await documents.ReconcileAsync(tx, new StockSnapshot("PB01", takenAt, snapshot), ct);
            if (reconciled.IsRejected)
                throw new InvalidOperationException(string.Join("; ", reconciled.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")));
            found = reconciled.Value.Discrepancies;
            await tx.CommitAsync(ct);
        }

        var reconcileSeconds = watch.Elapsed.TotalSeconds;
        if (found != injected)
            throw new InvalidOperationException($"Reconciliation found {found} discrepancies; {injected} were injected.");
        return new BenchResult(store.Engine.ToString(), Environment.ProcessorCount, count, movements, Math.Round(movementSeconds, 2), Math.Round(movements / movementSeconds, 0),
            snapshot.Count, found, Math.Round(reconcileSeconds, 2), Math.Round(snapshot.Count / reconcileSeconds, 0));
    }
}
