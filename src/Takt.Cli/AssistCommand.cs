using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Takt.Assist;
using Takt.Assist.Anomalies;
using Takt.Assist.Invoices;
using Takt.Assist.Registry;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary><c>takt assist …</c> (train, list and approve model versions, read suggestions) and <c>takt bench assist</c>.</summary>
internal static class AssistCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("assist", "AI assistance that advises: train and approve model versions, read recorded suggestions (docs/assist.md).");
        var train = new Command("train", "Train a model version (a candidate until a person approves it).");
        train.Subcommands.Add(TrainInvoices());
        command.Subcommands.Add(train);
        command.Subcommands.Add(Models());
        command.Subcommands.Add(Approve());
        command.Subcommands.Add(Suggestions());
        command.Subcommands.Add(Scan());
        return command;
    }

    private static Option<string> Db() => new("--db") { Description = "The database: a SQLite file or a PostgreSQL connection string.", DefaultValueFactory = _ => "takt.db" };

    private static async Task<T> WithServerAsync<T>(string database, Func<IServiceProvider, TaktStore, Task<T>> work)
    {
        var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", SeedDemo = false, BootstrapAdmin = false, RunDispatcher = false, MinimumLogLevel = LogLevel.Warning };
        settings.Orchestration.RunWorker = false;
        await using var app = TaktServer.Build(settings);
        await Migrations.ApplyAsync(app.Services.GetRequiredService<TaktStore>(), TaktServer.Schemas, CancellationToken.None);
        return await work(app.Services, app.Services.GetRequiredService<TaktStore>());
    }

    private static Command TrainInvoices()
    {
        var db = Db();
        var rows = new Option<int>("--rows") { Description = "Resolved exceptions to train on (the last 20 % are the holdout).", DefaultValueFactory = _ => 20_000 };
        var by = new Option<string>("--by") { Description = "Who trains (may not approve this version).", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("invoices", "Train the invoice exception classifier from resolved exceptions (payables' exception log, topped up with generated history while it is small) and register it as a candidate.") { db, rows, by };
        command.SetAction(async (parse, ct) => await WithServerAsync(parse.GetValue(db)!, async (services, store) =>
        {
            var advisor = services.GetRequiredService<InvoiceExceptionAdvisor>();
            var result = await advisor.TrainAsync(store, TimeProvider.System, services.GetRequiredService<IResolvedExceptionSource>(), parse.GetValue(rows), parse.GetValue(by)!, ct);
            var m = result.Model;
            AnsiConsole.MarkupLine($"[bold]{m.Id}[/] {m.State}: {m.TrainingRows:N0} training / {m.HoldoutRows:N0} holdout rows from {Markup.Escape(m.Source)}, fit in {result.FitTime.TotalSeconds:F1} s");
            AnsiConsole.MarkupLine($"holdout: accuracy {m.Metrics.Accuracy:F3}, macro-F1 {m.Metrics.MacroF1:F3}, Brier {m.Metrics.Brier:F3}, ECE {m.Metrics.ExpectedCalibrationError:F3}");
            var table = new Table().Title("permutation importance (macro-F1 drop)").AddColumns("feature", "drop");
            foreach (var i in m.Importance)
                table.AddRow(i.Feature, $"{i.MacroF1Drop:F4}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"A person approves it: [bold]takt assist approve {m.Id} --by <person> --scope *[/]");
            return 0;
        }));
        return command;
    }

    private static Command Models()
    {
        var db = Db();
        var command = new Command("models", "Model versions with their holdout metrics, state and approval.") { db };
        command.SetAction(async (parse, ct) => await WithServerAsync(parse.GetValue(db)!, async (services, store) =>
        {
            await using var session = await store.OpenSessionAsync(TimeProvider.System, ct);
            await using var tx = await session.BeginAsync(ct);
            var table = new Table().AddColumns("model", "state", "source", "rows", "accuracy", "macro-F1", "Brier", "ECE", "approved by", "scope");
            foreach (var m in await ModelRegistry.ListAsync(tx, null, ct))
            {
                table.AddRow(m.Id, m.State, m.Source, $"{m.TrainingRows:N0}", F(m.Metrics.Accuracy), F(m.Metrics.MacroF1), F(m.Metrics.Brier), F(m.Metrics.ExpectedCalibrationError), m.ApprovedBy ?? "–", m.ApprovalScope ?? "–");
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Approve()
    {
        var db = Db();
        var id = new Argument<string>("model") { Description = "The model version, e.g. invoice-exceptions@2." };
        var by = new Option<string>("--by") { Description = "The person who approves (not the trainer, not a system).", Required = true };
        var scope = new Option<string>("--scope") { Description = "* for every plant, or one plant.", DefaultValueFactory = _ => "*" };
        var command = new Command("approve", "A person approves a candidate model version for a scope.") { db, id, by, scope };
        command.SetAction(async (parse, ct) => await WithServerAsync(parse.GetValue(db)!, async (services, store) =>
        {
            await using var session = await store.OpenSessionAsync(TimeProvider.System, ct);
            await using var tx = await session.BeginAsync(ct);
            var outcome = await ModelRegistry.ApproveAsync(tx, parse.GetValue(id)!, new ModelApproval(parse.GetValue(by)!, parse.GetValue(scope)!), ct);
            if (outcome.IsRejected)
            {
                foreach (var v in outcome.Violations)
                    AnsiConsole.MarkupLine($"[red]{Markup.Escape(v.Field)} {Markup.Escape(v.Rule)}[/]: {Markup.Escape(v.Detail)}");
                return 1;
            }

            await tx.CommitAsync(ct, recordCommit: false);
            AnsiConsole.MarkupLine($"{outcome.Value.Id} approved by {Markup.Escape(outcome.Value.ApprovedBy!)} for {Markup.Escape(outcome.Value.ApprovalScope!)}.");
            return 0;
        }));
        return command;
    }

    private static Command Suggestions()
    {
        var db = Db();
        var kind = new Option<string?>("--kind") { Description = $"One kind: {string.Join(", ", AssistKinds.All)}." };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 20 };
        var command = new Command("suggestions", "Recorded suggestions, newest first.") { db, kind, limit };
        command.SetAction(async (parse, ct) => await WithServerAsync(parse.GetValue(db)!, async (services, store) =>
        {
            await using var session = await store.OpenSessionAsync(TimeProvider.System, ct);
            await using var tx = await session.BeginAsync(ct);
            var table = new Table().AddColumns("created", "kind", "model", "plant", "subject", "output", "confidence", "person only", "outcome");
            foreach (var s in await SuggestionLog.ListAsync(tx, parse.GetValue(kind), null, Math.Clamp(parse.GetValue(limit), 1, 1000), ct))
            {
                var output = s.Output.ToJsonString();
                table.AddRow(s.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture), s.Kind, s.ModelId, s.Plant ?? "–", Markup.Escape($"{s.SubjectType} {s.SubjectId}"),
                    Markup.Escape(output.Length > 60 ? output[..60] + "…" : output), $"{s.Confidence:F3}", s.PersonOnly ? Markup.Escape(s.PersonOnlyReason ?? "yes") : "no", s.Outcome ?? "–");
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Scan()
    {
        var db = Db();
        var plant = new Option<string>("--plant") { Description = "The plant whose operation confirmations are scanned.", Required = true };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Start of the history read (default: 14 days before --to)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "End of the history read, exclusive (default: now)." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Report only anomalies at or after this instant (default: the whole history)." };
        var workCenter = new Option<string?>("--work-center") { Description = "One work center (default: all of the plant's)." };
        var command = new Command("scan", "Scan a plant's posted operation confirmations for production anomalies (scrap rate and machine time per unit against each work center's own history); each anomaly is recorded as a suggestion with an advisory event. The scheduled scan (AssistOptions.ShopFloorScanInterval) keeps its own position; this ad-hoc scan does not move it.")
            { db, plant, from, to, since, workCenter };
        command.SetAction(async (parse, ct) => await WithServerAsync(parse.GetValue(db)!, async (services, store) =>
        {
            var end = parse.GetValue(to) ?? TimeProvider.System.GetUtcNow();
            var scan = new ShopFloorScan(parse.GetValue(plant)!, parse.GetValue(from) ?? end - TimeSpan.FromDays(14), end, parse.GetValue(since), parse.GetValue(workCenter));
            var errors = ShopFloorAnomalies.Check(scan);
            if (errors.Count > 0)
                return Refused(errors);
            var shopFloor = services.GetRequiredService<ShopFloorAnomalies>();
            var (events, streams) = await shopFloor.ReadAsync(store, scan, ct);
            var outcome = await store.WriteAsync(TimeProvider.System, tx => shopFloor.ScanAsync(tx, scan, events, streams, ct), ct);
            if (outcome.IsRejected)
                return Refused(outcome.Violations);
            var report = outcome.Value;
            AnsiConsole.MarkupLine($"{Markup.Escape(report.Plant)}: {report.Events:N0} operation confirmations from {scan.From:u} to {scan.To:u}" +
                (scan.Since is { } s ? $", anomalies reported from {s:u}" : ""));
            if (report.TooShort.Count > 0)
                AnsiConsole.MarkupLine($"[yellow]Not scanned (fewer than {AnomalyService.MinimumPoints} confirmations):[/] {Markup.Escape(string.Join(", ", report.TooShort))}");
            var table = new Table().AddColumns("work center", "kind", "metric", "at", "value", "baseline", "deviation", "suggestion", "person only");
            foreach (var center in report.WorkCenters)
            {
                if (center.Anomalies.Count == 0)
                    table.AddRow(Markup.Escape(center.WorkCenter), "–", $"none in {center.Points:N0} confirmations", "", "", "", "", "", "");
                foreach (var a in center.Anomalies)
                {
                    var o = a.Output;
                    table.AddRow(Markup.Escape(center.WorkCenter), Markup.Escape($"{o["kind"]}"), Markup.Escape($"{o["metric"]}"), Markup.Escape($"{o["at"]}"), Number(o["value"]), Number(o["baseline"]),
                        Number(o["score"]), a.Id, a.PersonOnly ? Markup.Escape(a.PersonOnlyReason ?? "yes") : "no");
                }
            }

            AnsiConsole.Write(table);
            var found = report.WorkCenters.Sum(w => w.Anomalies.Count);
            AnsiConsole.MarkupLine(found == 0 ? "No anomalies." : $"{found} anomalies recorded as suggestions: [bold]takt assist suggestions --kind {AssistKinds.ProductionAnomalies}[/]");
            return 0;
        }));
        return command;
    }

    private static int Refused(IReadOnlyList<Takt.Contracts.Violation> violations)
    {
        foreach (var v in violations)
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(v.Field)} {Markup.Escape(v.Rule)}[/]: {Markup.Escape(v.Detail)}");
        return 1;
    }

    private static string Number(System.Text.Json.Nodes.JsonNode? n) =>
        n is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : Markup.Escape(n?.ToString() ?? "");

    private static string F(double? value) => value is { } v ? v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "–";

    public sealed record AssistBenchResult(string Machine, int Rows, double FitSeconds, double TrainSeconds, int Classified, double ClassificationsPerSecond, double? MacroF1, double? Accuracy);

    /// <summary><c>takt bench assist</c>: training time on resolved exceptions and classifications per second (in process, with explanations).</summary>
    public static Command Bench()
    {
        var rows = new Option<int>("--rows") { Description = "Resolved exceptions to train on.", DefaultValueFactory = _ => 100_000 };
        var classify = new Option<int>("--classify") { Description = "Cases to classify one at a time.", DefaultValueFactory = _ => 20_000 };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file." };
        var command = new Command("assist", "Measure the invoice exception classifier: training time on resolved exceptions (fit, holdout evaluation, permutation importance on 600 rows) and single classifications per second.") { rows, classify, json };
        command.SetAction(async (parse, ct) =>
        {
            var history = new GeneratedInvoiceHistory(15).Generate(parse.GetValue(rows));
            var options = new AssistOptions();
            var total = Stopwatch.StartNew();
            var trained = InvoiceClassifier.Train(history, options.Seed, options.ImportanceSampleRows);
            total.Stop();
            var cases = new GeneratedInvoiceHistory(16).Generate(parse.GetValue(classify)).Select(r => r.Case).ToList();
            trained.Classifier.Classify(cases[0]);
            var timer = Stopwatch.StartNew();
            foreach (var c in cases)
                trained.Classifier.Classify(c);
            timer.Stop();
            var result = new AssistBenchResult($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}", history.Count, Math.Round(trained.FitTime.TotalSeconds, 2),
                Math.Round(total.Elapsed.TotalSeconds, 2), cases.Count, Math.Round(cases.Count / timer.Elapsed.TotalSeconds, 0), trained.Metrics.MacroF1, trained.Metrics.Accuracy);
            AnsiConsole.MarkupLine($"trained on {result.Rows:N0} resolved exceptions: fit {result.FitSeconds:F1} s, with holdout evaluation and permutation importance {result.TrainSeconds:F1} s (macro-F1 {result.MacroF1:F3})");
            AnsiConsole.MarkupLine($"classified {result.Classified:N0} cases one at a time with explanations: {result.ClassificationsPerSecond:N0}/s");
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, Indented), ct);
            return 0;
        });
        return command;
    }
}
