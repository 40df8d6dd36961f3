using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory.Reservations;
using Takt.Inventory.Stock;
using Takt.Store;

namespace Takt.Inventory.Wms;

/// <summary>
/// WMS confirmations through the gateway (CloudEvents (source, id) make them idempotent there). Each names a
/// reference (an allocation, or the WMS's own task) and its sequence number for that reference. One that comes
/// before its predecessor, or names an allocation Takt does not know yet, is parked with the reason and applied
/// when the predecessor (or the allocation) arrives; a second confirmation of an applied sequence number is
/// recorded as a duplicate and changes nothing. An applied confirmation moves stock through <see cref="StockPosting"/>.
/// </summary>
internal sealed class WmsConfirmations(StockPosting posting, IIntelligence intelligence) : IInboundEventHandler
{
    public bool Handles(string type) => type is EventTypes.WmsPicked or EventTypes.WmsPutAway or EventTypes.WmsMoved;

    public async Task<IInboundBatch> BeginAsync(StoreTransaction transaction, IReadOnlyList<InboundEvent> events, CancellationToken ct)
    {
        var confirmations = events.Select(Confirmation.Of).ToList();
        var references = confirmations.Select(c => c.Reference).ToHashSet(StringComparer.Ordinal);
        var parked = await ParkedAsync(transaction, references, ct);
        foreach (var p in parked)
            references.Add(p.Reference);
        var allocations = new Dictionary<string, (AllocationView Allocation, ReservationView Reservation)>(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (await StockReservations.AllocationAsync(transaction, reference, ct) is { } allocation)
                allocations[reference] = (allocation, (await StockReservations.ReservationAsync(transaction, allocation.Reservation, ct))!);
        }

        var keys = confirmations.Concat(parked).Select(c => (c.Plant, Item: c.Item ?? allocations.GetValueOrDefault(c.Reference).Allocation?.Item))
            .Where(k => k.Item is not null).Select(k => (k.Plant, k.Item!)).Distinct().ToList();
        var context = await posting.OpenAsync(transaction, keys, ct);
        var sequences = new Dictionary<string, int>(StringComparer.Ordinal);
        var (condition, value) = SqlList.In(transaction, "reference", references);
        await using (var reader = await transaction.Command($"SELECT reference, applied FROM inventory_wms_sequence WHERE {condition}", value).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                sequences[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return new Batch(transaction, posting, intelligence, context, allocations, sequences, parked);
    }

    /// <summary>Parked confirmations of some references, to re-apply when their turn comes.</summary>
    internal static async Task<List<Confirmation>> ParkedAsync(StoreTransaction tx, IReadOnlyCollection<string> references, CancellationToken ct)
    {
        var parked = new List<Confirmation>();
        var (condition, value) = SqlList.In(tx, "reference", references);
        await using var reader = await tx.Command($"SELECT event_id, kind, data, received_at_us FROM inventory_wms_confirmation WHERE status = 'parked' AND {condition}", value).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(1);
            var data = JsonSerializer.Deserialize(reader.GetString(2), EventTypes.All[type].DataType, EventTypes.Json)!;
            var inbound = new InboundEvent("/takt/inventory/parked", reader.GetString(0), type, Instants.FromUnixMicroseconds(reader.GetInt64(3)), null, data, reader.GetString(2));
            parked.Add(Confirmation.Of(inbound));
        }

        return parked;
    }

    /// <summary>What the parked confirmations of a plant did in the warehouse (signed quantity per item, location and lot).</summary>
    internal static async Task<Dictionary<(string Item, string Location, string Lot), decimal>> ParkedAsync(StoreTransaction tx, string plant, CancellationToken ct)
    {
        var rows = new List<(string Type, string Data)>();
        await using (var reader = await tx.Command("SELECT kind, data FROM inventory_wms_confirmation WHERE status = 'parked' AND plant = $1", plant).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        var effects = new Dictionary<(string, string, string), decimal>();
        void Add((string, string, string) key, decimal quantity) => effects[key] = effects.GetValueOrDefault(key) + quantity;
        foreach (var (type, json) in rows)
        {
            switch (JsonSerializer.Deserialize(json, EventTypes.All[type].DataType, EventTypes.Json))
            {
                case WmsPicked p when await StockReservations.AllocationAsync(tx, p.Allocation, ct) is { } allocation:
                    Add((allocation.Item, p.Location, p.Lot ?? ""), -p.Quantity.Value);
                    var reservation = await StockReservations.ReservationAsync(tx, allocation.Reservation, ct);
                    if (reservation?.Kind == "production-order")
                        Add((allocation.Item, (await StockBook.LoadAsync(tx, plant, [allocation.Item], ct)).StagingLocation, p.Lot ?? ""), p.Quantity.Value);
                    break;
                case WmsPutAway w:
                    Add((w.Item, w.FromLocation, w.Lot ?? ""), -w.Quantity.Value);
                    Add((w.Item, w.ToLocation, w.Lot ?? ""), w.Quantity.Value);
                    break;
                case WmsMoved m:
                    Add((m.Item, m.FromLocation, m.Lot ?? ""), -m.Quantity.Value);
                    Add((m.Item, m.ToLocation, m.Lot ?? ""), m.Quantity.Value);
                    break;
            }
        }

        return effects;
    }

    /// <summary>A confirmation's identity and what it moves.</summary>
    internal sealed record Confirmation(InboundEvent Event, string Plant, string Reference, int Sequence, string? Item, QuantityValue Quantity)
    {
        public static Confirmation Of(InboundEvent e) => e.Data switch
        {
            WmsPicked p => new(e, p.Plant, p.Allocation, p.Sequence, null, p.Quantity),
            WmsPutAway p => new(e, p.Plant, p.Task, p.Sequence, p.Item, p.Quantity),
            WmsMoved m => new(e, m.Plant, m.Task, m.Sequence, m.Item, m.Quantity),
            _ => throw new ArgumentException($"Not a WMS confirmation: {e.Type}.", nameof(e)),
        };
    }

    private sealed class Batch(
        StoreTransaction tx,
        StockPosting posting,
        IIntelligence intelligence,
        StockContext context,
        Dictionary<string, (AllocationView Allocation, ReservationView Reservation)> allocations,
        Dictionary<string, int> sequences,
        List<Confirmation> parked) : IInboundBatch
    {
        public Outcome<EventEffects> Apply(InboundEvent inbound)
        {
            var c = Confirmation.Of(inbound);
            if (c.Sequence < 1)
                return new Violation("/data/sequence", "wms.sequence-positive", "Confirmations of a reference are numbered from 1.");
            var now = tx.Clock.GetUtcNow().ToUnixMicroseconds();
            var applied = sequences.GetValueOrDefault(c.Reference);
            if (c.Sequence <= applied || parked.Any(p => p.Reference == c.Reference && p.Sequence == c.Sequence))
                return Record(c, "rejected", $"Duplicate: confirmation {c.Sequence} of {c.Reference} was received before; it changes nothing.", now, []);

            string? wait = c.Event.Data is WmsPicked && !allocations.ContainsKey(c.Reference) ? $"Allocation {c.Reference} is not known (yet)."
                : c.Sequence > applied + 1 ? $"Out of order: waiting for confirmation {applied + 1} of {c.Reference}."
                : null;
            if (wait is not null)
            {
                parked.Add(c);
                return Record(c, "parked", wait, now, []);
            }

            var effect = Effect(c);
            if (effect.IsRejected)
                return Outcome<EventEffects>.FromViolations(effect.Violations);
            var movements = new List<string>(effect.Value.Movements);
            sequences[c.Reference] = c.Sequence;
            tx.Stage("INSERT INTO inventory_wms_sequence (reference, applied) VALUES ($1, $2) ON CONFLICT (reference) DO UPDATE SET applied = excluded.applied", c.Reference, (long)c.Sequence);
            var result = Record(c, "applied", null, now, movements, effect.Value);

            // Its successors that waited for it now take their turn, in order.
            while (parked.FirstOrDefault(p => p.Reference == c.Reference && p.Sequence == sequences[c.Reference] + 1) is { } next)
            {
                parked.Remove(next);
                var later = Effect(next);
                if (later.IsRejected)
                {
                    tx.Stage("UPDATE inventory_wms_confirmation SET status = 'rejected', reason = $1, applied_at_us = $2 WHERE event_id = $3",
                        string.Join("; ", later.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")), now, next.Event.Id);
                    break;
                }

                sequences[c.Reference] = next.Sequence;
                tx.Stage("INSERT INTO inventory_wms_sequence (reference, applied) VALUES ($1, $2) ON CONFLICT (reference) DO UPDATE SET applied = excluded.applied", c.Reference, (long)next.Sequence);
                tx.Stage("UPDATE inventory_wms_confirmation SET status = 'applied', reason = $1, applied_at_us = $2 WHERE event_id = $3",
                    $"Applied after confirmation {next.Sequence - 1} arrived.", now, next.Event.Id);
            }

            return result;
        }

        private Outcome<EventEffects> Record(Confirmation c, string status, string? reason, long now, List<string> movements, PostedDocument? posted = null)
        {
            tx.Stage(
                "INSERT INTO inventory_wms_confirmation (event_id, kind, reference, sequence, plant, data, status, reason, received_at_us, applied_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                c.Event.Id, c.Event.Type, c.Reference, (long)c.Sequence, c.Plant, c.Event.DataJson, status, reason, now, status == "applied" ? now : null);
            // An applied confirmation's process-log event is written by the posting; a parked or duplicate one gets its own.
            var processEvent = posted is null
                ? intelligence.Append(tx, new ProcessEventDraft(c.Event.Type, c.Event.Source, c.Event.Id, c.Plant, c.Event.Time, c.Event.DataJson, 0,
                    [new ObjectLink("plant", c.Plant, "at"), new ObjectLink(c.Event.Data is WmsPicked ? "allocation" : "wms-task", c.Reference, status)])).ToString()
                : LastProcessEvent;
            return new EventEffects(processEvent ?? "", posted?.JournalEntry is { } je ? [je] : [], movements);
        }

        private string? LastProcessEvent { get; set; }

        /// <summary>What an applied confirmation moves: a pick to the staging area or out to the customer, a put-away or move between locations.</summary>
        private Outcome<PostedDocument> Effect(Confirmation c)
        {
            var violations = new List<Violation>();
            MovementLine line;
            switch (c.Event.Data)
            {
                case WmsPicked p:
                    var (allocation, reservation) = allocations[p.Allocation];
                    if (allocation.Plant != p.Plant)
                        return new Violation("/data/plant", "wms.plant-mismatch", $"Allocation {allocation.Id} is at plant {allocation.Plant}, not {p.Plant}.");
                    var book = context.Book(p.Plant)!;
                    line = reservation.Kind == "production-order"
                        ? new MovementLine(MovementKind.Transfer, allocation.Item, p.Quantity.Value, p.Location, p.Lot ?? "", StockStatus.Unrestricted, book.StagingLocation, null, null, reservation.Reference, "/data", p.Quantity.Unit)
                        : new MovementLine(MovementKind.Issue, allocation.Item, p.Quantity.Value, p.Location, p.Lot ?? "", StockStatus.Unrestricted, null, null, null, null, "/data", p.Quantity.Unit, "goods-issue-delivery");
                    break;
                case WmsPutAway w:
                    line = new MovementLine(MovementKind.Transfer, w.Item, w.Quantity.Value, w.FromLocation, w.Lot ?? "", StockStatus.Unrestricted, w.ToLocation, null, null, null, "/data", w.Quantity.Unit);
                    break;
                case WmsMoved m:
                    line = new MovementLine(MovementKind.Transfer, m.Item, m.Quantity.Value, m.FromLocation, m.Lot ?? "", StockStatus.Unrestricted, m.ToLocation, null, null, null, "/data", m.Quantity.Unit);
                    break;
                default:
                    return new Violation("/type", "event.type-unknown", $"Inventory does not handle {c.Event.Type}.");
            }

            if (c.Quantity.Value <= 0)
                return new Violation("/data/quantity/value", "quantity.positive", $"Quantity must be greater than 0; got {c.Quantity.Value}.");
            var posted = posting.Post(tx, context, new MovementDocument(c.Plant, null, c.Event.Type, c.Event.Id, c.Event.Source, c.Event.Time, [line], "/time", "/data/plant"));
            if (posted.IsRejected)
                return posted;
            LastProcessEvent = posted.Value.ProcessEvent;
            if (c.Event.Data is WmsPicked picked)
            {
                var (allocation, reservation) = allocations[picked.Allocation];
                var quantity = posted.Value.Quantity;
                allocation = allocation with { Picked = allocation.Picked + quantity };
                reservation = reservation with { Picked = reservation.Picked + quantity };
                allocations[picked.Allocation] = (allocation, reservation);
                foreach (var other in allocations.Keys.Where(k => allocations[k].Reservation.Id == reservation.Id).ToList())
                    allocations[other] = (allocations[other].Allocation, reservation);
                tx.Stage("UPDATE inventory_allocation SET picked_e6 = picked_e6 + $1, status = CASE WHEN status = 'instructed' AND picked_e6 + $1 >= quantity_e6 THEN 'picked' ELSE status END WHERE id = $2",
                    Fixed.ToE6(quantity), allocation.Id);
                tx.Stage("UPDATE inventory_reservation SET picked_e6 = picked_e6 + $1, status = CASE WHEN status = 'open' AND picked_e6 + $1 >= quantity_e6 THEN 'completed' ELSE status END WHERE id = $2",
                    Fixed.ToE6(quantity), reservation.Id);
            }

            return posted;
        }
    }
}
