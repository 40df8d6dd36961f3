using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Takt.Integration.Gateway;
using Takt.Integration.Webhooks;
using Takt.Store;

namespace Takt.Integration;

public static class IntegrationModule
{
    public static SchemaModule Schema { get; } = new("integration", typeof(IntegrationModule).Assembly);

    public static IServiceCollection AddIntegration(this IServiceCollection services, IngestOptions options, WebhookOptions? webhooks = null)
    {
        services.AddSingleton(options);
        services.AddSingleton(webhooks ?? new WebhookOptions());
        services.AddHttpClient(WebhookWorker.HttpClientName);
        services.AddSingleton<WebhookWorker>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WebhookWorker>());
        services.AddSingleton<EventValidation>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IngestPipeline>());
        return services;
    }

    public static RouteGroupBuilder MapIntegration(this RouteGroupBuilder api)
    {
        ReceiveEvents.Map(api);
        DeadLetterEndpoints.Map(api);
        Access.AccessModule.MapAccess(api);
        WebhookEndpoints.Map(api);
        Health.IntegrationHealth.Map(api);
        return api;
    }
}
