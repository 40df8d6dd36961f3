using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.Production;

public static class ProductionModule
{
    public static SchemaModule Schema { get; } = new("production", typeof(ProductionModule).Assembly);

    public static IServiceCollection AddProduction(this IServiceCollection services) =>
        services
            .AddSingleton<ProductionEvents>()
            .AddSingleton<Orders.OrderLifecycle>()
            .AddSingleton<Costing.CostVersions>()
            .AddSingleton<IProduction, ProductionOrders>()
            .AddSingleton<Fallback.IFallback, Fallback.FallbackEntries>()
            .AddSingleton<IInboundEventHandler, ShopFloorEvents>()
            .AddSingleton<IOutboxSubscriber, Orders.QualityHoldOutcomes>()
            .AddSingleton<MasterData.IChangeApprovals, MasterDataApprovals>()
            .AddSingleton<Orchestration.IFlowAction, DecideChangeAction>();

    /// <summary>Saves the master-data change approval standard (a draft until someone publishes it, which turns the approval on).</summary>
    public static Task EnsureStandardsAsync(IServiceProvider services, CancellationToken ct) => MasterDataApprovals.EnsureStandardAsync(services, ct);

    public static RouteGroupBuilder MapProduction(this RouteGroupBuilder api)
    {
        api.MapGet("/production-orders", async (IProduction production, TaktStore store, string? plant, int? limit, CancellationToken ct) =>
                Results.Ok(await production.OrdersAsync(store, plant, Math.Clamp(limit ?? 100, 1, 1000), ct)))
            .WithName("ListProductionOrders")
            .WithSummary("Production orders with components, operations and WIP.");
        api.MapGet("/production-orders/{number}", async (IProduction production, TaktStore store, string number, CancellationToken ct) =>
                await production.OrderAsync(store, number, ct) is { } order ? Results.Ok(order) : Results.Problem(
                    statusCode: 404, title: "Not found.", type: "urn:takt:problem:not-found", detail: $"Production order '{number}' does not exist."))
            .WithName("GetProductionOrder")
            .WithSummary("One production order.");
        ProductionEndpoints.Map(api);
        Fallback.FallbackEndpoints.Map(api);
        return api;
    }
}
