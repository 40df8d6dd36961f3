using Dapper;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>The journal is tamper-evident: changing a stored line or header, or removing an entry, is reported.</summary>
public abstract class AuditContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private async Task<AuditReport> VerifyAsync() =>
        await Host.Service<ILedgerClose>().VerifyAuditChainAsync(Host.Store, "TK01", TestContext.Current.CancellationToken);

    private async Task<string> EntryAsync(long sequence)
    {
        await using var connection = await Host.Store.OpenConnectionAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<string>($"SELECT id FROM ledger_journal_entry WHERE company = 'TK01' AND chain_seq = {sequence}") ?? throw new InvalidOperationException();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Host.Store.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql);
    }

    [Fact]
    public async Task tampering_with_stored_entries_is_detected()
    {
        var clean = await VerifyAsync();
        Assert.True(clean.Intact, string.Join("; ", clean.Findings.Select(f => f.Problem)));
        Assert.True(clean.Entries >= 12);

        // A line's amount changed by one ten-thousandth.
        var changed = await EntryAsync(3);
        await ExecuteAsync($"UPDATE ledger_journal_line SET debit_e4 = debit_e4 + 1 WHERE entry_id = '{changed}' AND debit_e4 > 0");
        var report = await VerifyAsync();
        Assert.False(report.Intact);
        Assert.Equal(changed, Assert.Single(report.Findings).EntryId);
        await ExecuteAsync($"UPDATE ledger_journal_line SET debit_e4 = debit_e4 - 1 WHERE entry_id = '{changed}' AND debit_e4 > 0");
        Assert.True((await VerifyAsync()).Intact);

        // A header field (the document type) rewritten.
        var header = await EntryAsync(5);
        await ExecuteAsync($"UPDATE ledger_journal_entry SET document_type = 'manual-entry' WHERE id = '{header}'");
        Assert.Equal(header, Assert.Single((await VerifyAsync()).Findings).EntryId);
        await ExecuteAsync($"UPDATE ledger_journal_entry SET document_type = 'opening-stock' WHERE id = '{header}'");

        // The last entry deleted: the chain ends before its counter, and its year's numbers stop short.
        var last = (await VerifyAsync()).Entries;
        var removed = await EntryAsync(last);
        await ExecuteAsync($"DELETE FROM ledger_journal_line WHERE entry_id = '{removed}'");
        await ExecuteAsync($"DELETE FROM ledger_journal_entry WHERE id = '{removed}'");
        var deleted = await VerifyAsync();
        Assert.Contains(deleted.Findings, f => f.Problem.Contains("chain counter", StringComparison.Ordinal));
    }
}

public sealed class AuditOnSqlite(SqliteHost fixture) : AuditContract<SqliteHost>(fixture);

public sealed class AuditOnPostgres(PostgresHost fixture) : AuditContract<PostgresHost>(fixture);
