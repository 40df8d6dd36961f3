using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>One close check: passed, failed or not applicable, with what it found.</summary>
public sealed record CloseCheck(string Check, string Status, string Detail, decimal? Difference = null);

/// <summary>KPI close readiness (DESIGN §5): checks passed ÷ applicable checks, with the failing ones listed.</summary>
public sealed record CloseStatus(string Company, int Period, string PeriodStatus, decimal Readiness, int Passed, int Applicable, IReadOnlyList<CloseCheck> Checks)
{
    public IReadOnlyList<CloseCheck> Failing => [.. Checks.Where(c => c.Status == "failed")];
}

/// <summary>An open order whose actual cost trends off its standard.</summary>
public sealed record ExplanationRequest(string? Item, string? Reason);

/// <summary>Why an aged GR/IR open item is still open at a period's close: who said so, when.</summary>
public sealed record ExplanationView(string Id, string Company, int Period, string Item, decimal Amount, DateOnly Since, string Reason, string Actor, DateTimeOffset At);

/// <summary>An open order whose actual cost trends off standard.</summary>
public sealed record CostVarianceWarning(string Order, string Plant, string Item, decimal Standard, decimal ActualToDate, decimal Progress, decimal ExpectedVariance, string Reason);

/// <summary>
/// The close checklist of a company and period, computed from data each time it is asked (never ticked by hand):
/// outbox drained and no dead letters, entries balanced, each subledger equal to its control accounts, GR/IR open
/// items aged and the old ones explained, no invoice, purchase order or stock exception open, accruals of the period
/// posted and earlier ones reversed when due.
/// </summary>
internal static class Close
{
    public static async Task<CloseStatus> StatusAsync(TaktStore store, Outbox outbox, ISubledgers? subledgers, string company, int period, CancellationToken ct)
    {
        var checks = new List<CloseCheck>();
        var backlog = await OutboxBacklog.ReadAsync(store, outbox, ct);
        var behind = backlog.Where(b => !b.Settled).ToList();
        checks.Add(behind.Count == 0
            ? new CloseCheck("outbox-drained", "passed", "Every outbox subscriber has read every event; no retry is waiting (the whole outbox, not only this period).")
            : new CloseCheck("outbox-drained", "failed", "Events still waiting: " + string.Join(", ", behind.Select(b => $"{b.Subscriber} {b.Behind} behind, {b.Retrying} retrying"))));
        var dead = backlog.Sum(b => b.Dead);
        checks.Add(dead == 0
            ? new CloseCheck("dead-letters-empty", "passed", "No dead letters.")
            : new CloseCheck("dead-letters-empty", "failed", $"{dead} dead letters wait for a person (takt dead-letters)."));

        await using var connection = await store.OpenConnectionAsync(ct);
        var periodStatus = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM ledger_period WHERE company = @company AND period = @period", new { company, period }, cancellationToken: ct)) ?? "unknown";
        var (debit, credit) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT CAST(COALESCE(SUM(debit_e4), 0) AS bigint), CAST(COALESCE(SUM(credit_e4), 0) AS bigint) FROM ledger_balance WHERE company = @company AND period = @period",
            new { company, period }, cancellationToken: ct));
        checks.Add(debit == credit
            ? new CloseCheck("entries-balanced", "passed", $"The period's debits equal its credits ({Fixed.FromE4(debit)}).")
            : new CloseCheck("entries-balanced", "failed", $"Debits {Fixed.FromE4(debit)} ≠ credits {Fixed.FromE4(credit)}.", Fixed.FromE4(debit - credit)));

        // Subledgers against their control accounts: as of the period end where the subledger keeps the history (GL
        // through the period), else the subledger now against the control accounts to date (every period posted).
        var lastDay = LastDay(period);
        var control = (await connection.QueryAsync<(string Subledger, long Through, long ToDate)>(new CommandDefinition(
            """
            SELECT c.control_subledger,
                   CAST(COALESCE(SUM(CASE WHEN b.period <= @period THEN b.debit_e4 - b.credit_e4 ELSE 0 END), 0) AS bigint),
                   CAST(COALESCE(SUM(b.debit_e4 - b.credit_e4), 0) AS bigint)
            FROM ledger_company_account c LEFT JOIN ledger_balance b ON b.company = c.company AND b.account = c.account
            WHERE c.company = @company AND c.control_subledger IS NOT NULL
            GROUP BY c.control_subledger
            """, new { company, period }, cancellationToken: ct))).ToDictionary(r => r.Subledger, r => (Through: Fixed.FromE4(r.Through), ToDate: Fixed.FromE4(r.ToDate)), StringComparer.Ordinal);
        var totals = subledgers is null ? [] : await subledgers.TotalsAsync(store, company, lastDay, ct);
        foreach (var subledger in new[] { "inventory", "production", "procurement", "payables" })
        {
            var name = subledger + "-reconciled";
            var total = totals.FirstOrDefault(t => t.Subledger == subledger);
            if (total is null)
            {
                checks.Add(new CloseCheck(name, "not-applicable", $"No {subledger} subledger is composed into this host."));
                continue;
            }

            if (total.NotApplicable is { } why)
            {
                checks.Add(new CloseCheck(name, "not-applicable", why));
                continue;
            }

            var balances = control.GetValueOrDefault(subledger);
            var gl = total.AsOfPeriodEnd ? balances.Through : balances.ToDate;
            var glText = total.AsOfPeriodEnd ? $"{subledger} control accounts through {period} {gl}" : $"{subledger} control accounts to date {gl}";
            var difference = gl - total.Value!.Value;
            checks.Add(difference == 0
                ? new CloseCheck(name, "passed", $"{total.Description} {total.Value} = {glText}.")
                : new CloseCheck(name, "failed", $"{total.Description} {total.Value} ≠ {glText} (difference {difference}).", difference));
        }

        checks.Add(await GrIrExplainedAsync(connection, totals.FirstOrDefault(t => t.Subledger == "procurement"), company, period, lastDay, ct));
        if (subledgers is null)
        {
            checks.Add(new CloseCheck("exceptions-resolved", "not-applicable", "No operational module is composed into this host."));
        }
        else
        {
            var until = new DateTimeOffset(lastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-10);
            var open = await subledgers.OpenExceptionsAsync(store, company, until, ct);
            checks.Add(open.Count == 0
                ? new CloseCheck("exceptions-resolved", "passed", $"No invoice, purchase order or stock exception raised up to {lastDay:yyyy-MM-dd} is open.")
                : new CloseCheck("exceptions-resolved", "failed", $"{open.Count} exceptions raised up to {lastDay:yyyy-MM-dd} are open: " +
                    string.Join(", ", open.GroupBy(e => e.Kind).Select(g => $"{g.Count()} {g.Key}")) + " (" + string.Join("; ", open.Take(5).Select(e => $"{e.Kind} {e.Id}: {e.Detail}")) + (open.Count > 5 ? "; …" : "") + ")."));
        }

        var periodEnd = lastDay.AddDays(1).ToDateKey();
        var accruals = (await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, COUNT(*) FROM ledger_accrual WHERE company = @company AND period = @period AND status IN ('proposed', 'approved') GROUP BY status",
            new { company, period }, cancellationToken: ct))).ToList();
        checks.Add(accruals.Count == 0
            ? new CloseCheck("accruals-posted", "passed", "No accrual of the period waits for approval or posting.")
            : new CloseCheck("accruals-posted", "failed", "Accruals not posted: " + string.Join(", ", accruals.Select(a => $"{a.Count} {a.Status}"))));
        var overdue = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM ledger_accrual WHERE company = @company AND status = 'posted' AND reverse_on < @periodEnd AND period < @period",
            new { company, period, periodEnd }, cancellationToken: ct));
        checks.Add(overdue == 0
            ? new CloseCheck("accruals-reversed", "passed", "Earlier periods' accruals due in this period are reversed.")
            : new CloseCheck("accruals-reversed", "failed", $"{overdue} posted accruals of earlier periods are due for reversal (takt close run-reversals)."));

        var applicable = checks.Count(c => c.Status != "not-applicable");
        var passed = checks.Count(c => c.Status == "passed");
        return new CloseStatus(company, period, periodStatus, applicable == 0 ? 0m : Math.Round((decimal)passed / applicable, 4), passed, applicable, checks);
    }

    /// <summary>GR/IR open items older than this many days at the period end must be explained before the close.</summary>
    public const int GrIrExplainAfterDays = 30;

    /// <summary>The last day of a period (yyyymm).</summary>
    internal static DateOnly LastDay(int period) => new DateOnly(period / 100, period % 100, 1).AddMonths(1).AddDays(-1);

    /// <summary>GR/IR open items aged: those open longer than <see cref="GrIrExplainAfterDays"/> days at the period end need an explanation for the period.</summary>
    private static async Task<CloseCheck> GrIrExplainedAsync(System.Data.Common.DbConnection connection, SubledgerTotal? grir, string company, int period, DateOnly lastDay, CancellationToken ct)
    {
        const string name = "grir-open-items-explained";
        if (grir is null || grir.NotApplicable is not null)
            return new CloseCheck(name, "not-applicable", grir?.NotApplicable ?? "No procurement subledger is composed into this host.");
        var aged = grir.OpenItems.Where(i => lastDay.DayNumber - i.Since.DayNumber > GrIrExplainAfterDays).ToList();
        if (aged.Count == 0)
            return new CloseCheck(name, "passed", $"{grir.OpenItems.Count} GR/IR open items, none open longer than {GrIrExplainAfterDays} days at {lastDay:yyyy-MM-dd}.");
        var explained = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT item FROM ledger_close_explanation WHERE company = @company AND period = @period", new { company, period }, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        var unexplained = aged.Where(i => !explained.Contains(i.Item)).ToList();
        return unexplained.Count == 0
            ? new CloseCheck(name, "passed", $"{grir.OpenItems.Count} GR/IR open items; the {aged.Count} open longer than {GrIrExplainAfterDays} days at {lastDay:yyyy-MM-dd} are explained.")
            : new CloseCheck(name, "failed", $"{unexplained.Count} of {grir.OpenItems.Count} GR/IR open items are open longer than {GrIrExplainAfterDays} days at {lastDay:yyyy-MM-dd} and not explained: " +
                string.Join("; ", unexplained.Take(10).Select(i => $"{i.Item} {i.Amount} since {i.Since:yyyy-MM-dd}")) + (unexplained.Count > 10 ? "; …" : "") + " (POST /api/v1/close/{company}/{period}/explanations).",
                unexplained.Sum(i => i.Amount));
    }

    /// <summary>
    /// Records why an aged GR/IR open item of the period is still open (who, when, why). Refuses an item that is not
    /// a GR/IR open item of the company as of the period end, and an empty reason.
    /// </summary>
    public static async Task<Outcome<ExplanationView>> ExplainAsync(TaktStore store, ISubledgers? subledgers, TimeProvider clock, string company, int period, ExplanationRequest request, string actor, CancellationToken ct)
    {
        var errors = new List<Violation>();
        var item = request.Item?.Trim() ?? "";
        var reason = request.Reason?.Trim() ?? "";
        if (item.Length == 0)
            errors.Add(new Violation("/item", "close.item-required", "item is the GR/IR open item (purchase order/line, e.g. 4500000012/1) the explanation is for."));
        if (reason.Length == 0)
            errors.Add(new Violation("/reason", "close.reason-required", "reason says why the item is still open (e.g. invoice disputed with the supplier)."));
        if (errors.Count > 0)
            return Outcome<ExplanationView>.FromViolations(errors);
        var grir = subledgers is null ? null : (await subledgers.TotalsAsync(store, company, LastDay(period), ct)).FirstOrDefault(t => t.Subledger == "procurement");
        var open = grir?.OpenItems.FirstOrDefault(i => i.Item == item);
        if (open is null)
            return new Violation("/item", "close.item-not-open", $"'{item}' is not a GR/IR open item of company {company} at the end of period {period}.");
        var now = clock.GetUtcNow();
        var view = new ExplanationView(Uuid7.New(now).ToString(), company, period, item, open.Amount, open.Since, reason, actor, now);
        await using var connection = await store.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ledger_close_explanation (id, company, period, item, reason, actor, at_us) VALUES (@Id, @Company, @Period, @Item, @Reason, @Actor, @at)",
            new { view.Id, view.Company, view.Period, view.Item, view.Reason, view.Actor, at = now.ToUnixMicroseconds() }, cancellationToken: ct));
        return view;
    }

    /// <summary>
    /// Open orders whose actual cost trends off standard: actual cost to date (WIP debits of the order) against the
    /// standard of the whole order; once a fifth is yielded, also the projection actual ÷ progress. Warns beyond the tolerance.
    /// </summary>
    public static async Task<IReadOnlyList<CostVarianceWarning>> VarianceWarningsAsync(TaktStore store, ISubledgers? subledgers, string company, decimal tolerance, CancellationToken ct)
    {
        if (subledgers is null)
            return [];
        var orders = await subledgers.OpenOrdersAsync(store, company, ct);
        await using var connection = await store.OpenConnectionAsync(ct);
        var actual = (await connection.QueryAsync<(string Order, long Debit)>(new CommandDefinition(
            """
            SELECT b.order_number, CAST(SUM(b.debit_e4) AS bigint) FROM ledger_balance b
            JOIN ledger_company_account c ON c.company = b.company AND c.account = b.account AND c.control_subledger = 'production'
            WHERE b.company = @company AND b.order_number <> '' GROUP BY b.order_number
            """, new { company }, cancellationToken: ct))).ToDictionary(r => r.Order, r => Fixed.FromE4(r.Debit), StringComparer.Ordinal);
        var warnings = new List<CostVarianceWarning>();
        foreach (var o in orders)
        {
            var standard = Math.Round(o.StandardUnitCost * o.Quantity, 2);
            var spent = actual.GetValueOrDefault(o.Order);
            var progress = o.Quantity == 0 ? 0m : Math.Min(1m, o.Yield / o.Quantity);
            if (standard <= 0)
                continue;
            if (spent > standard * (1 + tolerance))
                warnings.Add(new CostVarianceWarning(o.Order, o.Plant, o.Item, standard, spent, progress, spent - standard, "Actual cost to date already exceeds the standard of the whole order."));
            else if (progress >= 0.2m && spent / progress > standard * (1 + tolerance))
                warnings.Add(new CostVarianceWarning(o.Order, o.Plant, o.Item, standard, spent, progress, Math.Round((spent / progress) - standard, 2), "At the cost rate so far the order ends over standard."));
        }

        return warnings;
    }
}
