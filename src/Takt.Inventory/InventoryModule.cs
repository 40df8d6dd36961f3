using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Inventory.Stock;
using Takt.Store;

namespace Takt.Inventory;

public static class InventoryModule
{
    public static SchemaModule Schema { get; } = new("inventory", typeof(InventoryModule).Assembly);

    public static IServiceCollection AddInventory(this IServiceCollection services)
    {
        services.AddSingleton<IInventory, StockLedger>();
        services.AddSingleton<StockPosting>();
        services.AddSingleton<StockFallback>();
        services.AddSingleton<IFallbackMovements>(sp => sp.GetRequiredService<StockFallback>());
        services.AddSingleton<Reservations.StockReservations>();
        services.AddSingleton<Reservations.IAllocations, Reservations.Allocations>();
        services.AddSingleton<Wms.WmsConfirmations>();
        services.AddSingleton<IInboundEventHandler>(sp => sp.GetRequiredService<Wms.WmsConfirmations>());
        services.AddSingleton<Counts.CycleCounts>();
        services.AddSingleton<Reconciliation.WmsReconciliation>();
        services.AddSingleton<IStockDocuments, StockDocuments>();
        services.AddSingleton<IOutboxSubscriber, Counts.AdjustmentApprovals>();
        return services;
    }

    public static RouteGroupBuilder MapInventory(this RouteGroupBuilder api)
    {
        api.MapGet("/stock", async (IInventory inventory, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Ok(await inventory.StockAsync(store, plant, ct)))
            .WithName("ListStock")
            .WithSummary("Stock per plant and item: quantity in the base unit and value at standard.");
        StockEndpoints.Map(api);
        StockFallback.Map(api);
        Reservations.ReservationEndpoints.Map(api);
        Counts.CountEndpoints.Map(api);
        return api;
    }
}
