using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// Period states per company: open → soft-closed (only named posting types or roles) → closed, and back with a
/// reason. Every change is recorded with who, when and why.
/// </summary>
internal static class Periods
{
    public static readonly string[] States = ["open", "soft-closed", "closed"];

    public sealed record Change(string Status, string? Reason, IReadOnlyList<string>? Allows);

    public sealed record ChangeView(string? From, string To, string Actor, string Reason, DateTimeOffset At);

    public sealed record PeriodView(string Company, int Period, int FiscalYear, string Status, IReadOnlyList<string> Allows, IReadOnlyList<ChangeView> Changes);

    /// <summary>Rank of a state: moving to a lower rank reopens the period (needs a reason).</summary>
    private static int Rank(string status) => Array.IndexOf(States, status);

    public static async Task<Outcome<PeriodView>> ChangeAsync(StoreTransaction tx, string company, int period, Change change, string actor, CancellationToken ct)
    {
        if (!States.Contains(change.Status ?? "", StringComparer.Ordinal))
            return new Violation("/status", "period.status-unknown", $"status is one of {string.Join(", ", States)}; '{change.Status}' is not.");
        string? current = null;
        await using (var reader = await tx.Command("SELECT status FROM ledger_period WHERE company = $1 AND period = $2", company, period).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
                current = reader.GetString(0);
        }

        if (current is null)
            return new Violation("/period", "period.unknown", $"Company {company} has no period {period}.");
        var reason = change.Reason?.Trim() ?? "";
        if (Rank(change.Status!) < Rank(current) && reason.Length == 0)
            return new Violation("/reason", "period.reason-required", $"Reopening period {period} of company {company} ({current} → {change.Status}) needs a reason.");
        var allows = (change.Allows ?? []).Select(a => a.Trim()).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (change.Status == "soft-closed" && allows.Length == 0)
            return new Violation("/allows", "period.allows-required", "A soft-closed period names the posting types (e.g. accrual) or roles (role:controller) it still admits.");
        if (change.Status != "soft-closed" && allows.Length > 0)
            return new Violation("/allows", "period.allows-unexpected", "Only a soft-closed period admits named posting types or roles.");

        await tx.ExecuteAsync("UPDATE ledger_period SET status = $1, soft_close_allows = $2 WHERE company = $3 AND period = $4",
            ct, change.Status, string.Join(',', allows), company, period);
        await tx.ExecuteAsync(
            "INSERT INTO ledger_period_change (id, company, period, from_status, to_status, actor, reason, at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            ct, Uuid7.New(tx.Clock.GetUtcNow()).ToString(), company, period, current, change.Status, actor, reason, tx.Clock.GetUtcNow().ToUnixMicroseconds());
        return (await ListAsync(tx.Connection, tx.Transaction, company, period, ct))[0];
    }

    public static async Task<IReadOnlyList<PeriodView>> ListAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string company, int? period, CancellationToken ct)
    {
        var changes = new Dictionary<int, List<ChangeView>>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT period, from_status, to_status, actor, reason, at_us FROM ledger_period_change WHERE company = @c AND (@p = 0 OR period = @p) ORDER BY at_us";
            Add(command, "c", company);
            Add(command, "p", (long)(period ?? 0));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var p = checked((int)reader.GetInt64(0));
                if (!changes.TryGetValue(p, out var list))
                    changes[p] = list = [];
                list.Add(new ChangeView(reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), Instants.FromUnixMicroseconds(reader.GetInt64(5))));
            }
        }

        var rows = new List<PeriodView>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT period, fiscal_year, status, soft_close_allows FROM ledger_period WHERE company = @c AND (@p = 0 OR period = @p) ORDER BY period";
            Add(command, "c", company);
            Add(command, "p", (long)(period ?? 0));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var p = checked((int)reader.GetInt64(0));
                rows.Add(new PeriodView(company, p, checked((int)reader.GetInt64(1)), reader.GetString(2), [.. GeneralLedger.Allows(reader.GetString(3))],
                    changes.TryGetValue(p, out var list) ? list : []));
            }
        }

        return rows;
    }

    internal static void Add(System.Data.Common.DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }
}
