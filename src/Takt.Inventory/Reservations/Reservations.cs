using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Inventory.Stock;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Inventory.Reservations;

/// <summary><c>POST /api/v1/reservations</c>.</summary>
/// <remarks>Kind: production-order or outbound-delivery; Reference: the order or delivery number; RequirementDate: when it is needed (plant date).</remarks>
public sealed record ReservationRequest(string? Plant, string? Item, QuantityValue? Quantity, string? Kind, string? Reference, DateOnly? RequirementDate);

/// <summary>Allocates (part of) a reservation: to one location and lot, or, when none is given, oldest lots first.</summary>
/// <remarks>
/// Id: the caller's id for the allocation, e.g. the WMS's pick task when the WMS chose the bin (1–64 letters, digits,
/// <c>.</c>, <c>_</c>, <c>-</c>, <c>:</c>; needs a location); generated when absent. WMS confirmations that named it
/// before it existed were parked and are applied now, in the same transaction, once.
/// </remarks>
public sealed record AllocationRequest(string? Location = null, string? Lot = null, QuantityValue? Quantity = null, string? Id = null);

public sealed record AllocationChange(QuantityValue? Quantity);

public sealed record AllocationView(string Id, string Reservation, string Plant, string Item, string Location, string Lot, decimal Quantity, decimal Picked, int Version, string Status);

public sealed record ReservationView(string Id, string Plant, string Item, string Kind, string Reference, decimal Quantity, decimal Picked, string Unit, DateOnly RequirementDate, string Status, IReadOnlyList<AllocationView> Allocations);

/// <summary>Availability of an item at a plant on a date (DESIGN: on hand − reserved − blocked).</summary>
/// <remarks>OnHand: every status, as of the date; Reserved: open reservations needed by the date, less what was picked; Available: unrestricted − reserved.</remarks>
public sealed record Availability(string Plant, string Item, DateOnly Date, decimal OnHand, decimal Unrestricted, decimal QualityInspection, decimal Blocked, decimal Reserved, decimal Available, string Unit);

