using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Production.Orders;

/// <summary>A quality hold on a production order or on a lot of an item, and how it ended.</summary>
/// <param name="Id">The hold's id.</param>
/// <param name="Plant">The plant.</param>
/// <param name="Order">The order held (kind order).</param>
/// <param name="Item">The order's product, or the lot's item.</param>
/// <param name="Lot">The lot held (kind lot; empty for an order).</param>
/// <param name="Reason">Why it was placed.</param>
/// <param name="PlacedBy">Who placed it.</param>
/// <param name="PlacedAt">When.</param>
/// <param name="ReleasedBy">Who released it or asked for scrap: a person, or <c>flow:</c> and the flow instance.</param>
/// <param name="ReleasedAt">When.</param>
/// <param name="Disposition">The release's reason or the flow's disposition.</param>
/// <param name="Kind"><c>order</c> (blocks the order's goods movements) or <c>lot</c> (blocks issuing the lot).</param>
/// <param name="Status"><c>open</c>, <c>released</c> or <c>scrap-requested</c> (the flow's disposition: still blocked).</param>
/// <param name="FlowInstance">The quality-hold-release flow that decides it; null when the standard was not published at the plant (then released by hand).</param>
public sealed record QualityHoldView(
    string Id, string Plant, string Kind, string? Order, string Item, string Lot, string Reason, string PlacedBy, DateTimeOffset PlacedAt,
    string Status, string? FlowInstance, string? ReleasedBy, DateTimeOffset? ReleasedAt, string? Disposition);

/// <summary>Put a lot of an item at a plant on quality hold.</summary>
public sealed record PlaceLotHold(string? Plant, string? Item, string? Lot, string? Reason);

/// <summary>
/// Quality holds (issue 6): a hold starts the plant's <c>quality-hold-release</c> flow in the transaction that places
/// it, and only that flow releases it (its <c>quality-hold-released</c> signal); a <c>scrap-requested</c> disposition
/// leaves the goods blocked. Without a published standard at the plant a hold is released by hand.
/// </summary>
internal static class QualityHolds
{
    public const string Flow = "quality-hold-release";
    public const string Released = "quality-hold-released";
    public const string ScrapRequested = "scrap-requested";

    internal sealed record OpenHold(string Id, string Status, string? FlowInstance, string Reason);

    /// <summary>
    /// Starts the release flow when its standard is published at the plant; the instance, or null. Production keeps no
    /// cost centers: the plant stands for the one the standard asks for.
    /// </summary>
    public static async Task<Outcome<string?>> StartFlowAsync(StoreTransaction tx, IOrchestration orchestration, string plant, string hold, string item, decimal quantity, string actor, CancellationToken ct)
    {
        if (await orchestration.PlantSettingsAsync(tx, Flow, plant, ct) is null)
            return Outcome<string?>.FromValue(null);
        var started = await orchestration.StartAsync(tx, new StartFlow(Flow, plant, actor,
            new JsonObject { ["hold"] = hold, ["item"] = item, ["quantity"] = quantity, ["costCenter"] = plant }), ct);
        return started.IsRejected ? Outcome<string?>.FromViolations(started.Violations) : started.Value.Id;
    }

    public static void Stage(StoreTransaction tx, string id, string plant, string kind, string? order, string item, string lot, string reason, string actor, string? instance) =>
        tx.Stage("INSERT INTO production_quality_hold (id, plant, kind, order_number, item, lot, reason, placed_by, placed_at_us, status, flow_instance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)",
            id, plant, kind, order, item, lot, reason, actor, tx.Clock.GetUtcNow().ToUnixMicroseconds(), instance);

