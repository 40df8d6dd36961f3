using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Store;

namespace Takt.MasterData;

/// <summary>What an import did: applied it, or (it changes governed fields while the approval standard is published) proposed it.</summary>
public sealed record ImportResult(ImportSummary? Applied, ChangeRequestView? Proposed);

/// <summary>
/// A master-data document waiting for (or decided by) the approval flow: pending → applied | rejected | failed
/// (approved, but the master data changed meanwhile so that it breaks a rule; <c>Outcome</c> says which).
/// </summary>
public sealed record ChangeRequestView(
    string Id, string Plant, string Status, string ProposedBy, DateTimeOffset ProposedAt, string Reason, IReadOnlyList<string> Changes,
    string ApprovalInstance, DateTimeOffset? DecidedAt, string? Outcome);

/// <summary>
/// Governed fields (a standard cost, a released BOM version) change only through the <c>masterdata-change-approval</c>
/// flow once that standard is published: the whole document is kept as a change request and a flow is started for
/// the plant in the same transaction; its <c>masterdata.decide-change</c> step applies (checked again) or rejects it.
/// </summary>
internal static class ChangeApproval
{
    public const string Flow = "masterdata-change-approval";

    /// <summary>The governed changes a valid document makes, as (plant, record pointer, text).</summary>
    public static List<(string Plant, string At, string Text)> GovernedChanges(MasterDataDocument d, MasterDataImport.Existing e)
    {
        var changes = new List<(string, string, string)>();
        var costs = d.StandardCosts ?? [];
        for (var i = 0; i < costs.Count; i++)
        {
            var c = costs[i];
            var before = e.StandardCosts.TryGetValue((c.Plant, c.Item), out var old) ? old : (decimal?)null;
            if (before != c.Cost)
                changes.Add((c.Plant, MasterDataImport.At(c.Line, "standardCosts", i), string.Create(CultureInfo.InvariantCulture, $"standard cost of {c.Item} at {c.Plant}: {(before is { } b ? b.ToString(CultureInfo.InvariantCulture) : "none")} → {c.Cost}")));
        }

        var boms = d.Boms ?? [];
        for (var i = 0; i < boms.Count; i++)
        {
            var b = boms[i];
            var stored = e.Boms.TryGetValue((b.Plant, b.Item, b.Version), out var s) ? s.Status : null;
            if (b.Status == "released" && stored != "released")
                changes.Add((b.Plant, MasterDataImport.At(b.Line, "boms", i), $"BOM {b.Item} v{b.Version} at {b.Plant} released"));
        }

        return changes;
    }

    public static async Task<Outcome<ImportResult>> ImportAsync(StoreTransaction tx, IChangeApprovals? approvals, MasterDataDocument document, ChangeReason reason, CancellationToken ct)
    {
        var existing = await MasterDataImport.LoadAsync(tx, ct);
        var violations = MasterDataImport.Validate(document, existing);
        if (violations.Count > 0)
            return Outcome<ImportResult>.FromViolations(violations);
        var governed = GovernedChanges(document, existing);
        var plant = governed.Count == 0 ? null : governed[0].Plant;
        if (plant is null || approvals is null || !await approvals.InForceAsync(tx, plant, ct))
        {
            var summary = MasterDataImport.Stage(tx, document, existing, reason);
            await tx.FlushAsync(ct);
            return new ImportResult(summary, null);
        }

        var other = governed.Where(g => g.Plant != plant).Select(g => new Violation(g.At + "/plant", "masterdata.governed-change-one-plant",
            $"A change to governed fields is approved per plant: this document changes {plant} and {g.Plant}; send the changes of each plant on their own.")).ToList();
        if (other.Count > 0)
            return other.ToArray();

        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var texts = governed.Select(g => g.Text).ToList();
        var summaryText = string.Join("; ", texts);
        var started = await approvals.StartAsync(tx, plant, reason.Actor, id, summaryText, ct);
        if (started.IsRejected)
            return Outcome<ImportResult>.FromViolations(started.Violations);
        tx.Stage("INSERT INTO masterdata_change_request (id, plant, status, proposed_by, proposed_at_us, reason, summary, document, approval_instance) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8)",
            id, plant, reason.Actor, now.ToUnixMicroseconds(), reason.Reason, JsonSerializer.Serialize(texts), JsonSerializer.Serialize(document, MasterDataEndpoints.Json), started.Value);
        await tx.FlushAsync(ct);
        return new ImportResult(null, new ChangeRequestView(id, plant, "pending", reason.Actor, now, reason.Reason, texts, started.Value, null, null));
    }

