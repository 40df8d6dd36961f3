using Dapper;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>An account's line of the trial balance, in the company currency (debit positive).</summary>
public sealed record TrialBalanceRow(string Account, string Name, string Kind, string NormalBalance, decimal Opening, decimal Debit, decimal Credit, decimal Closing);

/// <summary>
/// The trial balance of a company for a period: opening balance (balance-sheet accounts since the start, income
/// statement accounts since the fiscal year began), the period's debits and credits, closing balance.
/// </summary>
public sealed record TrialBalance(string Company, int Period, int FiscalYear, IReadOnlyList<TrialBalanceRow> Accounts, decimal TotalDebit, decimal TotalCredit, decimal TotalClosing)
{
    /// <summary>Debits equal credits and the closing balances net to zero.</summary>
    public bool Balanced => TotalDebit == TotalCredit && TotalClosing == 0m;
}

/// <summary>An entry's lines on one account, with where it came from and the objects it touches.</summary>
public sealed record AccountEntry(
    string EntryId, int? FiscalYear, long? Number, DateOnly PostingDate, string DocumentType, decimal Debit, decimal Credit,
    string? SourceType, string? SourceId, string? SourceOrigin, IReadOnlyList<string> Orders, IReadOnlyList<string> Items, IReadOnlyList<string> WorkCenters,
    string Entry, string ProcessHistory);

/// <summary>Reads over the kept totals (trial balance) and the journal (drill-down).</summary>
internal static class Reports
{
    public static async Task<TrialBalance> TrialBalanceAsync(TaktStore store, string company, int period, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var fiscalYear = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT fiscal_year FROM ledger_period WHERE company = @company AND period = @period", new { company, period }, cancellationToken: ct)) ?? period / 100;
        var yearStart = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MIN(period) FROM ledger_period WHERE company = @company AND fiscal_year = @fiscalYear", new { company, fiscalYear }, cancellationToken: ct)) ?? ((period / 100 * 100) + 1);
        var rows = await connection.QueryAsync<(string Account, string Name, string Kind, string? Normal, long Opening, long Debit, long Credit)>(new CommandDefinition(
            """
            SELECT b.account, a.name, a.kind, c.normal_balance,
                   CAST(SUM(CASE WHEN b.period < @period AND (a.kind IN ('asset', 'liability', 'equity') OR b.period >= @yearStart) THEN b.debit_e4 - b.credit_e4 ELSE 0 END) AS bigint),
                   CAST(SUM(CASE WHEN b.period = @period THEN b.debit_e4 ELSE 0 END) AS bigint),
                   CAST(SUM(CASE WHEN b.period = @period THEN b.credit_e4 ELSE 0 END) AS bigint)
            FROM ledger_balance b
            JOIN ledger_account a ON a.number = b.account
            LEFT JOIN ledger_company_account c ON c.company = b.company AND c.account = b.account
            WHERE b.company = @company AND b.period <= @period
            GROUP BY b.account, a.name, a.kind, c.normal_balance
            ORDER BY b.account
            """, new { company, period, yearStart }, cancellationToken: ct));
        var accounts = rows
            .Select(r => new TrialBalanceRow(r.Account, r.Name, r.Kind, r.Normal ?? new ChartAccount(r.Account, r.Name, r.Kind).NormalBalance,
                Fixed.FromE4(r.Opening), Fixed.FromE4(r.Debit), Fixed.FromE4(r.Credit), Fixed.FromE4(r.Opening + r.Debit - r.Credit)))
            .Where(r => r.Opening != 0 || r.Debit != 0 || r.Credit != 0)
            .ToList();
        // P&L accounts of earlier fiscal years sit in no opening balance until a year-end close carries them to
        // equity; their sum is shown as such so the closing column still nets to zero.
        var carried = accounts.Sum(a => a.Opening);
        if (carried != 0)
            accounts.Add(new TrialBalanceRow("(prior years)", "Result of earlier fiscal years, not yet carried forward", "equity", "credit", -carried, 0m, 0m, -carried));
        return new TrialBalance(company, period, checked((int)fiscalYear), accounts, accounts.Sum(a => a.Debit), accounts.Sum(a => a.Credit), accounts.Sum(a => a.Closing));
    }

    /// <summary>
    /// Drill-down from a balance: the entries of a period that touch an account, newest number first, each with its
    /// source event and the objects its lines carry, and links to the entry and its process history.
    /// </summary>
    public static async Task<IReadOnlyList<AccountEntry>> AccountEntriesAsync(TaktStore store, string company, string account, int period, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Id, long? FiscalYear, long? Number, long PostingDate, string DocumentType, long Debit, long Credit, string? SourceType, string? SourceId, string? SourceOrigin, string? Order, string? Item, string? WorkCenter)>(new CommandDefinition(
            """
            SELECT e.id, e.fiscal_year, e.number, e.posting_date, e.document_type, l.debit_local_e4, l.credit_local_e4, e.source_type, e.source_id, e.source_origin, l.order_number, l.item, l.work_center
            FROM ledger_journal_entry e JOIN ledger_journal_line l ON l.entry_id = e.id
            WHERE e.company = @company AND e.posting_date >= @from AND e.posting_date < @to AND l.account = @account
            ORDER BY e.posting_date DESC, e.number DESC
            LIMIT @limit
            """, new { company, account, from = (period * 100) + 1, to = (period * 100) + 99, limit }, cancellationToken: ct));
        return [.. rows.GroupBy(r => r.Id).Select(g =>
        {
            var f = g.First();
            return new AccountEntry(f.Id, f.FiscalYear is { } y ? checked((int)y) : null, f.Number, Instants.FromDateKey(checked((int)f.PostingDate)), f.DocumentType,
                Fixed.FromE4(g.Sum(r => r.Debit)), Fixed.FromE4(g.Sum(r => r.Credit)), f.SourceType, f.SourceId, f.SourceOrigin,
                [.. g.Select(r => r.Order).OfType<string>().Distinct()], [.. g.Select(r => r.Item).OfType<string>().Distinct()], [.. g.Select(r => r.WorkCenter).OfType<string>().Distinct()],
                $"/api/v1/ledger/journal-entries/{f.Id}", $"/api/v1/process-log/objects/journal-entry/{f.Id}");
        })];
    }
}
