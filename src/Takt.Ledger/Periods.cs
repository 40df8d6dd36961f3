using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// Period states per company: open → soft-closed (only named posting types or roles) → closed, and back with a
/// reason. Reopening a closed period is a request a second person approves (segregation of duties: not the
/// requester); the change applies on approval. Every change, request and decision is recorded with who, when and why.
/// </summary>
internal static class Periods
{
    public static readonly string[] States = ["open", "soft-closed", "closed"];

    public sealed record Change(string Status, string? Reason, IReadOnlyList<string>? Allows);

    public sealed record ChangeView(string? From, string To, string Actor, string Reason, DateTimeOffset At);

    public sealed record PeriodView(string Company, int Period, int FiscalYear, string Status, IReadOnlyList<string> Allows, IReadOnlyList<ChangeView> Changes)
    {
        /// <summary>Requests to reopen the period (closed → soft-closed or open) and their decisions, oldest first.</summary>
        public IReadOnlyList<ReopenView> Reopens { get; init; } = [];
    }

    /// <summary>A request to reopen a closed period: pending until a second person approves or rejects it.</summary>
    public sealed record ReopenView(string Id, string Company, int Period, string To, IReadOnlyList<string> Allows, string Reason, string RequestedBy, DateTimeOffset RequestedAt,
        string Status, string? DecidedBy, string? DecisionReason, DateTimeOffset? DecidedAt);

    public sealed record Decision(string? Reason);

    /// <summary>What a state change did: changed the period, or (reopening a closed one) recorded a request for approval.</summary>
    public sealed record ChangeResult(PeriodView Period, ReopenView? Requested);

    /// <summary>Rank of a state: moving to a lower rank reopens the period (needs a reason).</summary>
    private static int Rank(string status) => Array.IndexOf(States, status);

    public static async Task<Outcome<ChangeResult>> ChangeAsync(StoreTransaction tx, string company, int period, Change change, string actor, CancellationToken ct)
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

        if (current == "closed" && Rank(change.Status!) < Rank(current))
        {
            var pending = (await ListAsync(tx.Connection, tx.Transaction, company, period, ct))[0].Reopens.FirstOrDefault(r => r.Status == "pending");
            if (pending is not null)
                return new Violation("/status", "period.reopen-pending", $"Reopening period {period} of company {company} was requested by {pending.RequestedBy} ({pending.Id}) and waits for approval.");
            var id = Uuid7.New(tx.Clock.GetUtcNow()).ToString();
            await tx.ExecuteAsync(
                "INSERT INTO ledger_period_reopen (id, company, period, to_status, allows, reason, requested_by, requested_at_us, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')",
                ct, id, company, period, change.Status, string.Join(',', allows), reason, actor, tx.Clock.GetUtcNow().ToUnixMicroseconds());
            var view = (await ListAsync(tx.Connection, tx.Transaction, company, period, ct))[0];
            return new ChangeResult(view, view.Reopens.Single(r => r.Id == id));
        }

        await ApplyAsync(tx, company, period, current, change.Status!, allows, actor, reason, ct);
        return new ChangeResult((await ListAsync(tx.Connection, tx.Transaction, company, period, ct))[0], null);
    }

    private static async Task ApplyAsync(StoreTransaction tx, string company, int period, string from, string to, IReadOnlyList<string> allows, string actor, string reason, CancellationToken ct)
    {
        await tx.ExecuteAsync("UPDATE ledger_period SET status = $1, soft_close_allows = $2 WHERE company = $3 AND period = $4",
            ct, to, string.Join(',', allows), company, period);
        await tx.ExecuteAsync(
            "INSERT INTO ledger_period_change (id, company, period, from_status, to_status, actor, reason, at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            ct, Uuid7.New(tx.Clock.GetUtcNow()).ToString(), company, period, from, to, actor, reason, tx.Clock.GetUtcNow().ToUnixMicroseconds());
    }

    /// <summary>
    /// Approves or rejects a pending reopen request. The decider is not the requester (sod.same-person); approving
    /// applies the change if the period is still closed. A rejection needs a reason.
    /// </summary>
    public static async Task<Outcome<ChangeResult>> DecideAsync(StoreTransaction tx, string company, int period, string id, bool approve, Decision decision, string actor, CancellationToken ct)
    {
        var views = await ListAsync(tx.Connection, tx.Transaction, company, period, ct);
        if (views.Count == 0)
            return new Violation("/period", "period.unknown", $"Company {company} has no period {period}.");
        var request = views[0].Reopens.FirstOrDefault(r => r.Id == id);
        if (request is null)
            return new Violation("/id", "reopen-request.unknown", $"Period {period} of company {company} has no reopen request '{id}'.");
        if (request.Status != "pending")
            return new Violation("/id", "period.reopen-decided", $"Reopen request {id} was already {request.Status} by {request.DecidedBy}.");
        if (string.Equals(request.RequestedBy, actor, StringComparison.Ordinal))
            return new Violation("/id", "sod.same-person", $"{actor} requested reopening period {period}; a second person approves or rejects it.");
        var reason = decision.Reason?.Trim() ?? "";
        if (!approve && reason.Length == 0)
            return new Violation("/reason", "period.reason-required", "Rejecting a reopen request needs a reason.");
        if (approve && views[0].Status != "closed")
            return new Violation("/id", "period.not-closed", $"Period {period} of company {company} is {views[0].Status}, no longer closed; the request can only be rejected.");
        var now = tx.Clock.GetUtcNow();
        await tx.ExecuteAsync("UPDATE ledger_period_reopen SET status = $1, decided_by = $2, decision_reason = $3, decided_at_us = $4 WHERE id = $5 AND status = 'pending'",
            ct, approve ? "approved" : "rejected", actor, reason, now.ToUnixMicroseconds(), id);
        if (approve)
            await ApplyAsync(tx, company, period, "closed", request.To, request.Allows, actor, $"{request.Reason} (requested by {request.RequestedBy}, approved by {actor}{(reason.Length > 0 ? ": " + reason : "")})", ct);
        return new ChangeResult((await ListAsync(tx.Connection, tx.Transaction, company, period, ct))[0], null);
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

        var reopens = new Dictionary<int, List<ReopenView>>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT id, period, to_status, allows, reason, requested_by, requested_at_us, status, decided_by, decision_reason, decided_at_us FROM ledger_period_reopen WHERE company = @c AND (@p = 0 OR period = @p) ORDER BY requested_at_us, id";
            Add(command, "c", company);
            Add(command, "p", (long)(period ?? 0));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var p = checked((int)reader.GetInt64(1));
                if (!reopens.TryGetValue(p, out var list))
                    reopens[p] = list = [];
                list.Add(new ReopenView(reader.GetString(0), company, p, reader.GetString(2), [.. GeneralLedger.Allows(reader.GetString(3))], reader.GetString(4), reader.GetString(5),
                    Instants.FromUnixMicroseconds(reader.GetInt64(6)), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.IsDBNull(10) ? null : Instants.FromUnixMicroseconds(reader.GetInt64(10))));
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
                    changes.TryGetValue(p, out var list) ? list : [])
                {
                    Reopens = reopens.TryGetValue(p, out var requests) ? requests : [],
                });
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
