using Takt.Integration.Adapters;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Takt.Integration.Mqtt;
using Takt.Store;

namespace Takt.Server;

public sealed class ServerSettings
{
    /// <summary>A SQLite file path or a PostgreSQL connection string. Default <c>./takt.db</c>.</summary>
    public string Database { get; set; } = "takt.db";

    /// <summary>Where to listen. Default <c>http://localhost:5080</c> (or ASPNETCORE_URLS).</summary>
    public string? Urls { get; set; }

    /// <summary>Load the demo data into a new, empty database.</summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>
    /// With the demo data, start the console demo's expedited requisitions (open approvals in a controller's inbox).
    /// Off by default: their SLA timers would run in every test server; <c>takt run</c> turns it on.
    /// </summary>
    public bool DemoOpenTasks { get; set; }

    /// <summary>
    /// With the demo data, receive the payables demo's supplier invoices (matched and posted, and exceptions whose flows
    /// open tasks). Off by default for the same reason; <c>takt run</c> turns it on.
    /// </summary>
    public bool DemoInvoices { get; set; }

    /// <summary>With the demo data, two days of shop-floor confirmations at Plant A with a scrap spike, and the scheduled anomaly scan's first turn (issue 15); <c>takt run</c> turns it on.</summary>
    public bool DemoAnomalies { get; set; }

    /// <summary>
    /// Train the cold-start invoice exception model at start when none is registered (always with <see cref="DemoInvoices"/>),
    /// so payables' exceptions get the AI service's advice from the first one. Off: advice starts once a model is trained.
    /// </summary>
    public bool TrainInvoiceAdvisor { get; set; }

    /// <summary>Demo production orders per plant.</summary>
    public int DemoOrdersPerPlant { get; set; } = 12;

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public IngestOptions Ingest { get; set; } = new();

    public OutboxOptions Outbox { get; set; } = new();

    /// <summary>Limits of the document adapters (B2MML, CSV).</summary>
    public AdapterOptions Adapters { get; set; } = new();

    /// <summary>How often client freshness is checked (silence alarms).</summary>
    public Takt.Integration.Operations.FreshnessOptions Freshness { get; set; } = new();

    /// <summary>The shop-floor MQTT broker; the intake is off while its host is not set (the default).</summary>
    public MqttOptions Mqtt { get; set; } = new();
    /// <summary>Supplier invoice intake: document limits and the suspected-duplicate window.</summary>
    public Takt.Payables.PayablesOptions Payables { get; set; } = new();

    /// <summary>Expedite costing and the actor planning records as (issue 11).</summary>
    public Takt.Planning.PlanningOptions Planning { get; set; } = new();

    /// <summary>The flow worker (batch size, polling, whether it runs in this process).</summary>
    public Takt.Orchestration.Engine.OrchestrationOptions Orchestration { get; set; } = new();

    /// <summary>Procurement tolerances and controls.</summary>
    public Takt.Procurement.ProcurementOptions Procurement { get; set; } = new();

    /// <summary>The assist module: confidence threshold, cold-start training size (docs/assist.md).</summary>
    public Takt.Assist.AssistOptions Assist { get; set; } = new();

    /// <summary>Clients, tokens, rate limits, idempotency keys (and the clock tests move to expire them).</summary>
    public AccessOptions Access { get; set; } = new();

    /// <summary>On a database without clients, register <c>admin</c> (every scope and plant) and return its key once.</summary>
    public bool BootstrapAdmin { get; set; } = true;

    /// <summary>Run the outbox dispatcher (off in some tests that inspect the queue).</summary>
    public bool RunDispatcher { get; set; } = true;

    /// <summary>Extra services (tests register subscribers here).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>API versions being retired: their answers carry Deprecation and Sunset headers.</summary>
    public IReadOnlyList<RetiringVersion> RetiringVersions { get; set; } = [];

    /// <summary>Quieter logs (tests, benchmarks).</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Information;
}
