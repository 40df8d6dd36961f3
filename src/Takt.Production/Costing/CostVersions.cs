using Dapper;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Production.Costing;

/// <summary>A cost version of a plant and its estimates.</summary>
public sealed record CostVersionView(
    string Id,
    string Plant,
    string Status,
    DateOnly ValidFrom,
    string CreatedBy,
    string Reason,
    string? MarkedBy,
    string? ReleasedBy,
    string? JournalEntry,
    IReadOnlyList<CostEstimate> Estimates);

/// <summary>
/// Cost versions: simulate (roll up and keep the estimates), mark (chosen for release), release (the estimates
/// become the plant's standard costs from the version's date, and stock on hand is revalued in the same
/// transaction with a balanced entry: revaluation movement, account determination per item class).
/// </summary>
internal sealed class CostVersions(IMasterData masterData, ILedger ledger, IInventory inventory, ProductionEvents events, TimeProvider clock)
{
    internal const string Revaluation = "revaluation";

    public async Task<Outcome<CostVersionView>> SimulateAsync(TaktStore store, string plant, DateOnly validFrom, ChangeReason reason, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var view = await masterData.LoadAsync(tx, [plant], [], [], ct);
        if (view.Plant(plant) is null)
            return new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.");
        var structure = await masterData.LoadStructureAsync(tx, plant, validFrom, ct);
        if (structure.Boms.Count == 0)
            return new Violation("/plant", "cost.nothing-to-cost", $"Plant {plant} has no BOM released and valid on {validFrom:yyyy-MM-dd}.");
        var rolled = CostRollup.Run(structure);
        if (rolled.IsRejected)
            return Outcome<CostVersionView>.FromViolations(rolled.Violations);
        var id = Uuid7.New(clock.GetUtcNow()).ToString();
        Stage(tx, id, plant, validFrom, reason, rolled.Value.Values);
        await tx.CommitAsync(ct);
        return new CostVersionView(id, plant, "simulated", validFrom, reason.Actor, reason.Reason, null, null, null, [.. rolled.Value.Values.OrderBy(e => e.Item, StringComparer.Ordinal)]);
    }

    internal static void Stage(StoreTransaction tx, string id, string plant, DateOnly validFrom, ChangeReason reason, IEnumerable<CostEstimate> estimates)
    {
        tx.Stage("INSERT INTO production_cost_version (id, plant, status, valid_from, created_by, created_at_us, reason) VALUES ($1, $2, 'simulated', $3, $4, $5, $6)",
            id, plant, (long)validFrom.ToDateKey(), reason.Actor, tx.Clock.GetUtcNow().ToUnixMicroseconds(), reason.Reason);
        foreach (var e in estimates)
        {
            tx.Stage("INSERT INTO production_cost_estimate (version_id, item, material_e4, activity_e4, overhead_e4, unit_cost_e4) VALUES ($1, $2, $3, $4, $5, $6)",
                id, e.Item, Fixed.ToE4(e.Material), Fixed.ToE4(e.Activity), Fixed.ToE4(e.Overhead), Fixed.ToE4(e.UnitCost));
        }
    }

    public async Task<Outcome<CostVersionView>> MarkAsync(TaktStore store, string id, string actor, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var status = await tx.Command("SELECT status FROM production_cost_version WHERE id = $1", id).ExecuteScalarAsync(ct) as string;
        if (status is null)
            return new Violation("/id", "cost-version.unknown", $"No cost version '{id}'.");
        if (status != "simulated")
            return new Violation("/status", "cost-version.transition-not-allowed", $"Cost version {id} is {status}; only a simulated version can be marked.");
        await tx.ExecuteAsync("UPDATE production_cost_version SET status = 'marked', marked_by = $1 WHERE id = $2", ct, actor, id);
        await tx.CommitAsync(ct);
        return (await GetAsync(store, id, ct))!;
    }

