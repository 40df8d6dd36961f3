using Dapper;
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
public sealed record CostVarianceWarning(string Order, string Plant, string Item, decimal Standard, decimal ActualToDate, decimal Progress, decimal ExpectedVariance, string Reason);

/// <summary>
/// The close checklist of a company and period, computed from data each time it is asked (never ticked by hand):
/// outbox drained and no dead letters, entries balanced, each subledger equal to its control accounts, accruals of
/// the period posted and earlier ones reversed when due.
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

        // Subledgers against their control accounts: GL through this period vs the subledger now.
        var control = (await connection.QueryAsync<(string Subledger, long Balance)>(new CommandDefinition(
            """
            SELECT c.control_subledger, CAST(COALESCE(SUM(b.debit_e4 - b.credit_e4), 0) AS bigint)
            FROM ledger_company_account c LEFT JOIN ledger_balance b ON b.company = c.company AND b.account = c.account AND b.period <= @period
            WHERE c.company = @company AND c.control_subledger IS NOT NULL
            GROUP BY c.control_subledger
            """, new { company, period }, cancellationToken: ct))).ToDictionary(r => r.Subledger, r => Fixed.FromE4(r.Balance), StringComparer.Ordinal);
        var totals = subledgers is null ? [] : await subledgers.TotalsAsync(store, company, ct);
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

            var gl = control.GetValueOrDefault(subledger);
            var difference = gl - total.Value!.Value;
            checks.Add(difference == 0
                ? new CloseCheck(name, "passed", $"{total.Description} {total.Value} = {subledger} control accounts {gl}.")
                : new CloseCheck(name, "failed", $"{total.Description} {total.Value} ≠ {subledger} control accounts {gl} (difference {difference}).", difference));
        }

        var periodEnd = new DateOnly(period / 100, period % 100, 1).AddMonths(1).ToDateKey();
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
