using Microsoft.AspNetCore.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;
using Takt.Assist;
using Takt.Integration;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Orchestration;
using Takt.Payables;
using Takt.Planning;
using Takt.Procurement;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>Composes the modules into the ASP.NET Core host: REST API, event gateway, workers.</summary>
public static class TaktServer
{
    public static IReadOnlyList<SchemaModule> Schemas { get; } =
    [
        new("store", typeof(TaktStore).Assembly),
        MasterDataModule.Schema,
        LedgerModule.Schema,
        InventoryModule.Schema,
        ProductionModule.Schema,
        IntelligenceModule.Schema,
        IntegrationModule.Schema,
        OrchestrationModule.Schema,
        ProcurementModule.Schema,
        PayablesModule.Schema,
        PlanningModule.Schema,
        Web.ConsoleModule.Schema,
        AssistModule.Schema,
    ];

    public static WebApplication Build(ServerSettings settings, string[]? args = null)
    {
        // A fixed application name keeps generated contracts (OpenAPI tags) the same whichever host runs the server.
        // appsettings files are read once: reloading them on change watches the content root recursively, which
        // is where takt.db and its write-ahead log live by default, so every commit woke a file-watcher thread.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args ?? []],
            ApplicationName = "Takt",
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        var urls = settings.Urls ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://localhost:5080";
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(settings.MinimumLogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", settings.MinimumLogLevel < LogLevel.Warning ? LogLevel.Warning : settings.MinimumLogLevel);

        var services = builder.Services;
        var store = TaktStore.Open(settings.Database);
        services.AddSingleton(store);
        services.AddSingleton(settings.Clock);
        services.AddSingleton(settings.Outbox);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<Outbox>();
        if (settings.RunDispatcher)
        {
            services.AddSingleton<OutboxDispatcher>();
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<OutboxDispatcher>());
        }

        if (store.Engine == StoreEngine.Sqlite)
            services.AddHostedService<SqliteCheckpointer>();
        services.AddMasterData().AddLedger().AddInventory().AddProduction().AddIntelligence().AddIntegration(settings.Ingest, freshness: settings.Freshness);
        services.AddAdapters(settings.Adapters, settings.Mqtt).AddSingleton<Takt.Integration.Adapters.B2mml.IProductionSchedule, ProductionSchedule>();
        services.AddOrchestration(settings.Orchestration);
        services.AddProcurement(settings.Procurement);
        services.AddSingleton<ISubledgers, Subledgers>();
        services.AddSingleton<Takt.Payables.Matching.IInvoiceExceptionAdvisor, AssistInvoiceAdvisor>().AddPayables(settings.Payables);
        services.AddPlanning(settings.Planning);
        services.AddAssist(settings.Assist).AddSingleton<Takt.Assist.Invoices.IInvoiceExceptionLog, PayablesExceptionLog>();
        services.AddAccess(settings.Access, settings.Clock);
        services.AddTaktHealthChecks();
        services.AddSingleton<Onboarding.PlantOnboarding>();
        Web.ConsoleModule.AddConsole(services);
        settings.ConfigureServices?.Invoke(services);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Routing answers 415 itself when a content type is not in an endpoint's Accepts list (text/plain to
            // /api/v1/events): give that answer Takt's shape, with the field and the rule (DESIGN §2.7).
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Type?.StartsWith("urn:takt:", StringComparison.Ordinal) != true)
            {
                var problem = Problem.UnsupportedMediaType(new Contracts.Violation("", "content-type.unsupported", $"'{context.HttpContext.Request.ContentType}' is not accepted here."));
                context.ProblemDetails.Type = problem.Type;
                context.ProblemDetails.Title = problem.Title;
                context.ProblemDetails.Detail = problem.Detail;
                context.ProblemDetails.Extensions["errors"] = problem.Errors;
            }
        });
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "Takt API";
                doc.Info.Version = "v1";
                doc.Info.Description = "Takt: production and finance as one process. Errors are RFC 9457 problem details. " +
                    "Every /api/v1 endpoint but the token endpoint needs a registered client's credential (README: Clients and access).";
                doc.Servers?.Clear();
                return Task.CompletedTask;
            });
            OpenApiSecurity.Add(o);
        });
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("takt"))
            .WithTracing(t => t.AddSource("Takt.*").AddAspNetCoreInstrumentation())
            .WithMetrics(m => m.AddMeter("Takt.*").AddAspNetCoreInstrumentation());
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            otel.UseOtlpExporter();

        var app = builder.Build();
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var traceId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            var problem = error is BadHttpRequestException bad
                ? Problem.Malformed([new Contracts.Violation("", "request.malformed", bad.Message)]) with { Status = bad.StatusCode }
                : Problem.Internal(traceId);
            context.Response.StatusCode = problem.Status;
            await context.Response.WriteAsJsonAsync(problem, Problem.Json, Problem.ContentType);
        }));
        app.UseStatusCodePages();
        if (settings.RetiringVersions.Count > 0)
            app.UseMiddleware<ApiDeprecation>(settings.RetiringVersions);
        app.UseAccess();

        // Every /api/v1 endpoint gets its scope, plant binding and Idempotency-Key rule from ApiAccess; the pages
        // outside it (home, health, OpenAPI, API reference) are anonymous.
        var api = app.MapGroup("/api/v1").RequireAccess(ApiAccess.Table);
        api.MapGroup("").WithTags("Integration").MapIntegration();
        api.MapGroup("").WithTags("Production").MapProduction();
        api.MapGroup("").MapMasterData();
        api.MapGroup("").WithTags("Inventory").MapInventory();
        api.MapGroup("").WithTags("Ledger").MapLedger();
        api.MapGroup("").WithTags("Intelligence").MapIntelligence();
        api.MapGroup("").WithTags("Intelligence").MapKpiOverview();
        api.MapOrchestration();
        api.MapProcurement();
        api.MapGroup("").WithTags("Payables").MapPayables();
        api.MapGroup("").WithTags("Planning").MapPlanning();
        api.MapAssist();
        Onboarding.OnboardingEndpoints.Map(api);
        app.MapGet("/health", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
        app.MapTaktHealthChecks();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api", o => o.WithTitle("Takt API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        HomePage.Map(app);
        Web.ConsoleModule.MapConsole(app);

        // Build the endpoints now: an endpoint missing from ApiAccess fails here, at start, not at its first request.
        foreach (var source in ((IEndpointRouteBuilder)app).DataSources)
            _ = source.Endpoints;
        return app;
    }

    /// <summary>
    /// Migrates the schema and, on an empty database, loads the demo data. On a database without clients it
    /// registers the <c>admin</c> client and returns its key, which is never shown again (null otherwise).
    /// </summary>
    public static async Task<IssuedKey?> PrepareDatabaseAsync(IServiceProvider services, ServerSettings settings, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        await Migrations.ApplyAsync(store, Schemas, ct);
        await OrchestrationModule.EnsureBuiltInsAsync(services, ct);
        await ProcurementModule.EnsureStandardsAsync(services, ct);
        await ProductionModule.EnsureStandardsAsync(services, ct);
        if (settings.DemoInvoices || settings.TrainInvoiceAdvisor)
            await AssistInvoiceAdvisor.TrainAsync(services, ct); // the cold start, before any invoice: never inside an intake transaction
        if (settings.SeedDemo && await DemoData.SeedIfEmptyAsync(services, settings.DemoOrdersPerPlant, ct))
        {
            await DemoFlows.SeedAsync(services, ct);
            await DemoProcurement.SeedAsync(services, ct);
            await DemoPayables.SeedAsync(services, settings.DemoInvoices, ct);
            await DemoConsole.SeedAsync(services, settings.DemoOpenTasks, ct);
            if (settings.DemoAnomalies)
                await DemoAssist.SeedAsync(services, ct);
        }

        return settings.BootstrapAdmin
            ? await ClientRegistry.BootstrapAdminAsync(store, services.GetRequiredService<AccessClock>().Time, settings.Access, ct)
            : null;
    }

    /// <summary>Builds, prepares the database and starts listening.</summary>
    public static async Task<WebApplication> StartAsync(ServerSettings settings, CancellationToken ct)
    {
        var app = Build(settings);
        await PrepareDatabaseAsync(app.Services, settings, ct);
        await app.StartAsync(ct);
        return app;
    }
}