    /// <summary>The order's hold not yet released (open or scrap-requested), if it has one.</summary>
    public static async Task<OpenHold?> OfOrderAsync(StoreTransaction tx, string order, CancellationToken ct)
    {
        await using var r = await tx.Command("SELECT id, status, flow_instance, reason FROM production_quality_hold WHERE order_number = $1 AND kind = 'order' AND status <> 'released' ORDER BY placed_at_us DESC, id DESC", order).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new OpenHold(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3)) : null;
    }

    /// <summary>The lot's hold not yet released, if it has one.</summary>
    public static async Task<OpenHold?> OfLotAsync(StoreTransaction tx, string plant, string item, string lot, CancellationToken ct)
    {
        await using var r = await tx.Command("SELECT id, status, flow_instance, reason FROM production_quality_hold WHERE plant = $1 AND item = $2 AND lot = $3 AND kind = 'lot' AND status <> 'released' ORDER BY placed_at_us DESC, id DESC", plant, item, lot).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new OpenHold(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3)) : null;
    }

    public static async Task<Outcome<QualityHoldView>> PlaceLotHoldAsync(StoreTransaction tx, IOrchestration orchestration, PlaceLotHold body, string actor, CancellationToken ct)
    {
        var v = new List<Violation>();
        var plant = body.Plant ?? "";
        var item = body.Item ?? "";
        if (await tx.Command("SELECT code FROM masterdata_plant WHERE code = $1", plant).ExecuteScalarAsync(ct) is not string)
            v.Add(new Violation("/plant", "plant.unknown", $"Plant '{body.Plant}' does not exist."));
        var lotControlled = await tx.Command("SELECT lot_controlled FROM masterdata_item WHERE number = $1", item).ExecuteScalarAsync(ct);
        if (lotControlled is null or DBNull)
            v.Add(new Violation("/item", "item.unknown", $"Item '{body.Item}' does not exist."));
        else if (Convert.ToInt64(lotControlled, CultureInfo.InvariantCulture) == 0)
            v.Add(new Violation("/item", "hold.item-not-lot-controlled", $"Item {item} is not lot-controlled; hold the production order (or block the stock) instead."));
        if (string.IsNullOrWhiteSpace(body.Lot))
            v.Add(new Violation("/lot", "field.required", "A lot hold names the lot."));
        if (string.IsNullOrWhiteSpace(body.Reason))
            v.Add(new Violation("/reason", "field.required", "A quality hold needs a reason."));
        if (v.Count > 0)
            return v.ToArray();
        if (await OfLotAsync(tx, plant, item, body.Lot!, ct) is { } open)
            return new Violation("/lot", "hold.already-open", $"Lot {body.Lot} of {item} at {plant} is already on quality hold ({open.Reason}, hold {open.Id}).");

        decimal quantity = 0m;
        await using (var r = await tx.Command("SELECT quantity_e6 FROM inventory_bin WHERE plant = $1 AND item = $2 AND lot = $3", plant, item, body.Lot).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                quantity += Fixed.FromE6(r.GetInt64(0));
        }

        var id = Uuid7.New(tx.Clock.GetUtcNow()).ToString();
        var instance = await StartFlowAsync(tx, orchestration, plant, id, item, quantity, actor, ct);
        if (instance.IsRejected)
            return Outcome<QualityHoldView>.FromViolations(instance.Violations);
        Stage(tx, id, plant, "lot", null, item, body.Lot!, body.Reason!, actor, instance.Value);
        await tx.FlushAsync(ct);
        return new QualityHoldView(id, plant, "lot", null, item, body.Lot!, body.Reason!, actor, tx.Clock.GetUtcNow(), "open", instance.Value, null, null, null);
    }

    /// <summary>Marks a hold released (by a person or a flow) with its disposition.</summary>
    public static void StageRelease(StoreTransaction tx, string id, string status, string by, string disposition) =>
        tx.Stage("UPDATE production_quality_hold SET status = $1, released_by = $2, released_at_us = $3, disposition = $4 WHERE id = $5",
            status, by, tx.Clock.GetUtcNow().ToUnixMicroseconds(), disposition, id);

    /// <summary>The flow decided: released (the order's goods may move again) or scrap requested (they stay blocked).</summary>
    public static async Task DecideAsync(StoreTransaction tx, ProductionEvents events, string hold, string instance, string step, bool released, CancellationToken ct)
    {
        string? kind = null, plant = null, order = null, status = null;
        await using (var r = await tx.Command("SELECT kind, plant, order_number, status FROM production_quality_hold WHERE id = $1 AND flow_instance = $2", hold, instance).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                (kind, plant, order, status) = (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3));
        }

        if (status != "open")
            return; // unknown, or decided already
        var by = "flow:" + instance;
        if (!released)
        {
            StageRelease(tx, hold, "scrap-requested", by, $"The quality-hold-release flow requested scrap (step {step}); the goods stay blocked.");
            await tx.FlushAsync(ct);
            return;
        }

        var disposition = $"Released by the quality-hold-release flow (step {step}).";
        StageRelease(tx, hold, "released", by, disposition);
        if (kind == "order" && order is not null)
        {
            tx.Stage("UPDATE production_order SET hold_reason = NULL, version = version + 1 WHERE number = $1", order);
            events.Publish(tx, EventTypes.ProductionOrderHoldReleased, plant!, order, new ProductionOrderHoldReleased(plant!, order, disposition, by),
                EventJson.Default.ProductionOrderHoldReleased, [new ObjectLink("production-order", order, "hold-released"), new ObjectLink("flow-instance", instance, "released-by")]);
        }

        await tx.FlushAsync(ct);
    }

    public static async Task<IReadOnlyList<QualityHoldView>> ListAsync(TaktStore store, string? plant, string? status, string? id, CancellationToken ct)
    {
        await using var c = await store.OpenConnectionAsync(ct);
        var rows = await Dapper.SqlMapper.QueryAsync<(string, string, string, string?, string, string, string, string, long, string, string?, string?, long?, string?)>(c, new Dapper.CommandDefinition(
            """
            SELECT id, plant, kind, order_number, item, lot, reason, placed_by, placed_at_us, status, flow_instance, released_by, released_at_us, disposition
            FROM production_quality_hold
            WHERE (CAST(@plant AS text) IS NULL OR plant = @plant) AND (CAST(@status AS text) IS NULL OR status = @status) AND (CAST(@id AS text) IS NULL OR id = @id)
            ORDER BY placed_at_us DESC, id LIMIT 1000
            """, new { plant, status, id }, cancellationToken: ct));
        return [.. rows.Select(r => new QualityHoldView(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6, r.Item7, r.Item8, Instants.FromUnixMicroseconds(r.Item9),
            r.Item10, r.Item11, r.Item12, r.Item13 is { } at ? Instants.FromUnixMicroseconds(at) : null, r.Item14))];
    }
}

