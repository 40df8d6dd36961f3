using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Takt.Inventory;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.Orchestration;
using Takt.Payables;
using Takt.Procurement;
using Takt.MasterData;
using Takt.Production;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary><c>takt ledger</c>, <c>takt close</c> and <c>takt audit</c>: the books, the close and the audit chain, read straight from a database.</summary>
internal static class LedgerCommand
{
    private static Option<string> Db() => new("--db") { Description = "The database: a SQLite file or a PostgreSQL connection string.", DefaultValueFactory = _ => "takt.db" };

    private static Option<string> Company() => new("--company") { Description = "Company code.", DefaultValueFactory = _ => DemoData.Company };

    private static Option<int> Period() => new("--period") { Description = "Period yyyymm (default: this month).", DefaultValueFactory = _ => (TimeProvider.System.GetUtcNow().Year * 100) + TimeProvider.System.GetUtcNow().Month };

    public static ServiceProvider Services(string database) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton(TaktStore.Open(database))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new OutboxOptions())
            .AddSingleton<OutboxSignal>()
            .AddSingleton<Outbox>()
            .AddMasterData().AddLedger().AddInventory().AddProduction().AddIntelligence()
            .AddOrchestration(new Takt.Orchestration.Engine.OrchestrationOptions()).AddProcurement().AddPayables() // the subledgers the close reads
            .AddSingleton<ISubledgers, Subledgers>()
            .BuildServiceProvider();

    public static IEnumerable<Command> Create()
    {
        var (db, company, period) = (Db(), Company(), Period());
        var trial = new Command("trial-balance", "Trial balance of a company for a period: opening, debits, credits, closing per account.") { db, company, period };
        trial.SetAction(async (parse, ct) =>
        {
            await using var services = Services(parse.GetValue(db)!);
            var tb = await services.GetRequiredService<ILedger>().TrialBalanceAsync(services.GetRequiredService<TaktStore>(), parse.GetValue(company)!, parse.GetValue(period), ct);
            var table = new Table().Title($"trial balance {tb.Company} {tb.Period} (fiscal year {tb.FiscalYear})").AddColumns("account", "name", "opening", "debit", "credit", "closing");
            foreach (var r in tb.Accounts)
                table.AddRow(r.Account, Markup.Escape(r.Name), Amount(r.Opening), Amount(r.Debit), Amount(r.Credit), Amount(r.Closing));
            table.AddRow("", "[bold]total[/]", "", Amount(tb.TotalDebit), Amount(tb.TotalCredit), Amount(tb.TotalClosing));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(tb.Balanced ? "[green]balanced[/]" : "[red]NOT balanced[/]");
            return tb.Balanced ? 0 : 1;
        });
        var ledger = new Command("ledger", "The general ledger.") { trial };

        var (db2, company2, period2) = (Db(), Company(), Period());
        var status = new Command("status", "The close checklist of a period, computed from data; close readiness = passed ÷ applicable checks.") { db2, company2, period2 };
        status.SetAction(async (parse, ct) =>
        {
            await using var services = Services(parse.GetValue(db2)!);
            var s = await services.GetRequiredService<ILedgerClose>().StatusAsync(services.GetRequiredService<TaktStore>(), parse.GetValue(company2)!, parse.GetValue(period2), ct);
            var table = new Table().Title($"close {s.Company} {s.Period} ({s.PeriodStatus}): readiness {s.Readiness:P0} ({s.Passed}/{s.Applicable})").AddColumns("check", "status", "detail");
            foreach (var c in s.Checks)
                table.AddRow(c.Check, c.Status switch { "passed" => "[green]passed[/]", "failed" => "[red]failed[/]", _ => "[grey]n/a[/]" }, Markup.Escape(c.Detail));
            AnsiConsole.Write(table);
            return 0;
        });
        var db3 = Db();
        var reversals = new Command("run-reversals", "Reverse every posted accrual whose first day of the next period has come.") { db3 };
        reversals.SetAction(async (parse, ct) =>
        {
            await using var services = Services(parse.GetValue(db3)!);
            var done = await services.GetRequiredService<IAccruals>().RunDueReversalsAsync(services.GetRequiredService<TaktStore>(), ct);
            foreach (var a in done)
                AnsiConsole.MarkupLine($"reversed accrual {a.Id} ({a.Category}, {a.Amount} {a.Currency}) on {a.ReverseOn:yyyy-MM-dd}: entry {a.ReversalEntryId}");
            AnsiConsole.MarkupLine($"{done.Count} accruals reversed.");
            return 0;
        });
        var close = new Command("close", "The period close.") { status, reversals };

        var (db4, company4) = (Db(), Company());
        var verify = new Command("verify", "Recompute the company's hash chain over its journal entries and the process log's chain of sealed blocks; exit 1 if anything was changed.") { db4, company4 };
        verify.SetAction(async (parse, ct) =>
        {
            await using var services = Services(parse.GetValue(db4)!);
            var report = await services.GetRequiredService<ILedgerClose>().VerifyAuditChainAsync(services.GetRequiredService<TaktStore>(), parse.GetValue(company4)!, ct);
            foreach (var f in report.Findings)
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(f.Problem)}[/]");
            AnsiConsole.MarkupLine(report.Intact
                ? $"[green]journal intact[/]: {report.Entries} entries, {report.Lines} lines, head {report.Head}"
                : $"[red]{report.Findings.Count} findings[/] in {report.Entries} journal entries");
            var log = await VerifyLogAsync(services, ct);
            return report.Intact && log ? 0 : 1;
        });
        var db5 = Db();
        var log = new Command("log", "Recompute the process log's hash chain (its sealed blocks) only; exit 1 if a sealed event was changed, deleted or inserted.") { db5 };
        log.SetAction(async (parse, ct) =>
        {
            await using var services = Services(parse.GetValue(db5)!);
            return await VerifyLogAsync(services, ct) ? 0 : 1;
        });
        var audit = new Command("audit", "Tamper evidence.") { verify, log };
        return [ledger, close, audit];
    }

    /// <summary>The process log's chain, printed; true when intact.</summary>
    private static async Task<bool> VerifyLogAsync(IServiceProvider services, CancellationToken ct)
    {
        var report = await services.GetRequiredService<IIntelligence>().VerifyLogAsync(services.GetRequiredService<TaktStore>(), ct);
        foreach (var f in report.Findings)
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(f.Problem)}[/]");
        AnsiConsole.MarkupLine(report.Intact
            ? $"[green]process log intact[/]: {report.Events} events in {report.Seals} sealed blocks, head {report.Head ?? "(none yet)"}; {report.Unsealed} events not sealed yet"
            : $"[red]{report.Findings.Count} findings[/] in {report.Events} sealed process-log events");
        return report.Intact;
    }

    private static string Amount(decimal value) => value.ToString("#,0.00", CultureInfo.InvariantCulture);

    internal static string ToJson<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
