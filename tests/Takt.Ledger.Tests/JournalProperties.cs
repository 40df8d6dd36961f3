using System.Net;
using Dapper;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>
/// Random manual postings and reversals (full and partial) through the real ledger and database: every entry
/// balances in both currencies, numbers per company and fiscal year have no gap, and a full reversal restores the
/// balances the entry changed.
/// </summary>
public abstract class JournalPropertiesContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    public sealed record Step(bool Reverse, int Pick, int Cents, int Account, bool Partial, bool Usd);

    private static readonly string[] Accounts = ["690000", "610000", "620000", "100000"];

    private static readonly int Year = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).Year + 1;

    private static Arbitrary<Step[]> Steps() =>
        (from reverse in Gen.Elements(false, false, true)
         from pick in Gen.Choose(0, 1000)
         from cents in Gen.Choose(1, 5_000_000)
         from account in Gen.Choose(0, Accounts.Length - 1)
         from partial in Gen.Elements(false, true)
         from usd in Gen.Elements(false, false, true)
         select new Step(reverse, pick, cents, account, partial, usd)).ArrayOf().Select(a => a.Take(12).ToArray()).ToArbitrary();

    [Property(MaxTest = 12)]
    public Property postings_and_reversals_balance_number_without_gaps_and_reversals_restore() =>
        Prop.ForAll(Steps(), steps => RunAsync(steps).GetAwaiter().GetResult());

    private async Task<bool> RunAsync(Step[] steps)
    {
        var host = fixture.Host;
        var posted = new List<(string Id, decimal Total)>();
        foreach (var step in steps)
        {
            if (step.Reverse && posted.Count > 0)
            {
                var (id, total) = posted[step.Pick % posted.Count];
                var amount = step.Partial ? Math.Max(0.01m, Math.Round(total * ((step.Cents % 90) + 5) / 100m, 2)) : (decimal?)null;
                // Refusals (already reversed, more than remains) are fine; they must change nothing, checked below by the balances.
                using var reversal = await host.PostJsonAsync($"/api/v1/ledger/journal-entries/{id}/reversal", new { reason = "property test", amount });
                if (reversal.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity))
                    return false;
                continue;
            }

            var other = Accounts[(step.Account + 1 + (step.Pick % (Accounts.Length - 1))) % Accounts.Length];
            var cents = step.Cents / 100m;
            using var response = await host.PostJsonAsync("/api/v1/ledger/journal-entries", new
            {
                company = "TK01", plant = "PA01", postingDate = new DateOnly(Year, 6, 1 + (step.Pick % 28)), currency = step.Usd ? "USD" : "EUR", reason = "property test",
                lines = new object[] { new { account = Accounts[step.Account], debit = cents }, new { account = other, credit = cents } },
            });
            if (response.StatusCode != HttpStatusCode.Created)
                return false;
            posted.Add(((await TaktHost.JsonAsync(response)).GetProperty("id").GetString()!, cents));
        }

        await using var c = await host.Store.OpenConnectionAsync(CancellationToken.None);
        var unbalanced = await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM (SELECT entry_id FROM ledger_journal_line GROUP BY entry_id HAVING SUM(debit_e4) <> SUM(credit_e4) OR SUM(debit_local_e4) <> SUM(credit_local_e4)) u");
        var numbers = (await c.QueryAsync<(string Company, long Year, long Count, long Max, long Min)>(
            "SELECT company, fiscal_year, COUNT(*), MAX(number), MIN(number) FROM ledger_journal_entry WHERE number IS NOT NULL GROUP BY company, fiscal_year")).ToList();
        var gapFree = numbers.All(n => n.Min == 1 && n.Max == n.Count);
        // Every entry fully reversed nets to zero per account, in both currencies, together with its reversals.
        var notRestored = await c.ExecuteScalarAsync<long>("""
            SELECT COUNT(*) FROM (
                SELECT COALESCE(e.reverses, e.id) AS root, l.account, SUM(l.debit_e4 - l.credit_e4) AS net, SUM(l.debit_local_e4 - l.credit_local_e4) AS net_local
                FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id
                WHERE e.document_type IN ('manual-entry', 'reversal')
                GROUP BY COALESCE(e.reverses, e.id), l.account) n
            WHERE (n.net <> 0 OR n.net_local <> 0) AND n.root IN (
                SELECT o.id FROM ledger_journal_entry o JOIN ledger_journal_line ol ON ol.entry_id = o.id
                WHERE (SELECT COALESCE(SUM(rl.debit_e4), 0) FROM ledger_journal_line rl JOIN ledger_journal_entry r ON r.id = rl.entry_id WHERE r.reverses = o.id)
                    = (SELECT SUM(x.debit_e4) FROM ledger_journal_line x WHERE x.entry_id = o.id)
                GROUP BY o.id)
            """);
        // The kept totals agree with the lines (company currency).
        var totalsOff = await c.ExecuteScalarAsync<long>("""
            SELECT COUNT(*) FROM (
                SELECT e.company, l.account, e.posting_date / 100 AS period, COALESCE(l.order_number, '') AS order_number, SUM(l.debit_local_e4) AS d, SUM(l.credit_local_e4) AS c
                FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id
                GROUP BY e.company, l.account, e.posting_date / 100, COALESCE(l.order_number, '')) s
            FULL OUTER JOIN ledger_balance b ON b.company = s.company AND b.account = s.account AND b.period = s.period AND b.order_number = s.order_number
            WHERE s.d IS DISTINCT FROM b.debit_e4 OR s.c IS DISTINCT FROM b.credit_e4
            """);
        return unbalanced == 0 && gapFree && numbers.Count > 0 && notRestored == 0 && totalsOff == 0;
    }
}

public sealed class JournalPropertiesOnSqlite(SqliteHost fixture) : JournalPropertiesContract<SqliteHost>(fixture);

public sealed class JournalPropertiesOnPostgres(PostgresHost fixture) : JournalPropertiesContract<PostgresHost>(fixture);