/// <summary>
/// Acts on the quality-hold-release flow's outcome (its <c>signal</c> steps) in the dispatcher's transaction, so exactly
/// once: <c>quality-hold-released</c> releases the hold, <c>scrap-requested</c> records the disposition and keeps it.
/// </summary>
internal sealed class QualityHoldOutcomes(IServiceProvider services) : IOutboxSubscriber
{
    // Publishing writes to the outbox, whose subscribers include this one: resolved at first use, not at construction.
    private ProductionEvents events => services.GetRequiredService<ProductionEvents>();

    public string Name => "production.quality-hold-outcomes";

    public IReadOnlyCollection<string> Types { get; } = [EventTypes.OrchestrationSignal];

    public bool Accepts(OutboxMessage message) => message.Type == EventTypes.OrchestrationSignal;

    public async Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        var signal = JsonSerializer.Deserialize(message.Data, EventJson.Default.OrchestrationSignal);
        if (signal is null || signal.Flow != QualityHolds.Flow || signal.Compensation || signal.Name is not (QualityHolds.Released or QualityHolds.ScrapRequested)
            || signal.Variables["hold"] is not JsonValue value || !value.TryGetValue<string>(out var hold))
            return;
        await QualityHolds.DecideAsync(transaction, events, hold, signal.Instance, signal.Step, signal.Name == QualityHolds.Released, ct);
    }
}