    public async Task<Outcome<CostVersionView>> ReleaseAsync(TaktStore store, string id, ChangeReason reason, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        string? plantCode = null;
        string? status = null;
        var validFrom = default(DateOnly);
        await using (var r = await tx.Command("SELECT plant, status, valid_from FROM production_cost_version WHERE id = $1", id).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                (plantCode, status, validFrom) = (r.GetString(0), r.GetString(1), Instants.FromDateKey((int)r.GetInt64(2)));
        }

        if (plantCode is null)
            return new Violation("/id", "cost-version.unknown", $"No cost version '{id}'.");
        if (status != "marked")
            return new Violation("/status", "cost-version.transition-not-allowed", $"Cost version {id} is {status}; only a marked version can be released.");
        var costs = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using (var r = await tx.Command("SELECT item, unit_cost_e4 FROM production_cost_estimate WHERE version_id = $1", id).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                costs[r.GetString(0)] = Fixed.FromE4(r.GetInt64(1));
        }

        var view = await masterData.LoadAsync(tx, [plantCode], costs.Keys, [], ct);
        var plant = view.Plant(plantCode)!;
        var today = plant.DateOf(clock.GetUtcNow());
        if (validFrom > today)
            return new Violation("/validFrom", "cost-version.not-yet-valid", $"Cost version {id} is valid from {validFrom:yyyy-MM-dd}; release it on or after that day (today is {today:yyyy-MM-dd} at {plant.Code}).");

        // DESIGN §3: stock stays valued at standard; the change of value on hand is posted as it happens.
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var stock = await inventory.OnHandAsync(tx, plant.Code, costs.Keys, ct);
        var currency = plant.Company.Currency;
        var lines = new List<JournalLineDraft>();
        var deltas = new List<(string Item, Quantity Quantity, Money Delta)>();
        var violations = new List<Violation>();
        foreach (var (item, balance) in stock.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (balance.Quantity == 0m || view.Item(item) is not { } facts)
                continue;
            var delta = new Money((costs[item] * balance.Quantity) - balance.Value, currency).RoundToMinorUnits();
            if (delta.Amount == 0m)
                continue;
            var signed = ProductionEvents.SignedLines(rules, plant.Code, Revaluation, facts.ItemClass, delta, $"/estimates/{item}", item: item);
            if (signed.IsRejected)
            {
                violations.AddRange(signed.Violations);
                continue;
            }

            lines.AddRange(signed.Value);
            deltas.Add((item, new Quantity(0m, facts.BaseUnit), delta));
        }

        if (violations.Count > 0)
            return violations.ToArray();
        PreparedEntry? entry = null;
        JournalEntryId? journalEntry = null;
        if (lines.Count > 0)
        {
            var prepared = ledger.Prepare(rules, new JournalEntryDraft(plant.Company.Code, plant.Code, currency, validFrom, "cost-revaluation",
                new PostingSource(EventTypes.CostVersionReleased, id, ProductionEvents.Source, clock.GetUtcNow(), "/validFrom"), [], lines));
            if (prepared.IsRejected)
                return Outcome<CostVersionView>.FromViolations(prepared.Violations);
            entry = prepared.Value;
            journalEntry = ledger.Stage(tx, entry);
            foreach (var (item, quantity, delta) in deltas)
                inventory.Stage(tx, new StockMovementDraft(Revaluation, plant.Code, item, quantity, delta, null, journalEntry, validFrom, id));
        }

        await masterData.SetStandardCostsAsync(tx, plant.Code, costs, reason, ct);
        tx.Stage("UPDATE production_cost_version SET status = 'released', released_by = $1, released_at_us = $2, journal_entry_id = $3 WHERE id = $4",
            reason.Actor, clock.GetUtcNow().ToUnixMicroseconds(), journalEntry?.ToString(), id);
        var net = deltas.Aggregate(0m, (sum, d) => sum + d.Delta.Amount);
        events.Publish(tx, EventTypes.CostVersionReleased, plant.Code, id,
            new CostVersionReleased(plant.Code, id, validFrom, costs.Count, currency.Code, net, journalEntry?.Value),
            EventJson.Default.CostVersionReleased, [new ObjectLink("cost-version", id, "released")], entry, journalEntry);
        await tx.CommitAsync(ct);
        return (await GetAsync(store, id, ct))!;
    }

    public static async Task<CostVersionView?> GetAsync(TaktStore store, string id, CancellationToken ct)
    {
        await using var c = await store.OpenConnectionAsync(ct);
        var head = await c.QuerySingleOrDefaultAsync<(string Plant, string Status, long ValidFrom, string CreatedBy, string Reason, string? MarkedBy, string? ReleasedBy, string? JournalEntry)?>(new CommandDefinition(
            "SELECT plant, status, valid_from, created_by, reason, marked_by, released_by, journal_entry_id FROM production_cost_version WHERE id = @id", new { id }, cancellationToken: ct));
        if (head is not { } h)
            return null;
        var estimates = await c.QueryAsync<(string Item, long Material, long Activity, long Overhead)>(new CommandDefinition(
            "SELECT item, material_e4, activity_e4, overhead_e4 FROM production_cost_estimate WHERE version_id = @id ORDER BY item", new { id }, cancellationToken: ct));
        return new CostVersionView(id, h.Plant, h.Status, Instants.FromDateKey((int)h.ValidFrom), h.CreatedBy, h.Reason, h.MarkedBy, h.ReleasedBy, h.JournalEntry,
            [.. estimates.Select(e => new CostEstimate(e.Item, Fixed.FromE4(e.Material), Fixed.FromE4(e.Activity), Fixed.FromE4(e.Overhead)))]);
    }
}
