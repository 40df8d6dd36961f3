using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Spectre.Console;
using Takt.Payables;
using Takt.Payables.Invoices;
using Takt.Server;

namespace Takt.Cli;

/// <summary>
/// <c>takt invoices parse</c> (read and check invoice files without importing), <c>takt import invoices</c> (a supplier
/// client posting a folder of invoices to a server) and <c>takt bench payables</c>.
/// </summary>
internal static class PayablesCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Invoices()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "UBL 2.1 invoices or credit notes (or the JSON form).", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per file (JSON Lines): file, invoiceNumber, issueDate, supplierName, currency, lineCount, lineExtensionAmount, taxExclusiveAmount, taxAmount, payableAmount, and violations when a rule is broken." };
        var parse = new Command("parse", "Read and check invoices without importing them: the extracted header and totals and every broken EN 16931 rule (exit 2 when one is broken).") { files, json };
        parse.SetAction(async (result, ct) =>
        {
            var options = new PayablesOptions();
            var broken = false;
            var table = new Table().AddColumns("file", "number", "issued", "supplier (BT-27)", "currency", "lines", "net", "without VAT", "VAT", "due", "violations");
            foreach (var file in result.GetValue(files)!)
            {
                var summary = await InvoiceSummary.ParseFileAsync(file.FullName, options, ct);
                broken |= summary.Violations is { Count: > 0 };
                if (result.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(summary with { File = file.ToString() }, InvoiceSummary.Json));
                    continue;
                }

                table.AddRow(
                    Markup.Escape(file.Name), Markup.Escape(summary.InvoiceNumber ?? ""), summary.IssueDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(summary.SupplierName ?? ""), summary.Currency ?? "", $"{summary.LineCount}", $"{summary.LineExtensionAmount}", $"{summary.TaxExclusiveAmount}", $"{summary.TaxAmount}", $"{summary.PayableAmount}",
                    Markup.Escape(string.Join("\n", (summary.Violations ?? []).Select(v => $"{v.Rule} at {v.Field}: {v.Detail}"))));
            }

            if (!result.GetValue(json))
                AnsiConsole.Write(table);
            return broken ? 2 : 0;
        });
        return new Command("invoices", "Supplier invoices (UBL 2.1 / Peppol BIS Billing 3.0).") { parse };
    }

    public static Command Import()
    {
        var directory = new Argument<DirectoryInfo>("directory") { Description = "A folder of invoices: *.xml (UBL) and *.json (the JSON form)." };
        var plant = new Option<string>("--plant") { Description = "The plant the invoices are for.", Required = true };
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var invoices = new Command("invoices", "Post every invoice of a folder to POST /api/v1/payables/invoices, as a supplier client (scope invoices:write) does; a resent file is a replay (exit 2 when one was refused).") { directory, plant, url, apiKey };
        invoices.SetAction(async (result, ct) =>
        {
            var key = result.GetValue(apiKey);
            if (!DemoCommand.HasKey(key))
                return 1;
            using var http = DemoCommand.Connect(result.GetValue(url)!, key);
            var refused = 0;
            var table = new Table().AddColumns("file", "status", "invoice", "answer");
            foreach (var file in result.GetValue(directory)!.EnumerateFiles().Where(f => f.Extension is ".xml" or ".json").OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                using var content = new ByteArrayContent(await File.ReadAllBytesAsync(file.FullName, ct));
                content.Headers.ContentType = new MediaTypeHeaderValue(file.Extension == ".json" ? "application/json" : "application/xml");
                using var response = await http.PostAsync($"/api/v1/payables/invoices?plant={Uri.EscapeDataString(result.GetValue(plant)!)}", content, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                JsonElement answer;
                try
                {
                    answer = JsonDocument.Parse(body).RootElement.Clone();
                }
                catch (JsonException)
                {
                    answer = default;
                }

                if (response.IsSuccessStatusCode)
                {
                    var state = answer.GetProperty("replayed").GetBoolean() ? "replayed" : answer.GetProperty("status").GetString()!;
                    var duplicate = answer.GetProperty("duplicate").ValueKind == JsonValueKind.String ? $" ({answer.GetProperty("duplicate").GetString()} duplicate of {answer.GetProperty("duplicateOf").GetString()})" : "";
                    table.AddRow(Markup.Escape(file.Name), $"{(int)response.StatusCode}", Markup.Escape(answer.GetProperty("id").GetString()!), Markup.Escape(state + duplicate));
                }
                else
                {
                    refused++;
                    var errors = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("errors", out var e)
                        ? string.Join("\n", e.EnumerateArray().Select(v => $"{v.GetProperty("rule").GetString()} at {v.GetProperty("field").GetString()}: {v.GetProperty("detail").GetString()}"))
                        : body;
                    table.AddRow(Markup.Escape(file.Name), $"[red]{(int)response.StatusCode}[/]", "", Markup.Escape(errors));
                }
            }

            AnsiConsole.Write(table);
            return refused > 0 ? 2 : 0;
        });
        return new Command("import", "Import documents into a running server.") { invoices };
    }

    /// <summary><c>takt kpi payables</c>: invoice exception rate, touchless rate, categories and cycle time receipt → posted, by plant and supplier.</summary>
    public static Command Kpi()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var db = new Option<string?>("--db") { Description = "Read the KPI straight from a database instead of a running server." };
        var plant = new Option<string?>("--plant") { Description = "One plant." };
        var period = new Option<string?>("--period") { Description = "One month received (YYYY-MM)." };
        var command = new Command("payables", "Payables: invoice exception rate, touchless rate, exception categories and cycle time goods receipt → invoice posted (p50/p90 hours), by plant, supplier and plant × month, each against best in class (10 % exceptions, 65 % touchless).") { url, apiKey, db, plant, period };
        command.SetAction(async (parse, ct) =>
        {
            Takt.Payables.Matching.PayablesKpis? kpis;
            if (parse.GetValue(db) is { } database)
            {
                var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", SeedDemo = false, BootstrapAdmin = false, RunDispatcher = false, MinimumLogLevel = LogLevel.Warning };
                settings.Orchestration.RunWorker = false;
                await using var app = TaktServer.Build(settings);
                kpis = await app.Services.GetRequiredService<Takt.Payables.Matching.IInvoiceMatching>().KpisAsync(app.Services.GetRequiredService<Takt.Store.TaktStore>(), parse.GetValue(plant), ct, parse.GetValue(period));
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                var filters = new[] { ("plant", parse.GetValue(plant)), ("period", parse.GetValue(period)) }.Where(f => f.Item2 is not null).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2!)}").ToList();
                var query = filters.Count == 0 ? "" : "?" + string.Join("&", filters);
                kpis = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<Takt.Payables.Matching.PayablesKpis>(http, "/api/v1/payables/kpis" + query, DemoCommand.Web, ct);
            }

            foreach (var (title, rows) in new[] { ("by plant", kpis?.Plants ?? []), ("by supplier", kpis?.Suppliers ?? []), ("by plant and month", kpis?.Periods ?? []) })
            {
                var table = new Table().Title($"payables KPIs {title} (best in class: 10 % exceptions, 65 % touchless; average 23 %, 24 %)")
                    .AddColumns("", "invoices", "exceptions", "exception rate", "touchless rate", "standing", "categories", "receipt → posted h (p50 / p90)");
                foreach (var r in rows)
                {
                    table.AddRow(Markup.Escape(r.Period is null ? r.Key : $"{r.Key} {r.Period}"), $"{r.Invoices}", $"{r.Exceptions}", $"{r.ExceptionRate:P1}", $"{r.TouchlessRate:P1}", Markup.Escape(r.Standing ?? ""),
                        Markup.Escape(string.Join(", ", r.Categories.Select(c => $"{c.Key} {c.Value}"))), r.CycleCount == 0 ? "–" : $"{r.CycleP50Hours:F2} / {r.CycleP90Hours:F2} (n={r.CycleCount})");
                }

                AnsiConsole.Write(table);
            }

            return 0;
        });
        return command;
    }

    public static Command Bench()
    {
        var lines = new Option<int>("--lines") { Description = "Lines of the large invoice.", DefaultValueFactory = _ => 1_000 };
        var count = new Option<int>("--invoices", "-n") { Description = "One-line invoices to import.", DefaultValueFactory = _ => 10_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var command = new Command("payables", "Measure supplier invoice intake on a new SQLite database: one large UBL invoice parsed, checked, imported, matched three-way and posted, then many one-line invoices the same way (invoices/s).") { lines, count, json };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(lines) < 1 || parse.GetValue(count) < 1)
            {
                AnsiConsole.MarkupLine("[red]bench.arguments-positive[/] --lines and --invoices are at least 1.");
                return 1;
            }

            var result = await RunBenchAsync(parse.GetValue(lines), parse.GetValue(count), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return command;
    }

    private sealed record BenchResult(string Database, int Cores, int LargeInvoiceLines, int LargeInvoiceBytes, double[] LargeInvoiceSeconds, double LargeInvoiceParseAndCheckSeconds, string LargeInvoiceMatch,
        int OneLineInvoices, double OneLineSeconds, double InvoicesPerSecond, int OneLinePosted);

    /// <summary>
    /// Every invoice is matched three-way against its own received purchase order lines and posted (GR/IR → AP with
    /// input tax) in the transaction that receives it. Orders and receipts are set up first and not timed.
    /// </summary>
    private static async Task<BenchResult> RunBenchAsync(int lineCount, int invoiceCount, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("takt-bench-payables-");
        try
        {
            var settings = new ServerSettings { Database = Path.Combine(dir.FullName, "bench.db"), Urls = "http://127.0.0.1:0", SeedDemo = true, DemoOrdersPerPlant = 1, BootstrapAdmin = false, RunDispatcher = false, MinimumLogLevel = LogLevel.Warning };
            settings.Orchestration.RunWorker = false;
            await using var app = TaktServer.Build(settings);
            await TaktServer.PrepareDatabaseAsync(app.Services, settings, ct);
            var payables = app.Services.GetRequiredService<IPayables>();
            var procurement = app.Services.GetRequiredService<Takt.Procurement.IProcurement>();
            var store = app.Services.GetRequiredService<Takt.Store.TaktStore>();
            var clock = app.Services.GetRequiredService<TimeProvider>();
            var options = new PayablesOptions { MaxLines = Math.Max(lineCount, 10_000), MaxDocumentBytes = int.MaxValue / 2 };
            AnsiConsole.MarkupLineInterpolated($"[grey]bench payables on SQLite ({store.Display}), {Environment.ProcessorCount} cores; setting up orders and receipts (not timed)…[/]");
            var issue = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

            // Received orders of SUP-100 at Plant A, lines of RM-3002; the invoices' sellers are mapped to SUP-100.
            async Task<string> OrderAsync(IReadOnlyList<InvoiceSamples.OrderLine> lines)
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var order = await procurement.CreateDirectOrderAsync(tx, new Takt.Procurement.DirectOrder("PA01", "SUP-100", "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
                    [.. lines.Select(l => new Takt.Procurement.DirectOrderLine(l.Item, l.Quantity, l.Unit, l.Price, issue.AddDays(7)))]), ct);
                if (order.IsRejected || order.Value.Status != "issued")
                    throw new InvalidOperationException("Bench order not issued: " + string.Join("; ", order.Violations.Select(v => v.Rule)));
                await tx.FlushAsync(ct);
                foreach (var l in lines)
                {
                    var received = await procurement.ReceiveAsync(tx, new Takt.Procurement.ReceiveGoods(order.Value.Number, l.Line, l.Quantity, l.Unit, "bench"), ct);
                    if (received.IsRejected)
                        throw new InvalidOperationException("Bench receipt refused: " + string.Join("; ", received.Violations.Select(v => v.Rule)));
                }

                await tx.CommitAsync(ct);
                return order.Value.Number;
            }

            await using (var session = await store.OpenSessionAsync(clock, ct))
            {
                await using var tx = await session.BeginAsync(ct);
                for (var s = 0; s < 53; s++)
                    tx.Stage("INSERT INTO payables_supplier_key (supplier_key, supplier) VALUES ($1, 'SUP-100') ON CONFLICT (supplier_key) DO NOTHING", $"vat:DE9{s:D8}");
                await tx.CommitAsync(ct);
            }

            // The large invoice: bytes → secure XML → EN 16931 model → rules → match → posting, one transaction. Three runs (the first pays JIT).
            var seconds = new List<double>();
            var bytes = 0;
            double parseOnly = 0;
            var largeMatch = "";
            for (var run = 0; run < 3; run++)
            {
                var lines = Enumerable.Range(1, lineCount).Select(i => new InvoiceSamples.OrderLine(i, "RM-3002", (i % 7) + 1m, "H87", 0.50m + (run / 100m) + (i % 10 / 100m))).ToList();
                var order = await OrderAsync(lines);
                var body = InvoiceSamples.ToUblBytes(InvoiceSamples.ForOrder($"BENCH-L{run}", issue, order, lines, "Metallwerk Süd GmbH", $"DE9{50 + run:D8}"));
                bytes = body.Length;
                var watch = Stopwatch.StartNew();
                var document = InvoiceDocuments.CheckUbl(body, options);
                parseOnly = watch.Elapsed.TotalSeconds;
                var (receipt, problem) = await payables.ReceiveAsync(store, "PA01", document, null, ct);
                seconds.Add(watch.Elapsed.TotalSeconds);
                if (problem is not null || receipt is null || receipt.LineCount != lineCount)
                    throw new InvalidOperationException($"The large invoice was refused: {string.Join("; ", problem?.Errors.Select(e => e.Rule) ?? [])}");
                largeMatch = receipt.MatchState ?? "";
            }

            // Many one-line invoices, one transaction each (as they arrive), from 50 sellers, each against its own order line.
            var perOrder = 100;
            var small = new List<byte[]>(invoiceCount);
            for (var first = 0; first < invoiceCount; first += perOrder)
            {
                var lines = Enumerable.Range(first, Math.Min(perOrder, invoiceCount - first))
                    .Select(i => new InvoiceSamples.OrderLine((i - first) + 1, "RM-3002", 1m, "H87", 0.10m + (i % 997 / 100m))).ToList();
                var order = await OrderAsync(lines);
                small.AddRange(lines.Select((l, k) => InvoiceSamples.ToUblBytes(InvoiceSamples.ForOrder($"BENCH-S{first + k:D6}", issue, order, [l], "Metallwerk Süd GmbH", $"DE9{(first + k) % 50:D8}"))));
            }

            var posted = 0;
            var total = Stopwatch.StartNew();
            foreach (var body in small)
            {
                var (receipt, problem) = await payables.ReceiveAsync(store, "PA01", InvoiceDocuments.CheckUbl(body, options), null, ct);
                if (problem is not null)
                    throw new InvalidOperationException($"A one-line invoice was refused: {string.Join("; ", problem.Errors.Select(e => e.Rule))}");
                posted += receipt!.MatchState == "posted" ? 1 : 0;
            }

            var elapsed = total.Elapsed.TotalSeconds;
            return new BenchResult("sqlite", Environment.ProcessorCount, lineCount, bytes, [.. seconds.Select(s => Math.Round(s, 4))], Math.Round(parseOnly, 4), largeMatch,
                invoiceCount, Math.Round(elapsed, 3), Math.Round(invoiceCount / elapsed, 1), posted);
        }
        finally
        {
            try
            {
                dir.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still open on a slow disk: the temp folder is left behind.
            }
        }
    }
}
