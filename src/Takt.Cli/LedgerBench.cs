using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Takt.Contracts;
using Takt.Ledger;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench ledger</c>: posts manual-style entries (through Prepare/Stage, numbered and hash-chained, 500 per
/// transaction) until the journal holds the requested number of lines, then times the trial balance, the close
/// status and the audit verification over it.
/// </summary>
internal static class LedgerBench
{
    public sealed record Result(string Engine, string Machine, long Lines, long Entries, double PostSeconds, double PostingsPerSecond, double LinesPerSecond,
        double TrialBalanceSeconds, bool TrialBalanceBalanced, double CloseStatusSeconds, decimal CloseReadiness, double AuditVerifySeconds, bool AuditIntact);

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "sqlite (a new temp file), postgres (a new database on the server in TAKT_BENCH_POSTGRES or TAKT_TEST_POSTGRES), or a PostgreSQL connection string.", DefaultValueFactory = _ => "sqlite" };
        var lines = new Option<int>("--lines", "-n") { Description = "Journal lines to post (two per entry).", DefaultValueFactory = _ => 1_000_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var command = new Command("ledger", "Measure the ledger: postings/s, then trial balance, close status and audit verification over the journal.") { db, lines, json };
        command.SetAction(async (parse, ct) =>
        {
            var result = await RunAsync(parse.GetValue(db)!, Math.Max(2, parse.GetValue(lines)), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return command;
    }

    private static async Task<Result> RunAsync(string db, int lineCount, CancellationToken ct)
    {
        var (database, cleanup) = await BenchCommand.FreshDatabaseAsync(db, ct);
        try
        {
            var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", MinimumLogLevel = LogLevel.Warning, BootstrapAdmin = false, RunDispatcher = false };
            await using var app = TaktServer.Build(settings);
            await TaktServer.PrepareDatabaseAsync(app.Services, settings, ct);
            var store = app.Services.GetRequiredService<TaktStore>();
            var ledger = app.Services.GetRequiredService<ILedger>();
            var clock = TimeProvider.System;
            AnsiConsole.MarkupLineInterpolated($"[grey]bench ledger on {store.Engine} ({store.Display}), {lineCount} lines, {Environment.ProcessorCount} cores[/]");

            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            string[] debits = ["690000", "610000", "620000", "520000"];
            var entries = lineCount / 2;
            const int perTransaction = 500;
            var watch = Stopwatch.StartNew();
            await using (var session = await store.OpenSessionAsync(clock, ct))
            {
                for (var done = 0; done < entries;)
                {
                    await using var tx = await session.BeginAsync(ct);
                    var rules = await ledger.LoadRulesAsync(tx, ct);
                    var n = Math.Min(perTransaction, entries - done);
                    for (var i = 0; i < n; i++, done++)
                    {
                        var amount = new Money(((done % 9973) + 1) / 100m, Currency.Eur);
                        var draft = new JournalEntryDraft(DemoData.Company, done % 2 == 0 ? DemoData.PlantA : DemoData.PlantB, Currency.Eur, today, "bench",
                            new PostingSource("takt.bench.posting", done.ToString(System.Globalization.CultureInfo.InvariantCulture), "/takt/bench", clock.GetUtcNow(), "/postingDate"), [],
                            [new JournalLineDraft(debits[done % debits.Length], amount, Money.Zero(Currency.Eur)), new JournalLineDraft("100000", Money.Zero(Currency.Eur), amount)]);
                        var prepared = ledger.Prepare(rules, draft);
                        if (prepared.IsRejected)
                            throw new InvalidOperationException(string.Join("; ", prepared.Violations.Select(v => v.Detail)));
                        ledger.Stage(tx, prepared.Value);
                    }

                    await tx.CommitAsync(ct);
                }
            }

            var postSeconds = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"posted {entries} entries ({entries * 2} lines) in {postSeconds:F1} s: [bold]{entries / postSeconds:F0}[/] postings/s");

            var period = (today.Year * 100) + today.Month;
            watch.Restart();
            var tb = await ledger.TrialBalanceAsync(store, DemoData.Company, period, ct);
            var tbSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var status = await app.Services.GetRequiredService<ILedgerClose>().StatusAsync(store, DemoData.Company, period, ct);
            var closeSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var audit = await app.Services.GetRequiredService<ILedgerClose>().VerifyAuditChainAsync(store, DemoData.Company, ct);
            var auditSeconds = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"trial balance {tbSeconds * 1000:F0} ms, close status {closeSeconds * 1000:F0} ms, audit verify {auditSeconds:F1} s over {audit.Lines} lines");
            return new Result(store.Engine.ToString(), $"{Environment.ProcessorCount} cores (shared)", audit.Lines, audit.Entries, Math.Round(postSeconds, 2), Math.Round(entries / postSeconds),
                Math.Round(entries * 2 / postSeconds), Math.Round(tbSeconds, 3), tb.Balanced, Math.Round(closeSeconds, 3), status.Readiness, Math.Round(auditSeconds, 2), audit.Intact);
        }
        finally
        {
            await cleanup();
        }
    }
}
