using Takt.Integration.Access;
using Takt.Production;

namespace Takt.Server;

/// <summary>
/// Who may call each API endpoint (by endpoint name): the scope it needs, how a client's plant restriction
/// applies, and whether a POST needs an Idempotency-Key. Every /api/v1 endpoint must be listed: the server
/// refuses to start otherwise. README "Clients and access" shows this table.
/// </summary>
public static class ApiAccess
{
    public static IReadOnlyDictionary<string, EndpointAccess> Table { get; } = new Dictionary<string, EndpointAccess>(StringComparer.Ordinal)
    {
        // Integration: CloudEvents (source, id) make event intake idempotent already; no Idempotency-Key there.
        ["ReceiveEvents"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["ListDeadLetters"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants),
        ["ReplayDeadLetters"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["IssueAccessToken"] = EndpointAccess.Anonymous, // the client authenticates in the form (OAuth2 client credentials)
        ["JsonWebKeys"] = EndpointAccess.Anonymous, // public keys only
        ["RegisterClient"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListClients"] = new(Scopes.ClientsManage, PlantBinding.AllPlants),
        ["GetClient"] = new(Scopes.ClientsManage, PlantBinding.AllPlants),
        ["RotateClientKey"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["RevokeClient"] = new(Scopes.ClientsManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListAudit"] = new(Scopes.AuditRead, PlantBinding.AllPlants),

        // Webhook subscriptions read events of every plant they name; until subscriptions belong to a client and its
        // plants, only unrestricted clients manage them. DELETE is idempotent by itself.
        ["CreateWebhook"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListWebhooks"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants),
        ["GetWebhook"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants),
        ["DeleteWebhook"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants),
        ["RotateWebhookSecret"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ReplayWebhook"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants, IdempotencyKey: true),
        ["ListWebhookAttempts"] = new(Scopes.WebhooksManage, PlantBinding.AllPlants),

        // Adapters: documents map to canonical events, each checked against the client's plants like POST /api/v1/events;
        // their ids come from the document, so a repeat is a replay without an Idempotency-Key. Schedules are per plant.
        ["ListAdapters"] = new(Scopes.EventsProductionWrite, PlantBinding.None), // describes the adapters, for whoever may post documents; no plant
        ["ReceiveB2mmlV0401ProductionPerformance"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["ReceiveB2mmlV0701OperationsPerformance"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["ReceiveShopFloorCsv"] = new(Scopes.EventsProductionWrite, PlantBinding.EventData),
        ["GetB2mmlV0401ProductionSchedule"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["GetB2mmlV0701OperationsSchedule"] = new(Scopes.ProductionRead, PlantBinding.Query),

        // MQTT: the integration log of rejected messages and the intake's status span every plant, like dead letters.
        ["ListIntegrationLog"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants),
        ["GetMqttStatus"] = new(Scopes.DeadLettersManage, PlantBinding.AllPlants),

        // Production, Inventory, Ledger, Intelligence
        ["ListProductionOrders"] = new(Scopes.ProductionRead, PlantBinding.Query),
        ["GetProductionOrder"] = new(Scopes.ProductionRead, PlantBinding.Result, PlantOfResult: r => (r as ProductionOrderView)?.Plant),
        ["ListStock"] = new(Scopes.InventoryRead, PlantBinding.Query),
        ["AccountBalances"] = new(Scopes.LedgerRead, PlantBinding.AllPlants),
        ["ProductionToPostingLatency"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["PlantActivity"] = new(Scopes.KpisRead, PlantBinding.Query),
        // The process log: a restricted client reads the events of its plant (the plant is filled in when it has one).
        ["ListProcessEvents"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["GetObjectHistory"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["GetProcessMap"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["ExportOcel"] = new(Scopes.KpisRead, PlantBinding.Query),
        ["IntegrationFailures"] = new(Scopes.KpisRead, PlantBinding.AllPlants), // by client, not by plant
        ["IntegrationHealth"] = new(Scopes.KpisRead, PlantBinding.AllPlants),
    };
}