/// <summary>
/// Reservations promise unrestricted stock to a production order or an outbound delivery; allocations assign it to
/// locations and lots and instruct the WMS to pick it (an outbox event per instruction, change and cancellation,
/// delivered by webhook subscriptions until acknowledged). Every check reads under the item's stock lock, so
/// concurrent requests never promise the same stock twice.
/// </summary>
internal sealed class StockReservations(IMasterData masterData, Outbox outbox, Wms.WmsConfirmations confirmations)
{
    public async Task<Outcome<ReservationView>> ReserveAsync(StoreTransaction tx, ReservationRequest request, CancellationToken ct)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Plant))
            violations.Add(new Violation("/plant", "plant.required", "Name the plant."));
        if (string.IsNullOrWhiteSpace(request.Item))
            violations.Add(new Violation("/item", "item.required", "Name the item."));
        if (request.Kind is not ("production-order" or "outbound-delivery"))
            violations.Add(new Violation("/kind", "reservation.kind-required", "kind is production-order or outbound-delivery."));
        if (string.IsNullOrWhiteSpace(request.Reference))
            violations.Add(new Violation("/reference", "reservation.reference-required", "Name the production order or delivery."));
        if (request.RequirementDate is null)
            violations.Add(new Violation("/requirementDate", "reservation.date-required", "Give the requirement date."));
        if (request.Quantity is null)
            violations.Add(new Violation("/quantity", "quantity.required", "A quantity {value, unit} is required."));
        if (violations.Count > 0)
            return violations.ToArray();

        await StockLocks.TakeAsync(tx, request.Plant!, [request.Item!], ct);
        var view = await masterData.LoadAsync(tx, [request.Plant!], [request.Item!], [], ct);
        if (view.Plant(request.Plant!) is null)
            return new Violation("/plant", "plant.unknown", $"Plant '{request.Plant}' does not exist.");
        if (view.Item(request.Item!) is not { } item)
            return new Violation("/item", "item.unknown", $"Item '{request.Item}' does not exist.");
        var quantity = QuantityInput.Convert(request.Quantity, item.BaseUnit, "/quantity", violations);
        if (quantity is not { } q)
            return violations.ToArray();
        var book = await StockBook.LoadAsync(tx, request.Plant!, [item.Number], ct);
        var free = book.Unreserved(item.Number);
        if (q > free)
        {
            return new Violation("/quantity", "reservation.insufficient-stock",
                $"Only {free} {item.BaseUnit.Code} of {item.Number} at plant {request.Plant} are unrestricted and not reserved; {q} were asked for.");
        }

        var id = "RS-" + Uuid7.New(tx.Clock.GetUtcNow()).ToString("N")[..20];
        await tx.ExecuteAsync(
            "INSERT INTO inventory_reservation (id, plant, item, kind, reference, quantity_e6, picked_e6, unit, requirement_date, status, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, 'open', $9)",
            ct, id, request.Plant, item.Number, request.Kind, request.Reference, Fixed.ToE6(q), item.BaseUnit.Code, (long)request.RequirementDate!.Value.ToDateKey(), tx.Clock.GetUtcNow().ToUnixMicroseconds());
        return new ReservationView(id, request.Plant!, item.Number, request.Kind!, request.Reference!, q, 0, item.BaseUnit.Code, request.RequirementDate.Value, "open", []);
    }

    public async Task<Outcome<ReservationView>> AllocateAsync(StoreTransaction tx, string reservationId, AllocationRequest request, CancellationToken ct)
    {
        var reservation = await ReservationAsync(tx, reservationId, ct);
        if (reservation is null)
            return new Violation("/id", "reservation.unknown", $"No reservation '{reservationId}'.");
        if (request.Id is { } ownId)
        {
            if (ownId.Length is 0 or > 64 || !ownId.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' or ':'))
                return new Violation("/id", "allocation.id-invalid", "An allocation id has 1–64 letters, digits, '.', '_', '-' or ':'.");
            if (request.Location is null)
                return new Violation("/location", "location.required", "An allocation with its own id names its storage location.");
            // The reference lock before the stock lock, as WMS confirmations take them.
            await StockLocks.TakeReferencesAsync(tx, [ownId], ct);
            if (await AllocationAsync(tx, ownId, ct) is not null)
                return new Violation("/id", "allocation.id-taken", $"Allocation {ownId} exists already.");
        }

        await StockLocks.TakeAsync(tx, reservation.Plant, [reservation.Item], ct);
        reservation = (await ReservationAsync(tx, reservationId, ct))!;
        if (reservation.Status != "open")
            return new Violation("/id", "reservation.closed", $"Reservation {reservationId} is {reservation.Status}.");
        var book = await StockBook.LoadAsync(tx, reservation.Plant, [reservation.Item], ct);
        // A cancelled allocation keeps only what was picked of it (its quantity is set to that).
        var open = reservation.Quantity - reservation.Allocations.Sum(a => a.Quantity);
        var violations = new List<Violation>();
        decimal wanted = open;
        if (request.Quantity is not null)
        {
            var unit = UnitOfMeasure.Of(reservation.Unit);
            if (QuantityInput.Convert(request.Quantity, unit, "/quantity", violations) is not { } q)
                return violations.ToArray();
            wanted = q;
        }

        if (wanted <= 0 || wanted > open)
            return new Violation("/quantity", "allocation.exceeds-reservation", $"Reservation {reservationId} has {open} {reservation.Unit} left to allocate; {wanted} were asked for.");

        var plan = new List<(string Location, string Lot, decimal Quantity)>();
        if (request.Location is not null)
        {
            if (!book.LocationExists(request.Location))
                return new Violation("/location", "location.unknown", $"Storage location '{request.Location}' does not exist at plant {reservation.Plant}.");
            var free = book.Unallocated(request.Location, reservation.Item, request.Lot ?? "");
            if (wanted > free)
                return new Violation("/quantity", "allocation.insufficient-stock", $"Location {request.Location}, lot '{request.Lot ?? ""}' has {free} {reservation.Unit} of {reservation.Item} unrestricted and not allocated; {wanted} were asked for.");
            plan.Add((request.Location, request.Lot ?? "", wanted));
        }
        else
        {
            var left = wanted;
            foreach (var (location, lot, free) in book.FreeBins(reservation.Item))
            {
                if (left <= 0)
                    break;
                var take = Math.Min(free, left);
                plan.Add((location, lot, take));
                left -= take;
            }

            if (left > 0)
                return new Violation("/quantity", "allocation.insufficient-stock", $"Only {wanted - left} {reservation.Unit} of {reservation.Item} lie unallocated in storage locations of plant {reservation.Plant}; {wanted} were asked for.");
        }

        var destination = reservation.Kind == "production-order" ? book.StagingLocation : "SHIP";
        var now = tx.Clock.GetUtcNow();
        foreach (var (location, lot, quantity) in plan)
        {
            var id = request.Id ?? "AL-" + Uuid7.New(now).ToString("N")[..20];
            await tx.ExecuteAsync(
                "INSERT INTO inventory_allocation (id, reservation_id, plant, item, location, lot, quantity_e6, picked_e6, version, status, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 1, 'instructed', $8)",
                ct, id, reservation.Id, reservation.Plant, reservation.Item, location, lot, Fixed.ToE6(quantity), now.ToUnixMicroseconds());
            book.Allocate(location, reservation.Item, lot, quantity);
            var data = new PickInstructed(id, 1, reservation.Plant, reservation.Item, location, lot.Length == 0 ? null : lot, new QuantityValue(quantity, reservation.Unit), destination, reservation.Id, reservation.Reference, reservation.RequirementDate);
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.PickInstructed, "/takt/inventory", id, reservation.Plant, now,
                JsonSerializer.Serialize(data, EventJson.Default.PickInstructed)));
        }

        if (request.Id is { } created)
            await confirmations.ReleaseAsync(tx, [created], ct);
        return (await ReservationAsync(tx, reservationId, ct))!;
    }

    public async Task<Outcome<AllocationView>> ChangeAsync(StoreTransaction tx, string allocationId, AllocationChange change, CancellationToken ct)
    {
        var found = await AllocationAsync(tx, allocationId, ct);
        if (found is null)
            return new Violation("/id", "allocation.unknown", $"No allocation '{allocationId}'.");
        await StockLocks.TakeAsync(tx, found.Plant, [found.Item], ct);
        var allocation = (await AllocationAsync(tx, allocationId, ct))!;
        if (allocation.Status != "instructed")
            return new Violation("/id", "allocation.closed", $"Allocation {allocationId} is {allocation.Status}.");
        var reservation = (await ReservationAsync(tx, allocation.Reservation, ct))!;
        var violations = new List<Violation>();
        if (QuantityInput.Convert(change.Quantity, UnitOfMeasure.Of(reservation.Unit), "/quantity", violations) is not { } quantity)
            return violations.ToArray();
        if (quantity < allocation.Picked)
            return new Violation("/quantity", "allocation.below-picked", $"{allocation.Picked} {reservation.Unit} are picked already.");
        var book = await StockBook.LoadAsync(tx, allocation.Plant, [allocation.Item], ct);
        var otherAllocations = reservation.Allocations.Where(a => a.Id != allocation.Id).Sum(a => a.Quantity);
        if (otherAllocations + quantity > reservation.Quantity)
            return new Violation("/quantity", "allocation.exceeds-reservation", $"Reservation {reservation.Id} is for {reservation.Quantity} {reservation.Unit}; {otherAllocations} are allocated elsewhere.");
        var free = book.Unallocated(allocation.Location, allocation.Item, allocation.Lot) + (allocation.Quantity - allocation.Picked);
        if (quantity - allocation.Picked > free)
            return new Violation("/quantity", "allocation.insufficient-stock", $"Location {allocation.Location} has {free} {reservation.Unit} for this allocation.");
        var version = allocation.Version + 1;
        await tx.ExecuteAsync("UPDATE inventory_allocation SET quantity_e6 = $1, version = $2, status = $3 WHERE id = $4", ct,
            Fixed.ToE6(quantity), (long)version, quantity == allocation.Picked ? "picked" : "instructed", allocation.Id);
        var now = tx.Clock.GetUtcNow();
        var data = new PickChanged(allocation.Id, version, allocation.Plant, allocation.Item, allocation.Location, allocation.Lot.Length == 0 ? null : allocation.Lot, new QuantityValue(quantity, reservation.Unit));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.PickChanged, "/takt/inventory", allocation.Id, allocation.Plant, now,
            JsonSerializer.Serialize(data, EventJson.Default.PickChanged)));
        return (await AllocationAsync(tx, allocationId, ct))!;
    }

    public async Task<Outcome<AllocationView>> CancelAllocationAsync(StoreTransaction tx, string allocationId, string reason, CancellationToken ct)
    {
        var allocation = await AllocationAsync(tx, allocationId, ct);
        if (allocation is null)
            return new Violation("/id", "allocation.unknown", $"No allocation '{allocationId}'.");
        if (allocation.Status != "instructed")
            return new Violation("/id", "allocation.closed", $"Allocation {allocationId} is {allocation.Status}.");
        await CancelAsync(tx, allocation, reason, ct);
        return (await AllocationAsync(tx, allocationId, ct))!;
    }

    private async Task CancelAsync(StoreTransaction tx, AllocationView allocation, string reason, CancellationToken ct)
    {
        var version = allocation.Version + 1;
        // What was picked stays picked; the rest is no longer to be picked.
        await tx.ExecuteAsync("UPDATE inventory_allocation SET quantity_e6 = picked_e6, version = $1, status = 'cancelled' WHERE id = $2", ct, (long)version, allocation.Id);
        var now = tx.Clock.GetUtcNow();
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.PickCancelled, "/takt/inventory", allocation.Id, allocation.Plant, now,
            JsonSerializer.Serialize(new PickCancelled(allocation.Id, version, allocation.Plant, reason), EventJson.Default.PickCancelled)));
    }

    public async Task<Outcome<ReservationView>> CancelReservationAsync(StoreTransaction tx, string reservationId, CancellationToken ct)
    {
        var reservation = await ReservationAsync(tx, reservationId, ct);
        if (reservation is null)
            return new Violation("/id", "reservation.unknown", $"No reservation '{reservationId}'.");
        if (reservation.Status != "open")
            return new Violation("/id", "reservation.closed", $"Reservation {reservationId} is {reservation.Status}.");
        foreach (var allocation in reservation.Allocations.Where(a => a.Status == "instructed"))
            await CancelAsync(tx, allocation, $"Reservation {reservationId} was cancelled.", ct);
        await tx.ExecuteAsync("UPDATE inventory_reservation SET status = 'cancelled' WHERE id = $1", ct, reservationId);
        return (await ReservationAsync(tx, reservationId, ct))!;
    }

    public static async Task<ReservationView?> ReservationAsync(StoreTransaction tx, string id, CancellationToken ct)
    {
        ReservationView? head = null;
        await using (var reader = await tx.Command("SELECT id, plant, item, kind, reference, quantity_e6, picked_e6, unit, requirement_date, status FROM inventory_reservation WHERE id = $1", id).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                head = new ReservationView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), Fixed.FromE6(reader.GetInt64(5)),
                    Fixed.FromE6(reader.GetInt64(6)), reader.GetString(7), Instants.FromDateKey((int)reader.GetInt64(8)), reader.GetString(9), []);
            }
        }

        if (head is null)
            return null;
        var allocations = new List<AllocationView>();
        await using (var reader = await tx.Command(AllocationSelect + " WHERE reservation_id = $1 ORDER BY id", id).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                allocations.Add(ReadAllocation(reader));
        }

        return head with { Allocations = allocations };
    }

    public static async Task<AllocationView?> AllocationAsync(StoreTransaction tx, string id, CancellationToken ct)
    {
        await using var reader = await tx.Command(AllocationSelect + " WHERE id = $1", id).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAllocation(reader) : null;
    }

    internal const string AllocationSelect = "SELECT id, reservation_id, plant, item, location, lot, quantity_e6, picked_e6, version, status FROM inventory_allocation";

    internal static AllocationView ReadAllocation(System.Data.Common.DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Fixed.FromE6(r.GetInt64(6)), Fixed.FromE6(r.GetInt64(7)), (int)r.GetInt64(8), r.GetString(9));
}
