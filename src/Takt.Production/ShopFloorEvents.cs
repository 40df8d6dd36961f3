using Takt.Contracts.Events;
using Takt.Inventory;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Production.Fallback;
using Takt.Store;

namespace Takt.Production;

/// <summary>
/// Applies material issues, operation confirmations and yield reports. Each accepted event stages, in the
/// batch's one transaction: the order change, the stock movement, the balanced journal entry, the process-log
/// event with its object links and the outgoing canonical events (DESIGN §2.1, §2.2, §3).
/// </summary>
internal sealed class ShopFloorEvents(IMasterData masterData, ILedger ledger, IInventory inventory, IIntelligence intelligence, Outbox outbox)
    : IInboundEventHandler
{
    public bool Handles(string type) =>
        type is EventTypes.MaterialIssued or EventTypes.OperationConfirmed or EventTypes.YieldReported;

    public async Task<IInboundBatch> BeginAsync(StoreTransaction transaction, IReadOnlyList<InboundEvent> events, CancellationToken ct)
    {
        var orderNumbers = new HashSet<string>(StringComparer.Ordinal);
        var issuedTo = new HashSet<string>(StringComparer.Ordinal);
        var confirmedFor = new HashSet<string>(StringComparer.Ordinal);
        var plants = new HashSet<string>(StringComparer.Ordinal);
        var items = new HashSet<string>(StringComparer.Ordinal);
        var workCenters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case MaterialIssued m:
                    orderNumbers.Add(m.Order);
                    issuedTo.Add(m.Order);
                    plants.Add(m.Plant);
                    items.Add(m.Item);
                    break;
                case OperationConfirmed c:
                    orderNumbers.Add(c.Order);
                    confirmedFor.Add(c.Order);
                    plants.Add(c.Plant);
                    workCenters.Add(c.WorkCenter);
                    break;
                case YieldReported y:
                    orderNumbers.Add(y.Order);
                    plants.Add(y.Plant);
                    items.Add(y.Item);
                    break;
            }
        }

        var orders = await OrderRows.LoadAsync(transaction, orderNumbers, issuedTo, confirmedFor, forUpdate: true, ct);
        foreach (var order in orders.Values)
            items.Add(order.Item);
        var view = await masterData.LoadAsync(transaction, plants, items, workCenters, ct);
        var rules = await ledger.LoadRulesAsync(transaction, ct);
        // Manual fallback records waiting for their plant system's events: read only for orders that have one.
        List<string>? withFallback = null;
        foreach (var order in orders.Values)
        {
            if (order.FallbackOpen > 0)
                (withFallback ??= []).Add(order.Number);
        }

        var fallbacks = withFallback is null ? null : await FallbackLedger.LoadAsync(transaction, withFallback, ct);
        return new ShopFloorBatch(transaction, orders, view, rules, ledger, inventory, intelligence, outbox, fallbacks);
    }
}
