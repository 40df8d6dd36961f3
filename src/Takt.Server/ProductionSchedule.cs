using Takt.Integration.Adapters.B2mml;
using Takt.MasterData;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The schedule adapters' view of production (Integration depends on no other module): released orders from
/// <see cref="IProduction"/>, units and the plant's time zone from <see cref="IMasterData"/>.
/// </summary>
internal sealed class ProductionSchedule(IProduction production, IMasterData masterData, TaktStore store, TimeProvider clock) : IProductionSchedule
{
    private const int MaxOrders = 10_000;

    public async Task<PlantSchedule?> ReleasedOrdersAsync(string plant, CancellationToken ct)
    {
        var orders = (await production.OrdersAsync(store, plant, MaxOrders, ct)).Where(o => o.Status == "released").ToList();
        var items = orders.SelectMany(o => o.Components.Select(c => c.Item)).ToHashSet(StringComparer.Ordinal);
        MasterDataView view;
        // IMasterData reads inside a transaction; this one only reads and is rolled back (a background writer
        // on SQLite, so it yields the write lock to requests).
        await using (var session = await store.OpenSessionAsync(clock, ct, background: true))
        await using (var tx = await session.BeginAsync(ct))
            view = await masterData.LoadAsync(tx, [plant], items, [], ct);
        if (view.Plant(plant) is not { } found)
            return null;
        return new PlantSchedule(found.Code, found.Name, found.TimeZone, [.. orders.Select(o => new ScheduledOrder(
            o.Number, o.Item, o.Quantity, o.Unit, o.Priority, o.DueDate,
            [.. o.Components.Select(c => new ScheduledComponent(c.Item, c.Required, view.Item(c.Item)?.BaseUnit.Code ?? o.Unit))],
            [.. o.Operations.Select(op => new ScheduledOperation(op.Operation, op.WorkCenter, op.Description))]))]);
    }
}
