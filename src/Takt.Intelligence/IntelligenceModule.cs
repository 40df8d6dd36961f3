using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.Intelligence;

public static class IntelligenceModule
{
    public static SchemaModule Schema { get; } = new("intelligence", typeof(IntelligenceModule).Assembly);

    public static IServiceCollection AddIntelligence(this IServiceCollection services) =>
        services
            .AddSingleton<IIntelligence, ProcessLog>()
            .AddSingleton<IOutboxSubscriber, PlantActivityProjection>()
            .AddHostedService<ObjectIndexer>()
            .AddHostedService<KpiProjector>()
            .AddHostedService<LogSealer>();

    public sealed record LatencyReport(DateTimeOffset? From, DateTimeOffset? To, string Unit, IReadOnlyList<LatencyPercentiles> Plants);

    public static RouteGroupBuilder MapIntelligence(this RouteGroupBuilder api)
    {
        api.MapGet("/kpis/production-to-posting-latency", async (IIntelligence intelligence, TaktStore store, DateTimeOffset? from, DateTimeOffset? to, string? plant, CancellationToken ct) =>
                Results.Ok(new LatencyReport(from, to, "ms", [.. (await intelligence.ProductionToPostingLatencyAsync(store, from, to, ct)).Where(l => plant is null || l.Plant == plant)])))
            .WithName("ProductionToPostingLatency")
            .WithSummary("KPI: event time to journal-entry commit, p50/p95/p99 by plant (DESIGN §5); optionally one plant.");
        api.MapGet("/process-log/plant-activity", async (IIntelligence intelligence, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Ok((await intelligence.PlantActivityAsync(store, ct)).Where(a => plant is null || a.Plant == plant).ToList()))
            .WithName("PlantActivity")
            .WithSummary("Postings per plant, day and cause (a projection fed by the outbox); optionally one plant.");
        ProcessLogEndpoints.Map(api);
        return api;
    }
}
