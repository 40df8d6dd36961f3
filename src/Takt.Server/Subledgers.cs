using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// What the close reads from the operational modules, through their public interfaces: stock value (inventory), WIP
/// of orders (production), open AP items (payables: posted documents less payments, company currency). Procurement
/// (GR/IR) is not composed yet, so its reconciliation reports "not applicable" rather than a number.
/// </summary>
public sealed class Subledgers(IMasterData masterData, IInventory inventory, IProduction production, Takt.Payables.Payments.IPaymentRuns payables, TimeProvider clock) : ISubledgers
{
    private const int AllOrders = 1_000_000;

    public async Task<IReadOnlyList<SubledgerTotal>> TotalsAsync(TaktStore store, string company, CancellationToken ct)
    {
        var plants = (await masterData.PlantsAsync(store, ct)).Where(p => p.Company.Code == company).Select(p => p.Code).ToHashSet(StringComparer.Ordinal);
        var stock = (await inventory.StockAsync(store, null, ct)).Where(s => plants.Contains(s.Plant)).Sum(s => s.Value);
        // Every order's WIP: open orders carry it; nothing settles an order to zero yet, so closed ones count too.
        var wip = (await production.OrdersAsync(store, null, AllOrders, ct)).Where(o => plants.Contains(o.Plant)).Sum(o => o.Wip);
        var (ap, openDocuments) = await payables.OpenItemsAsync(store, plants, ct);
        return
        [
            new SubledgerTotal("inventory", "Inventory valuation (stock at standard)", stock),
            new SubledgerTotal("production", "WIP of production orders", wip),
            new SubledgerTotal("procurement", "GR/IR open items", null, "Not applicable: no procurement module in this build, so there are no GR/IR open items to list."),
            new SubledgerTotal("payables", $"Open AP items ({openDocuments} unpaid documents, as a control balance)", ap),
        ];
    }

    public async Task<IReadOnlyList<OrderCostPosition>> OpenOrdersAsync(TaktStore store, string company, CancellationToken ct)
    {
        var plants = (await masterData.PlantsAsync(store, ct)).Where(p => p.Company.Code == company).ToList();
        var orders = (await production.OrdersAsync(store, null, AllOrders, ct)).Where(o => o.Status == "released" && plants.Any(p => p.Code == o.Plant)).ToList();
        if (orders.Count == 0)
            return [];
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var view = await masterData.LoadAsync(tx, [.. plants.Select(p => p.Code)], [.. orders.Select(o => o.Item).Distinct()], [], ct);
        return [.. orders.Select(o => new OrderCostPosition(o.Number, o.Plant, o.Item, o.Quantity, o.Yield, view.StandardCost(o.Plant, o.Item) ?? 0m))];
    }
}