    /// <summary>Applies an approved request (checked again against today's master data) or rejects it; a decided request is left alone.</summary>
    public static async Task DecideAsync(StoreTransaction tx, string id, string instance, bool approved, CancellationToken ct)
    {
        string? status = null, proposer = null, reason = null, json = null;
        await using (var r = await tx.Command("SELECT status, proposed_by, reason, document FROM masterdata_change_request WHERE id = $1", id).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                (status, proposer, reason, json) = (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3));
        }

        if (status != "pending")
            return;
        var now = tx.Clock.GetUtcNow().ToUnixMicroseconds();
        if (!approved)
        {
            await tx.ExecuteAsync("UPDATE masterdata_change_request SET status = 'rejected', decided_at_us = $1, outcome = $2 WHERE id = $3", ct,
                now, $"Rejected in approval flow {instance}; nothing changed.", id);
            return;
        }

        var document = JsonSerializer.Deserialize<MasterDataDocument>(json!, MasterDataEndpoints.Json)!;
        var existing = await MasterDataImport.LoadAsync(tx, ct);
        var violations = MasterDataImport.Validate(document, existing);
        if (violations.Count > 0)
        {
            await tx.ExecuteAsync("UPDATE masterdata_change_request SET status = 'failed', decided_at_us = $1, outcome = $2 WHERE id = $3", ct,
                now, "Approved, but no longer valid; nothing changed: " + string.Join("; ", violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")), id);
            return;
        }

        MasterDataImport.Stage(tx, document, existing, new ChangeReason(proposer!, $"{reason} (approved in flow {instance})"));
        tx.Stage("UPDATE masterdata_change_request SET status = 'applied', decided_at_us = $1, outcome = $2 WHERE id = $3",
            now, $"Approved in flow {instance} and applied.", id);
        await tx.FlushAsync(ct);
    }

    public static async Task<IReadOnlyList<ChangeRequestView>> ListAsync(TaktStore store, string? id, string? status, string? plant, CancellationToken ct)
    {
        await using var c = await store.OpenConnectionAsync(ct);
        var rows = await Dapper.SqlMapper.QueryAsync<(string, string, string, string, long, string, string, string, long?, string?)>(c, new Dapper.CommandDefinition(
            """
            SELECT id, plant, status, proposed_by, proposed_at_us, reason, summary, approval_instance, decided_at_us, outcome FROM masterdata_change_request
            WHERE (CAST(@id AS text) IS NULL OR id = @id) AND (CAST(@status AS text) IS NULL OR status = @status) AND (CAST(@plant AS text) IS NULL OR plant = @plant)
            ORDER BY proposed_at_us DESC, id LIMIT 1000
            """, new { id, status, plant }, cancellationToken: ct));
        return [.. rows.Select(r => new ChangeRequestView(r.Item1, r.Item2, r.Item3, r.Item4, Instants.FromUnixMicroseconds(r.Item5), r.Item6,
            JsonSerializer.Deserialize<List<string>>(r.Item7) ?? [], r.Item8, r.Item9 is { } d ? Instants.FromUnixMicroseconds(d) : null, r.Item10))];
    }
}

/// <summary>
/// Starts the approval of a governed master-data change. Master data holds no flows: a module that does plugs this in
/// (Production: the <c>masterdata-change-approval</c> flow). Without one, changes apply at once.
/// </summary>
public interface IChangeApprovals
{
    /// <summary>True when changes of governed fields at the plant need approval (the approval standard is published).</summary>
    Task<bool> InForceAsync(StoreTransaction transaction, string plant, CancellationToken ct);

    /// <summary>Starts the approval of change request <paramref name="change"/> in the caller's transaction; the approval's id.</summary>
    Task<Outcome<string>> StartAsync(StoreTransaction transaction, string plant, string requester, string change, string summary, CancellationToken ct);
}
