using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Inventory.Reservations;

/// <summary>What re-planning changed in the WMS's instructions for one production order.</summary>
/// <param name="Order">The production order.</param>
/// <param name="Cancelled">Allocations whose picks were cancelled (pick-cancelled instructions).</param>
/// <param name="Instructed">Allocations newly instructed (pick-instructed instructions).</param>
public sealed record AllocationUpdate(string Order, IReadOnlyList<string> Cancelled, IReadOnlyList<string> Instructed);

/// <summary>
/// Allocation instructions for other modules (planning after a re-schedule): every change goes to the WMS as a canonical
/// event on the outbox, delivered by webhook until acknowledged, in the caller's transaction.
/// </summary>
public interface IAllocations
{
    /// <summary>Cancels the open production-order reservations of <paramref name="order"/> at the plant and their unpicked allocations.</summary>
    Task<AllocationUpdate> WithdrawAsync(StoreTransaction transaction, string plant, string order, string reason, CancellationToken ct);

    /// <summary>Reserves the order's open components at the plant and allocates what lies in storage locations (oldest lots first).</summary>
    Task<AllocationUpdate> InstructAsync(StoreTransaction transaction, string plant, string order, IReadOnlyList<(string Item, decimal Quantity, string Unit)> components, DateOnly requirementDate, CancellationToken ct);
}

internal sealed class Allocations(StockReservations reservations) : IAllocations
{
    public async Task<AllocationUpdate> WithdrawAsync(StoreTransaction transaction, string plant, string order, string reason, CancellationToken ct)
    {
        var ids = new List<string>();
        await using (var reader = await transaction.Command(
            "SELECT id FROM inventory_reservation WHERE plant = $1 AND reference = $2 AND kind = 'production-order' AND status = 'open' ORDER BY id", plant, order).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                ids.Add(reader.GetString(0));
        }

        var cancelled = new List<string>();
        foreach (var id in ids)
        {
            var before = await StockReservations.ReservationAsync(transaction, id, ct);
            var done = await reservations.CancelReservationAsync(transaction, id, ct);
            if (!done.IsRejected && before is not null)
                cancelled.AddRange(before.Allocations.Where(a => a.Status == "instructed").Select(a => a.Id));
        }

        return new AllocationUpdate(order, cancelled, []);
    }

    public async Task<AllocationUpdate> InstructAsync(StoreTransaction transaction, string plant, string order, IReadOnlyList<(string Item, decimal Quantity, string Unit)> components, DateOnly requirementDate, CancellationToken ct)
    {
        var instructed = new List<string>();
        foreach (var (item, quantity, unit) in components)
        {
            if (quantity <= 0)
                continue;
            var reserved = await reservations.ReserveAsync(transaction, new ReservationRequest(plant, item, new QuantityValue(quantity, unit), "production-order", order, requirementDate), ct);
            if (reserved.IsRejected)
                continue; // not enough unreserved stock: planning's net change covers the shortage
            var allocated = await reservations.AllocateAsync(transaction, reserved.Value.Id, new AllocationRequest(), ct);
            if (!allocated.IsRejected)
                instructed.AddRange(allocated.Value.Allocations.Select(a => a.Id));
        }

        return new AllocationUpdate(order, [], instructed);
    }
}
