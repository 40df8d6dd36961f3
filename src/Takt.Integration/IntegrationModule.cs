using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Takt.Integration.Adapters;
using Takt.Integration.Adapters.B2mml;
using Takt.Integration.Adapters.Csv;
using Takt.Integration.Gateway;
using Takt.Integration.Mqtt;
using Takt.Integration.Webhooks;
using Takt.Store;

namespace Takt.Integration;

public static class IntegrationModule
{
    public static SchemaModule Schema { get; } = new("integration", typeof(IntegrationModule).Assembly);

    public static IServiceCollection AddIntegration(this IServiceCollection services, IngestOptions options, WebhookOptions? webhooks = null, Operations.FreshnessOptions? freshness = null)
    {
        services.AddSingleton(options);
        services.AddSingleton(freshness ?? new Operations.FreshnessOptions());
        services.AddSingleton<Operations.ClientFreshness>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Operations.ClientFreshness>());
        services.AddSingleton(webhooks ?? new WebhookOptions());
        services.AddSingleton<WebhookCircuits>();
        // Channel states first: they are read when it starts, before any worker or intake runs.
        services.AddSingleton<Operations.ChannelControl>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Operations.ChannelControl>());
        services.AddHttpClient(WebhookWorker.HttpClientName);
        services.AddSingleton<WebhookWorker>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WebhookWorker>());
        services.AddSingleton<EventValidation>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IngestPipeline>());
        return services;
    }

    /// <summary>
    /// The document adapters (B2MML, CSV) and the MQTT intake (which stays idle without a broker). The schedule
    /// adapters read production orders through <see cref="IProductionSchedule"/>, which the host provides.
    /// </summary>
    public static IServiceCollection AddAdapters(this IServiceCollection services, AdapterOptions adapters, MqttOptions mqtt)
    {
        services.AddSingleton(adapters);
        services.AddSingleton(mqtt);
        services.AddSingleton<MqttIntake>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MqttIntake>());
        return services;
    }

    public static RouteGroupBuilder MapIntegration(this RouteGroupBuilder api)
    {
        ReceiveEvents.Map(api);
        DeadLetterEndpoints.Map(api);
        Access.AccessModule.MapAccess(api);
        WebhookEndpoints.Map(api);
        AdapterRegistry.Map(api);
        B2mmlEndpoints.Map(api);
        ShopFloorCsv.Map(api);
        IntegrationLog.Map(api);
        api.MapGet("/integration/mqtt", (MqttIntake intake) => Results.Ok(intake.Status))
            .Produces<MqttStatus>(200)
            .WithName("GetMqttStatus")
            .WithSummary("The MQTT intake: whether a broker is configured and connected.");
        Health.IntegrationHealth.Map(api);
        Operations.ChannelEndpoints.Map(api);
        Operations.FreshnessEndpoints.Map(api);
        return api;
    }
}
