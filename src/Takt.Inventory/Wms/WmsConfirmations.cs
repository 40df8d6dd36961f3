using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory.Counts;
using Takt.Inventory.Reservations;
using Takt.Inventory.Stock;
using Takt.Store;

namespace Takt.Inventory.Wms;

/// <summary>
/// WMS confirmations through the gateway (CloudEvents (source, id) make them idempotent there). Each names a
/// reference (an allocation, or the WMS's own task) and its sequence number for that reference. One that comes
/// before its predecessor, or names an allocation Takt does not know yet, is parked with the reason and applied
/// when the predecessor (or the allocation) arrives; a second confirmation of an applied sequence number is
/// recorded as a duplicate and changes nothing. An applied confirmation moves stock through <see cref="StockPosting"/>;
/// a counted one settles a cycle-count line through <see cref="CycleCounts"/> (posts, or asks for approval). The
/// references' locks (PostgreSQL) are taken before the stock locks, as allocations take them, so a confirmation and
/// the allocation it names never both miss each other.
/// </summary>
internal sealed class WmsConfirmations(StockPosting posting, CycleCounts counts, IIntelligence intelligence) : IInboundEventHandler
{
    public bool Handles(string type) => type is EventTypes.WmsPicked or EventTypes.WmsPutAway or EventTypes.WmsMoved or EventTypes.WmsCounted;

    public async Task<IInboundBatch> BeginAsync(StoreTransaction transaction, IReadOnlyList<InboundEvent> events, CancellationToken ct) =>
        await OpenAsync(transaction, [.. events.Select(Confirmation.Of)], [], ct);

