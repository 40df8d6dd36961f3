using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.Planning;

public static class PlanningModule
{
    public static SchemaModule Schema { get; } = new("planning", typeof(PlanningModule).Assembly);

    public static IServiceCollection AddPlanning(this IServiceCollection services, PlanningOptions? options = null) =>
        services
            .AddSingleton(options ?? new PlanningOptions())
            .AddSingleton<IPlanning, PlanningService>()
            .AddSingleton<IInboundEventHandler, MachineEvents>()
            .AddSingleton<IOutboxSubscriber, Replanner>();

    public static RouteGroupBuilder MapPlanning(this RouteGroupBuilder api)
    {
        PlanningEndpoints.Map(api);
        return api;
    }
}
