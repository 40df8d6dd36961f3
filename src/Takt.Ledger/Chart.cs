using Dapper;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>Reads a company's chart of accounts.</summary>
internal static class Chart
{
    public static async Task<IReadOnlyList<LedgerEndpoints.ChartAccountView>> ListAsync(TaktStore store, string company, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Account, string Name, string Kind, string NormalBalance, string? Control)>(new CommandDefinition(
            "SELECT a.number, a.name, a.kind, c.normal_balance, c.control_subledger FROM ledger_company_account c JOIN ledger_account a ON a.number = c.account WHERE c.company = @company ORDER BY a.number",
            new { company }, cancellationToken: ct));
        return [.. rows.Select(r => new LedgerEndpoints.ChartAccountView(r.Account, r.Name, r.Kind, r.NormalBalance, r.Control))];
    }
}