    /// <summary>
    /// Applies, in the caller's transaction, the parked confirmations of allocations that have just been created
    /// under the caller's id (the caller holds their reference locks): the first waiting one and its successors, in order.
    /// </summary>
    internal async Task ReleaseAsync(StoreTransaction transaction, IReadOnlyCollection<string> references, CancellationToken ct)
    {
        await transaction.FlushAsync(ct);
        var batch = await OpenAsync(transaction, [], references, ct);
        var now = transaction.Clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var reference in references)
            batch.ApplyWaiting(reference, now);
        await transaction.FlushAsync(ct);
    }

    private async Task<Batch> OpenAsync(StoreTransaction transaction, List<Confirmation> confirmations, IReadOnlyCollection<string> released, CancellationToken ct)
    {
        var references = confirmations.Select(c => c.Reference).Concat(released).ToHashSet(StringComparer.Ordinal);
        await StockLocks.TakeReferencesAsync(transaction, references, ct);
        var parked = await ParkedAsync(transaction, references, ct);
        foreach (var p in parked)
            references.Add(p.Reference);
        var allocations = new Dictionary<string, (AllocationView Allocation, ReservationView Reservation)>(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (await StockReservations.AllocationAsync(transaction, reference, ct) is { } allocation)
                allocations[reference] = (allocation, (await StockReservations.ReservationAsync(transaction, allocation.Reservation, ct))!);
        }

        var all = confirmations.Concat(parked).ToList();
        var keys = all.Select(c => (c.Plant, Item: c.Item ?? allocations.GetValueOrDefault(c.Reference).Allocation?.Item))
            .Where(k => k.Item is not null).Select(k => (k.Plant, k.Item!)).Distinct().ToList();
        // Hand-recorded transfers are matched only to transfer lines: put-aways, moves and picks to the staging area.
        var transfers = all.Any(c => c.Event.Data is WmsPutAway or WmsMoved
            || (c.Event.Data is WmsPicked && allocations.GetValueOrDefault(c.Reference).Reservation?.Kind == "production-order"));
        var context = await posting.OpenAsync(transaction, keys, ct, transfers);
        var countDocuments = new Dictionary<string, CountView>(StringComparer.Ordinal);
        foreach (var id in all.Select(c => (c.Event.Data as WmsCounted)?.Count).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await CycleCounts.CountAsync(transaction, id, ct) is { } count)
                countDocuments[id] = count;
        }

        var tolerances = all.Any(c => c.Event.Data is WmsCounted) ? await CycleCounts.TolerancesAsync(transaction, ct) : [];
        var sequences = new Dictionary<string, int>(StringComparer.Ordinal);
        var (condition, value) = SqlList.In(transaction, "reference", references);
        await using (var reader = await transaction.Command($"SELECT reference, applied FROM inventory_wms_sequence WHERE {condition}", value).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                sequences[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return new Batch(transaction, posting, counts, intelligence, context, allocations, sequences, parked, countDocuments, tolerances);
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
            WmsCounted c => new(e, c.Plant, c.Task, c.Sequence, c.Item, c.Quantity),
            _ => throw new ArgumentException($"Not a WMS confirmation: {e.Type}.", nameof(e)),
        };
    }

    private sealed class Batch(
        StoreTransaction tx,
        StockPosting posting,
        CycleCounts counts,
        IIntelligence intelligence,
        StockContext context,
        Dictionary<string, (AllocationView Allocation, ReservationView Reservation)> allocations,
        Dictionary<string, int> sequences,
        List<Confirmation> parked,
        Dictionary<string, CountView> countDocuments,
        IReadOnlyDictionary<string, (decimal Percent, decimal Value)> tolerances) : IInboundBatch
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
            sequences[c.Reference] = c.Sequence;
            tx.Stage("INSERT INTO inventory_wms_sequence (reference, applied) VALUES ($1, $2) ON CONFLICT (reference) DO UPDATE SET applied = excluded.applied", c.Reference, (long)c.Sequence);
            var result = Record(c, "applied", null, now, [.. effect.Value?.Movements ?? []], effect.Value);

            // Its successors that waited for it now take their turn, in order.
            ApplyWaiting(c.Reference, now);
            return result;
        }

        /// <summary>
        /// Applies the parked confirmations of a reference that are next in turn (the first one, once its allocation
        /// exists; then each successor), until one is missing or refused (that one is marked rejected with the reason).
        /// </summary>
        public void ApplyWaiting(string reference, long now)
        {
            while (parked.FirstOrDefault(p => p.Reference == reference && p.Sequence == sequences.GetValueOrDefault(reference) + 1) is { } next)
            {
                if (next.Event.Data is WmsPicked && !allocations.ContainsKey(reference))
                    return;
                parked.Remove(next);
                var later = Effect(next);
                if (later.IsRejected)
                {
                    tx.Stage("UPDATE inventory_wms_confirmation SET status = 'rejected', reason = $1, applied_at_us = $2 WHERE event_id = $3",
                        string.Join("; ", later.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")), now, next.Event.Id);
                    return;
                }

                var reason = next.Sequence == 1 ? $"Applied when {reference} became known." : $"Applied after confirmation {next.Sequence - 1} arrived.";
                sequences[reference] = next.Sequence;
                tx.Stage("INSERT INTO inventory_wms_sequence (reference, applied) VALUES ($1, $2) ON CONFLICT (reference) DO UPDATE SET applied = excluded.applied", reference, (long)next.Sequence);
                tx.Stage("UPDATE inventory_wms_confirmation SET status = 'applied', reason = $1, applied_at_us = $2 WHERE event_id = $3", reason, now, next.Event.Id);
            }
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

        /// <summary>
        /// What an applied confirmation moves: a pick to the staging area or out to the customer, a put-away or move
        /// between locations, a count's adjustment (none when there is no difference or it waits for approval).
        /// </summary>
        private Outcome<PostedDocument?> Effect(Confirmation c)
        {
            if (c.Event.Data is WmsCounted counted)
                return Count(c, counted);
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
                return Outcome<PostedDocument?>.FromViolations(posted.Violations);
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

            return posted.Value;
        }

        /// <summary>
        /// A WMS count: settles the named count document's line for the bin, or opens a one-line count for it (book:
        /// Takt's stock there now, every status) and settles that. The posted adjustment, if any, is the result.
        /// </summary>
        private Outcome<PostedDocument?> Count(Confirmation c, WmsCounted data)
        {
            var violations = new List<Violation>();
            if (context.View.Plant(data.Plant) is null || context.Book(data.Plant) is not { } book)
                return new Violation("/data/plant", "plant.unknown", $"Plant '{data.Plant}' does not exist.");
            if (context.View.Item(data.Item) is not { } item)
                return new Violation("/data/item", "item.unknown", $"Item '{data.Item}' does not exist.");
            decimal? quantity = data.Quantity.Value switch
            {
                < 0 => null,
                0 => 0m,
                _ => QuantityInput.Convert(data.Quantity, item.BaseUnit, "/data/quantity", violations),
            };
            if (data.Quantity.Value < 0)
                violations.Add(new Violation("/data/quantity/value", "quantity.non-negative", $"A counted quantity is 0 or more; got {data.Quantity.Value}."));
            if (!book.LocationExists(data.Location))
                violations.Add(new Violation("/data/location", "location.unknown", $"Storage location '{data.Location}' does not exist at plant {data.Plant}."));
            var lot = data.Lot ?? "";
            CountView? document = null;
            CountLineView? line = null;
            if (data.Count is { } countId)
            {
                if (!countDocuments.TryGetValue(countId, out document))
                {
                    violations.Add(new Violation("/data/count", "count.unknown", $"No count '{countId}'."));
                }
                else if (document.Plant != data.Plant)
                {
                    violations.Add(new Violation("/data/plant", "wms.plant-mismatch", $"Count {countId} is at plant {document.Plant}, not {data.Plant}."));
                }
                else if (document.Lines.FirstOrDefault(l => l.Item == item.Number && l.Location == data.Location && l.Lot == lot) is not { } found)
                {
                    violations.Add(new Violation("/data/item", "count.line-unknown", $"Count {countId} has no line for {item.Number} at location '{data.Location}', lot '{lot}'."));
                }
                else if (found.Status != "open")
                {
                    violations.Add(new Violation("/data/count", "count.line-counted", $"Line {found.Line} of count {countId} is {found.Status} already."));
                }
                else
                {
                    line = found;
                }
            }

            if (violations.Count > 0 || quantity is not { } q)
                return violations.ToArray();

            var now = tx.Clock.GetUtcNow();
            var adHoc = document is null;
            var id = document?.Id ?? "CC-" + Uuid7.New(now).ToString("N")[..20];
            line ??= new CountLineView(1, item.Number, data.Location, lot,
                book.Quantity(data.Location, item.Number, lot, StockStatus.Unrestricted) + book.Quantity(data.Location, item.Number, lot, StockStatus.QualityInspection)
                + book.Quantity(data.Location, item.Number, lot, StockStatus.Blocked), null, null, null, "open", null, null);
            var settled = counts.Settle(tx, context, tolerances, data.Plant, id, line, q, c.Event.Source, now);
            if (settled.IsRejected)
                return Outcome<PostedDocument?>.FromViolations([.. settled.Violations.Select(v => v with { Field = v.Field.StartsWith("/lines/0", StringComparison.Ordinal) ? "/data" + v.Field["/lines/0".Length..] : v.Field })]);
            var s = settled.Value;
            if (adHoc)
            {
                tx.Stage("INSERT INTO inventory_count (id, plant, selection, status, created_at_us) VALUES ($1, $2, $3, 'completed', $4)", id, data.Plant, "wms:" + data.Task, now.ToUnixMicroseconds());
                tx.Stage(
                    "INSERT INTO inventory_count_line (count_id, line_no, item, location, lot, book_e6, counted_e6, difference_value_e4, within_tolerance, status, approval_request, movement_id, counted_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    id, (long)line.Line, line.Item, line.Location, line.Lot, Fixed.ToE6(line.Book), Fixed.ToE6(s.Counted), Fixed.ToE4(s.DifferenceValue), s.Within ? 1L : 0L, s.Status, s.Request, s.Movement, now.ToUnixMicroseconds());
            }
            else
            {
                CycleCounts.StageCounted(tx, id, line, s);
                var lines = document!.Lines.Select(l => l.Line == line.Line ? l with { Counted = s.Counted, Status = s.Status } : l).ToList();
                countDocuments[id] = document with { Lines = lines };
                if (lines.All(l => l.Status != "open"))
                    tx.Stage("UPDATE inventory_count SET status = 'completed' WHERE id = $1", id);
            }

            // A posted adjustment's posting wrote the process-log event; otherwise the confirmation gets its own.
            LastProcessEvent = s.Posted?.ProcessEvent;
            return Outcome<PostedDocument?>.FromValue(s.Posted);
        }
    }
}
