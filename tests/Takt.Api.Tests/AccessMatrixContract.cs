using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>
/// Every API endpoint × every scope × every kind of plant restriction (all plants, PA01 only, PA01 and PB01),
/// plus no credential and a wrong key: exactly the calls whose scope and plants fit succeed; every other one is a
/// 401 or 403 problem with the expected rule, and all of them together change nothing. The expectations are
/// written here, apart from the server's access table; a test below fails when an endpoint is missing here.
/// </summary>
public abstract class AccessMatrixContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private enum Binding
    {
        AllPlants,
        Plant, // the call names or touches one plant: Plant
        NoPlant, // a plant-partitioned list without ?plant=
        Owned, // another client's resource (a webhook subscription of the suite's admin): unrestricted clients only
        Supplier, // a supplier's message: a client registered as that supplier, or an unrestricted client (none of the matrix callers is a supplier)
    }

    private sealed record Call(string Endpoint, string Scope, Binding Binding, string? Plant, Func<HttpClient, int, Task<HttpResponseMessage>> Send)
    {
        public override string ToString() => $"{Endpoint}{(Plant is null ? "" : $"[{Plant}]")}{(Binding == Binding.NoPlant ? "[no plant]" : "")}";
    }

    private sealed record Caller(string Name, HttpClient Http, string? Scope, string[]? Plants)
    {
        public override string ToString() => Name;
    }

    private TaktHost Host => fixture.Host;

    /// <summary>What the orchestration calls act on, prepared before the refused calls run.</summary>
    private sealed record FlowState(string InstancePa01, string InstancePb01, string TaskPa01, string TaskPb01)
    {
        /// <summary>Inventory (issue 7): reservations, allocations and counts of each plant the calls act on.</summary>
        public InventoryState Inventory { get; init; } = new("r1", "r2", "r3", "a1", "a2", "c1", "c2");
    }

    private sealed record InventoryState(string ReservationPa01, string ReservationPb01, string ReservationToCancel, string AllocationToChange, string AllocationToCancel, string CountPa01, string CountPb01);

    /// <summary>What the procurement calls act on: requisitions and orders at both plants, one approved requisition to order, one receipt to return.</summary>
    private sealed record ProcurementState(string RequisitionPa01, string RequisitionPb01, string ToOrder, string OrderPa01, string OrderPb01, string Receipt);

    /// <summary>Supplier invoices received before the refused calls run, one per plant.</summary>
    private sealed record InvoiceState(string Pa01, string Pb01)
    {
        /// <summary>A payment run of each plant (issue 9 phase 3).</summary>
        public (string Pa01, string Pb01) Runs { get; init; } = ("r1", "r2");

        /// <summary>Posted invoices each allowed payment run pays (one per run), per plant, and flagged duplicates each allowed decision rejects.</summary>
        public Queue<string> PayablePa01 { get; init; } = new(["p1"]);

        public Queue<string> PayablePb01 { get; init; } = new(["p2"]);

        public Queue<string> Duplicates { get; init; } = new(["d1"]);
    }

    /// <summary>Sends a call on the next document of a queue; the document is used up only when the call succeeded (a refused call changes nothing).</summary>
    private static async Task<HttpResponseMessage> UsingNextAsync(Queue<string> queue, Func<string, Task<HttpResponseMessage>> send)
    {
        var response = await send(queue.Peek());
        if (response.IsSuccessStatusCode)
            queue.Dequeue();
        return response;
    }

    private static IReadOnlyList<Call> Calls(string webhook = "wh", FlowState? flows = null, LedgerState? ledger = null, InvoiceState? invoices = null, ProcurementState? procurement = null, string costVersion = "cv", AssistState? assist = null) =>
    [
        .. AssistCalls(assist ?? new AssistState("s1", "s2", "m")),
        .. FlowCalls(flows ?? new FlowState("i1", "i2", "t1", "t2")),
        .. LedgerCalls(ledger ?? new LedgerState("e", "a1", "a2")),
        .. ProcurementCalls(procurement ?? new ProcurementState("r1", "r2", "r3", "o1", "o2", "g1")),
        .. PayablesCalls(invoices ?? new InvoiceState("v1", "v2")),
        .. InventoryCalls((flows ?? new FlowState("i1", "i2", "t1", "t2")).Inventory),
        .. ProductionCalls(costVersion),
        Get("ListProductionOrders", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/production-orders?plant=PA01"),
        Get("ListProductionOrders", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/production-orders?plant=PB01"),
        Get("ListProductionOrders", Scopes.ProductionRead, Binding.NoPlant, null, "/api/v1/production-orders"),
        Get("GetProductionOrder", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/production-orders/PA01-100001"),
        Get("GetProductionOrder", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/production-orders/PB01-100001"),
        Get("ListStock", Scopes.InventoryRead, Binding.Plant, "PA01", "/api/v1/stock?plant=PA01"),
        Get("ListStock", Scopes.InventoryRead, Binding.Plant, "PB01", "/api/v1/stock?plant=PB01"),
        Get("ListStock", Scopes.InventoryRead, Binding.NoPlant, null, "/api/v1/stock"),
        Get("AccountBalances", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/balances"),
        Get("ProductionToPostingLatency", Scopes.KpisRead, Binding.Plant, "PB01", "/api/v1/kpis/production-to-posting-latency?plant=PB01"),
        Get("ProductionToPostingLatency", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/production-to-posting-latency"),
        Get("PlantActivity", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/process-log/plant-activity?plant=PA01"),
        Get("PlantActivity", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/process-log/plant-activity"),
        Get("ListProcessEvents", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/process-log/events?plant=PA01"),
        Get("ListProcessEvents", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/process-log/events"),
        Get("GetObjectHistory", Scopes.KpisRead, Binding.Plant, "PB01", "/api/v1/process-log/objects/production-order/PB01-100002?plant=PB01"),
        Get("GetObjectHistory", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/process-log/objects/item/RM-3001"),
        Get("GetProcessMap", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/process-log/map?objectType=production-order&plant=PA01&format=svg"),
        Get("GetProcessMap", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/process-log/map?objectType=work-center"),
        Get("ExportOcel", Scopes.KpisRead, Binding.Plant, "PB01", "/api/v1/process-log/ocel?plant=PB01&format=sqlite"),
        Get("ExportOcel", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/process-log/ocel"),
        Get("ExceptionHotspots", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/process-log/exception-hotspots?plant=PA01&period=week"),
        Get("ExceptionHotspots", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/process-log/exception-hotspots"),
        Get("KpiOverview", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/kpis?plant=PA01"),
        Get("KpiOverview", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis"),
        Get("IntegrationFailures", Scopes.KpisRead, Binding.AllPlants, null, "/api/v1/kpis/integration-failures"),
        Get("IntegrationHealth", Scopes.KpisRead, Binding.AllPlants, null, "/api/v1/integration/health"),
        Get("ListDeadLetters", Scopes.DeadLettersManage, Binding.AllPlants, null, "/api/v1/dead-letters"),
        new("ReplayDeadLetters", Scopes.DeadLettersManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/dead-letters/replay", new { seqs = new[] { 1_000_000L + n } }, Guid.NewGuid().ToString())),
        new("ReceiveEvents", Scopes.EventsProductionWrite, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostEventAsync(http, Api.Tests.Calls.Issue("PA01"))),
        new("ReceiveEvents", Scopes.EventsProductionWrite, Binding.Plant, "PB01", (http, _) => Api.Tests.Calls.PostEventAsync(http, Api.Tests.Calls.Issue("PB01"))),
        // Adapters: a document's events are checked against the client's plants; ListAdapters names no plant (every
        // restriction here includes PA01, so "PA01" stands for "any plant").
        Get("ListAdapters", Scopes.EventsProductionWrite, Binding.Plant, "PA01", "/api/v1/adapters"),
        new("ReceiveB2mmlV0401ProductionPerformance", Scopes.EventsProductionWrite, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostPerformanceV0401Async(http, "PA01")),
        new("ReceiveB2mmlV0401ProductionPerformance", Scopes.EventsProductionWrite, Binding.Plant, "PB01", (http, _) => Api.Tests.Calls.PostPerformanceV0401Async(http, "PB01")),
        new("ReceiveB2mmlV0701OperationsPerformance", Scopes.EventsProductionWrite, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostPerformanceV0701Async(http, "PA01")),
        new("ReceiveB2mmlV0701OperationsPerformance", Scopes.EventsProductionWrite, Binding.Plant, "PB01", (http, _) => Api.Tests.Calls.PostPerformanceV0701Async(http, "PB01")),
        new("ReceiveShopFloorCsv", Scopes.EventsProductionWrite, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostCsvAsync(http, "PA01")),
        new("ReceiveShopFloorCsv", Scopes.EventsProductionWrite, Binding.Plant, "PB01", (http, _) => Api.Tests.Calls.PostCsvAsync(http, "PB01")),
        Get("GetB2mmlV0401ProductionSchedule", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/adapters/b2mml/v0401/production-schedule?plant=PA01"),
        Get("GetB2mmlV0401ProductionSchedule", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/adapters/b2mml/v0401/production-schedule?plant=PB01"),
        Get("GetB2mmlV0701OperationsSchedule", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/adapters/b2mml/v0701/operations-schedule?plant=PB01"),
        Get("ListIntegrationLog", Scopes.DeadLettersManage, Binding.AllPlants, null, "/api/v1/integration-log"),
        Get("GetMqttStatus", Scopes.DeadLettersManage, Binding.AllPlants, null, "/api/v1/integration/mqtt"),
        // Operations: the MQTT channel (no broker in this host), so pausing it disturbs no other call.
        Get("ListChannels", Scopes.OpsManage, Binding.AllPlants, null, "/api/v1/ops/channels"),
        Get("ChannelHistory", Scopes.OpsManage, Binding.AllPlants, null, "/api/v1/ops/channels/history"),
        new("PauseChannel", Scopes.OpsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ops/channels/mqtt/pause", new { reason = "access matrix" }, Guid.NewGuid().ToString())),
        new("DrainChannel", Scopes.OpsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ops/channels/mqtt/drain", new { reason = "access matrix" }, Guid.NewGuid().ToString())),
        new("ResumeChannel", Scopes.OpsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ops/channels/mqtt/resume", new { }, Guid.NewGuid().ToString())),
        Get("ListClientFreshness", Scopes.OpsManage, Binding.AllPlants, null, "/api/v1/ops/freshness"),
        new("SetClientFreshness", Scopes.OpsManage, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/ops/freshness/victim", new { expectEventsWithinMinutes = 30 }, TestContext.Current.CancellationToken)),
        // Manual fallback and plant onboarding (issue 14): a yield by hand on a Plant B order; a new proposal per call;
        // the live onboarding PrepareOnboardingAsync made is read and approved again (which changes nothing).
        new("RecordFallbackEntry", Scopes.ProductionWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/fallback/entries",
            new { kind = "yield", order = "PB01-100006", quantity = 1, occurredAt = TimeProvider.System.GetUtcNow().AddMinutes(-1), reason = "access matrix" }, Guid.NewGuid().ToString())),
        Get("FallbackReconciliation", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/fallback/reconciliation?plant=PA01"),
        Get("FallbackReconciliation", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/fallback/reconciliation?plant=PB01"),
        Get("FallbackReconciliation", Scopes.ProductionRead, Binding.NoPlant, null, "/api/v1/fallback/reconciliation"),
        new("ProposePlantOnboarding", Scopes.ClientsManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/plants/onboardings",
            new { from = "PB01", code = $"PM{n}", name = "matrix plant", reason = "access matrix" }, Guid.NewGuid().ToString())),
        Get("GetPlantOnboarding", Scopes.ClientsManage, Binding.AllPlants, null, $"/api/v1/plants/onboardings/{LiveOnboarding}"),
        new("ApprovePlantOnboarding", Scopes.ClientsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/plants/onboardings/{LiveOnboarding}/approve", new { }, Guid.NewGuid().ToString())),
        new("RegisterClient", Scopes.ClientsManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/clients", Api.Tests.Calls.NewClient($"new-{n}", [Scopes.KpisRead], ["PA01"]), Guid.NewGuid().ToString())),
        Get("ListClients", Scopes.ClientsManage, Binding.AllPlants, null, "/api/v1/clients"),
        Get("GetClient", Scopes.ClientsManage, Binding.AllPlants, null, "/api/v1/clients/victim"),
        new("RotateClientKey", Scopes.ClientsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/clients/victim/rotate", new { graceMinutes = 0 }, Guid.NewGuid().ToString())),
        new("IssueMqttCredential", Scopes.ClientsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/clients/victim/mqtt-credentials", null, Guid.NewGuid().ToString())),
        new("RevokeClient", Scopes.ClientsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/clients/victim/revoke", new { }, Guid.NewGuid().ToString())),
        Get("ListAudit", Scopes.AuditRead, Binding.AllPlants, null, "/api/v1/audit"),
        // Webhooks: a restricted client subscribes within its plants ("PA01" without a plant filter: its own plants,
        // which always include PA01 here) and lists its own; other clients' subscriptions are the unrestricted's.
        new("CreateWebhook", Scopes.WebhooksManage, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/webhooks", Hook, Guid.NewGuid().ToString())),
        new("CreateWebhook", Scopes.WebhooksManage, Binding.Plant, "PB01", (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/webhooks", HookFor("PB01"), Guid.NewGuid().ToString())),
        new("CreateWebhook", Scopes.WebhooksManage, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/webhooks", HookFor(null), Guid.NewGuid().ToString())),
        Get("ListWebhooks", Scopes.WebhooksManage, Binding.Plant, "PA01", "/api/v1/webhooks"),
        Get("GetWebhook", Scopes.WebhooksManage, Binding.Owned, null, $"/api/v1/webhooks/{webhook}"),
        Get("ListWebhookAttempts", Scopes.WebhooksManage, Binding.Owned, null, $"/api/v1/webhooks/{webhook}/attempts"),
        new("RotateWebhookSecret", Scopes.WebhooksManage, Binding.Owned, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/webhooks/{webhook}/rotate-secret", new { graceSeconds = 0 }, Guid.NewGuid().ToString())),
        new("ReplayWebhook", Scopes.WebhooksManage, Binding.Owned, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/webhooks/{webhook}/replay", new { messageIds = NoMessages }, Guid.NewGuid().ToString())),
        new("DeleteWebhook", Scopes.WebhooksManage, Binding.Owned, null, (http, _) => http.DeleteAsync($"/api/v1/webhooks/{webhook}", TestContext.Current.CancellationToken)),
    ];

    // Master data, production orders and costing (issue 6): each allowed call succeeds once (a new item, a draft BOM
    // version, a new order, a hold on an order no other call uses, a cost version prepared as simulated).
    private static IEnumerable<Call> ProductionCalls(string costVersion) =>
    [
        new("ImportMasterData", Scopes.MasterDataManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/masterdata/import", new { items = new[] { new { number = $"MX-{n}", description = "Matrix item", type = "raw", baseUnit = "H87", itemClass = "RAW" } } }, Guid.NewGuid().ToString())),
        Get("ExportMasterData", Scopes.MasterDataManage, Binding.AllPlants, null, "/api/v1/masterdata/export"),
        Get("GetItem", Scopes.ProductionRead, Binding.AllPlants, null, "/api/v1/masterdata/items/RM-3001"),
        new("SaveItem", Scopes.MasterDataManage, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/masterdata/items/MX-PUT", new { description = "Matrix item", type = "raw", baseUnit = "KGM", itemClass = "RAW" }, TestContext.Current.CancellationToken)),
        new("SaveWorkCenter", Scopes.MasterDataManage, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/masterdata/work-centers/PA01-MX", new { plant = "PA01", name = "Matrix press", machineRate = 10, labourRate = 20 }, TestContext.Current.CancellationToken)),
        new("SaveRouting", Scopes.MasterDataManage, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/masterdata/routings/PB01/FG-1000", new { operations = new[] { new { operation = "0010", workCenter = "PB01-ASM1", description = "Assemble pump", setupHours = 0.5, machineHoursPerUnit = 0.2, labourHoursPerUnit = 0.4 } } }, TestContext.Current.CancellationToken)),
        new("SaveBom", Scopes.MasterDataManage, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/masterdata/boms/PB01/SF-2000/9", new { validFrom = "2040-01-01", baseQuantity = 1, status = "draft", lines = new[] { new { component = "RM-3001", quantity = 1, unit = "H87" } } }, TestContext.Current.CancellationToken)),
        Get("ListBomVersions", Scopes.ProductionRead, Binding.AllPlants, null, "/api/v1/masterdata/boms/PA01/FG-1000"),
        Get("ListMasterDataChanges", Scopes.MasterDataManage, Binding.AllPlants, null, "/api/v1/masterdata/changes"),
        new("CreateProductionOrder", Scopes.ProductionWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/production-orders", new { number = $"MX-{n}", plant = "PA01", item = "FG-1000", quantity = 1, dueDate = "2099-12-31" }, Guid.NewGuid().ToString())),
        new("ActOnProductionOrder", Scopes.ProductionWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/production-orders/PB01-100004/hold", new { reason = "matrix" }, Guid.NewGuid().ToString())),
        Get("ListProductionVariances", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/production/variances?plant=PA01"),
        Get("ListProductionVariances", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/production/variances?plant=PB01"),
        Get("ListProductionVariances", Scopes.ProductionRead, Binding.NoPlant, null, "/api/v1/production/variances"),
        new("SimulateCostVersion", Scopes.ProductionWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/costing/versions", new { plant = "PB01", validFrom = "2026-01-01" }, Guid.NewGuid().ToString())),
        new("ActOnCostVersion", Scopes.ProductionWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/costing/versions/{costVersion}/mark", new { }, Guid.NewGuid().ToString())),
        Get("GetCostVersion", Scopes.ProductionRead, Binding.Plant, "PA01", $"/api/v1/costing/versions/{costVersion}"),
    ];

    private async Task<string> PrepareCostVersionAsync()
    {
        using var response = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/costing/versions", new { plant = "PA01", validFrom = "2026-01-01" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("id").GetString()!;
    }

    private static IEnumerable<Call> PayablesCalls(InvoiceState v) =>
    [
        new("ReceiveSupplierInvoice", Scopes.InvoicesWrite, Binding.Plant, "PA01", (http, n) => Api.Tests.Calls.PostInvoiceAsync(http, "PA01", $"M-{n}")),
        new("ReceiveSupplierInvoice", Scopes.InvoicesWrite, Binding.Plant, "PB01", (http, n) => Api.Tests.Calls.PostInvoiceAsync(http, "PB01", $"M-{n}")),
        Get("ListSupplierInvoices", Scopes.PayablesRead, Binding.Plant, "PA01", "/api/v1/payables/invoices?plant=PA01"),
        Get("ListSupplierInvoices", Scopes.PayablesRead, Binding.NoPlant, null, "/api/v1/payables/invoices"),
        Get("GetSupplierInvoice", Scopes.PayablesRead, Binding.Plant, "PA01", $"/api/v1/payables/invoices/{v.Pa01}"),
        Get("GetSupplierInvoice", Scopes.PayablesRead, Binding.Plant, "PB01", $"/api/v1/payables/invoices/{v.Pb01}"),
        new("MatchSupplierInvoice", Scopes.PayablesWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/payables/invoices/{v.Pa01}/match", new { }, Guid.NewGuid().ToString())),
        Get("GetInvoiceMatch", Scopes.PayablesRead, Binding.Plant, "PA01", $"/api/v1/payables/invoices/{v.Pa01}/match"),
        Get("GetInvoiceMatch", Scopes.PayablesRead, Binding.Plant, "PB01", $"/api/v1/payables/invoices/{v.Pb01}/match"),
        Get("ListInvoiceExceptions", Scopes.PayablesRead, Binding.Plant, "PA01", "/api/v1/payables/exceptions?plant=PA01"),
        Get("ListInvoiceExceptions", Scopes.PayablesRead, Binding.NoPlant, null, "/api/v1/payables/exceptions"),
        Get("GetPaymentProposal", Scopes.PayablesRead, Binding.Plant, "PB01", "/api/v1/payables/payment-proposal?plant=PB01&dueBy=2099-12-31"),
        Get("GetPaymentProposal", Scopes.PayablesRead, Binding.NoPlant, null, "/api/v1/payables/payment-proposal?dueBy=2099-12-31"),
        Get("GetPayablesKpis", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/payables/kpis?plant=PA01"),
        Get("GetPayablesKpis", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/payables/kpis"),
        Get("ListInvoiceTolerances", Scopes.PayablesRead, Binding.AllPlants, null, "/api/v1/payables/tolerances"),
        new("DecideDuplicateInvoice", Scopes.PayablesWrite, Binding.AllPlants, null, (http, _) => UsingNextAsync(v.Duplicates, id =>
            Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/payables/invoices/{id}/duplicate-decision", new { decision = "duplicate", reason = "matrix", decidedBy = "matrix" }, Guid.NewGuid().ToString()))),
        new("RunPayments", Scopes.PayablesWrite, Binding.Plant, "PA01", (http, _) => UsingNextAsync(v.PayablePa01, id =>
            Api.Tests.Calls.PostJsonAsync(http, "/api/v1/payables/payment-runs?plant=PA01", new { dueBy = "2099-12-31", invoices = new[] { id } }, Guid.NewGuid().ToString()))),
        new("RunPayments", Scopes.PayablesWrite, Binding.Plant, "PB01", (http, _) => UsingNextAsync(v.PayablePb01, id =>
            Api.Tests.Calls.PostJsonAsync(http, "/api/v1/payables/payment-runs?plant=PB01", new { dueBy = "2099-12-31", invoices = new[] { id } }, Guid.NewGuid().ToString()))),
        Get("ListPaymentRuns", Scopes.PayablesRead, Binding.Plant, "PA01", "/api/v1/payables/payment-runs?plant=PA01"),
        Get("ListPaymentRuns", Scopes.PayablesRead, Binding.NoPlant, null, "/api/v1/payables/payment-runs"),
        Get("GetPaymentRun", Scopes.PayablesRead, Binding.Plant, "PA01", $"/api/v1/payables/payment-runs/{v.Runs.Pa01}"),
        Get("GetPaymentRun", Scopes.PayablesRead, Binding.Plant, "PB01", $"/api/v1/payables/payment-runs/{v.Runs.Pb01}"),
        new("SetInvoiceTolerance", Scopes.PayablesWrite, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/payables/tolerances",
            new { supplier = "SUP-MX", category = "*", matchKind = "three-way", quantityPercent = 0, quantityAbsolute = 0, pricePercent = 2, priceAbsolute = 50 }, TestContext.Current.CancellationToken)),
    ];

    /// <summary>Assist (issue 15): a suggestion per plant (an inbox ranking) and the candidate model version that made them.</summary>
    private sealed record AssistState(string SuggestionPa01, string SuggestionPb01, string Candidate);

    private async Task<AssistState> PrepareAssistAsync()
    {
        async Task<(string Id, string Model)> RankAsync(string plant)
        {
            using var response = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/assist/priorities", new[] { new { id = "matrix-" + plant, kind = "task", plant, valueAtRisk = 100m } }, Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var suggestion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("suggestion");
            return (suggestion.GetProperty("id").GetString()!, suggestion.GetProperty("modelId").GetString()!);
        }

        var (pa01, model) = await RankAsync("PA01");
        return new AssistState(pa01, (await RankAsync("PB01")).Id, model);
    }

    private static IEnumerable<Call> AssistCalls(AssistState a)
    {
        static Task<HttpResponseMessage> Post(HttpClient http, string path, object body) => Api.Tests.Calls.PostJsonAsync(http, path, body, Guid.NewGuid().ToString());
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var points = Enumerable.Range(0, 40).Select(i => new { at = start.AddHours(i), scrapRate = 0.02, cycleTimeSeconds = 60.0 }).ToArray();
        var history = Enumerable.Range(0, 56).Select(d => new { date = new DateOnly(2026, 9, 1).AddDays(d), quantity = 10.0 + (d % 7) }).ToArray();
        return
        [
            Get("ListAssistModels", Scopes.AssistRead, Binding.Plant, "PA01", "/api/v1/assist/models"), // company-wide, no plant data: any restriction
            Get("ListSuggestions", Scopes.AssistRead, Binding.Plant, "PA01", "/api/v1/assist/suggestions?plant=PA01"),
            Get("ListSuggestions", Scopes.AssistRead, Binding.NoPlant, null, "/api/v1/assist/suggestions"),
            Get("GetSuggestion", Scopes.AssistRead, Binding.Plant, "PA01", $"/api/v1/assist/suggestions/{a.SuggestionPa01}"),
            Get("GetSuggestion", Scopes.AssistRead, Binding.Plant, "PB01", $"/api/v1/assist/suggestions/{a.SuggestionPb01}"),
            new("ApproveAssistModel", Scopes.AssistManage, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/assist/models/{a.Candidate}/approve", new { approver = "matrix-person", scope = "*" })),
            new("TrainInvoiceExceptionModel", Scopes.AssistManage, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/assist/models/invoice-exceptions/train", new { rows = 100, trainedBy = "matrix-trainer" })),
            new("ClassifyInvoiceException", Scopes.AssistUse, Binding.AllPlants, null, (http, n) => Post(http, "/api/v1/assist/invoice-exceptions/classify", new { subject = $"M-{n}", plant = "PA01", supplier = "SUP-100", description = "drive shaft", priceDeviation = 0.2 })),
            new("DecideSuggestion", Scopes.AssistUse, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/assist/suggestions/{a.SuggestionPb01}/decision", new { outcome = "accepted", decidedBy = "matrix-person" })),
            new("ScanWorkCenterStream", Scopes.AssistUse, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/assist/anomalies/scan", new { plant = "PA01", workCenter = "PA01-CNC1", points })),
            new("ScanShopFloorEvents", Scopes.AssistUse, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/assist/anomalies/shop-floor-scan", new { plant = "PA01", from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z" })),
            new("ForecastDemand", Scopes.AssistUse, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/assist/forecasts/demand", new { plant = "PA01", item = "FG-1000", unit = "H87", history, horizonDays = 7, coverage = 0.8 })),
            new("ScoreWorkCenterRisk", Scopes.AssistUse, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/assist/risk/work-centers", new[] { new { workCenter = "PA01-CNC1", plant = "PA01", downtimeMinutesLast7Days = 10.0, downtimeMinutesWeeklyAverage = 10.0, anomaliesLast7Days = 0, loadPercent = 90.0, lateOrders = 0, daysSinceMaintenance = 5.0, maintenanceIntervalDays = 90.0 } })),
            new("PrioritizeOpenItems", Scopes.AssistUse, Binding.AllPlants, null, (http, n) => Post(http, "/api/v1/assist/priorities", new[] { new { id = $"M-{n}", kind = "task", plant = "PA01", valueAtRisk = 10m } })),
        ];
    }

    private async Task<InvoiceState> PrepareInvoicesAsync()
    {
        async Task<string> ReceiveAsync(string plant)
        {
            using var response = await Api.Tests.Calls.PostInvoiceAsync(Host.Http, plant, "matrix-" + plant);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("id").GetString()!;
        }

        // A payment run of each plant to read (empty: access is what is tested here; payment runs in Takt.Payables.Tests).
        foreach (var plant in new[] { "PA01", "PB01" })
        {
            await using var connection = await Host.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
            await Dapper.SqlMapper.ExecuteAsync(connection, "INSERT INTO payables_payment_run (id, plant, due_by, payment_date, documents, run_by, created_at_us) VALUES (@id, @plant, '2026-11-30', '2026-11-30', 0, 'matrix', 0)",
                new { id = "matrix-run-" + plant, plant });
        }

        // Posted invoices to pay (ordered, received, invoiced as ordered) and exact duplicates to decide on (the same number twice).
        // Both demo plants keep Central European time: one plant date serves both.
        var today = PlantCalendar.PostingDate("PA01", PlantCalendar.Now);
        async Task<JsonElement> InvoiceAsync(string plant, Takt.Payables.Invoices.SupplierInvoice invoice)
        {
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(invoice, Takt.Payables.Invoices.InvoiceDocuments.Json));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await Host.Http.PostAsync($"/api/v1/payables/invoices?plant={plant}", content, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Created, text);
            return JsonDocument.Parse(text).RootElement;
        }

        async Task<string> PostedAsync(string plant, int n)
        {
            var (supplier, seller, vat, tax, price) = plant == "PA01" ? ("SUP-100", "Gießerei Meier GmbH", "DE811000100", 19m, 12.90m) : ("SUP-200", "Hřídele Brno s.r.o.", "CZ26000200", 21m, 12.60m);
            var quantity = 3m + n;
            using var ordered = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/procurement/purchase-orders/direct", new
            {
                plant, supplier, category = "direct", costObject = "CC-4100", incoterms = "FCA Augsburg", buyer = "anna.buyer",
                lines = new[] { new { item = "RM-3002", quantity, unit = "H87", price, deliveryDate = new DateOnly(2027, 1, 15) } },
            }, Guid.NewGuid().ToString());
            var order = JsonDocument.Parse(await ordered.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("number").GetString()!;
            using var received = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/procurement/goods-receipts", new { order, line = 1, quantity, unit = "H87", receivedBy = "wim.warehouse" }, Guid.NewGuid().ToString());
            Assert.True(received.IsSuccessStatusCode);
            var invoice = await InvoiceAsync(plant, Takt.Payables.Invoices.InvoiceSamples.ForOrder($"MX-{plant}-{n}", today, order, [new(1, "RM-3002", quantity, "H87", price)], seller, vat, tax));
            Assert.Equal("posted", invoice.GetProperty("matchState").GetString());
            return invoice.GetProperty("id").GetString()!;
        }

        async Task<string> DuplicateAsync(int n)
        {
            var first = Takt.Payables.Invoices.InvoiceSamples.Invoice($"MD-{n}", today, 1, price: 100m, supplierVat: "DE-MATRIX-DUP-" + n);
            await InvoiceAsync("PB01", first);
            var again = await InvoiceAsync("PB01", first with { IssueDate = today.AddDays(-1) });
            Assert.Equal("exact", again.GetProperty("duplicate").GetString());
            return again.GetProperty("id").GetString()!;
        }

        return new InvoiceState(await ReceiveAsync("PA01"), await ReceiveAsync("PB01"))
        {
            Runs = ("matrix-run-PA01", "matrix-run-PB01"),
            PayablePa01 = new([await PostedAsync("PA01", 1), await PostedAsync("PA01", 2), await PostedAsync("PA01", 3), await PostedAsync("PA01", 4)]),
            PayablePb01 = new([await PostedAsync("PB01", 1), await PostedAsync("PB01", 2), await PostedAsync("PB01", 3)]),
            Duplicates = new([await DuplicateAsync(1), await DuplicateAsync(2), await DuplicateAsync(3)]),
        };
    }

    private static IEnumerable<Call> FlowCalls(FlowState f) =>
    [
        new("SaveFlowStandard", Scopes.FlowsManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/standards", new { document = $"flow: matrix-new-{n}\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - {{ id: a, type: action, action: signal }}" }, Guid.NewGuid().ToString())),
        new("PublishFlowStandard", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/standards/matrix-draft/1/publish", new { }, Guid.NewGuid().ToString())),
        new("RetireFlowStandard", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/standards/matrix-retire/1/retire", new { }, Guid.NewGuid().ToString())),
        Get("ListFlowStandards", Scopes.FlowsManage, Binding.AllPlants, null, "/api/v1/flows/standards"),
        new("ProposeFlowVariant", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/variants", new { document = "flow: production-schedule-change\nversion: 1\nplant: PB01\nset:\n  autoApproveDays: 2", proposer = "matrix" }, Guid.NewGuid().ToString())),
        new("DiffFlowVariant", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/variants/diff", new { document = "flow: production-schedule-change\nversion: 1\nplant: PB01\nset:\n  autoApproveDays: 2" }, null)),
        Get("ListFlowVariants", Scopes.FlowsManage, Binding.Plant, "PA01", "/api/v1/flows/variants?plant=PA01"),
        Get("ListFlowVariants", Scopes.FlowsManage, Binding.Plant, "PB01", "/api/v1/flows/variants?plant=PB01"),
        Get("ListFlowVariants", Scopes.FlowsManage, Binding.NoPlant, null, "/api/v1/flows/variants"),
        new("MigrateFlowInstance", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/flows/instances/{f.InstancePa01}/migrate", new { toVersion = 2, actor = "matrix" }, Guid.NewGuid().ToString())),
        new("AssignFlowRole", Scopes.FlowsManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/role-assignments", new { user = $"user-{n}", role = "reviewer", plant = "PA01", costCenter = "*" }, Guid.NewGuid().ToString())),
        new("PublishDoaMatrix", Scopes.FlowsManage, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/doa", new { document = $"matrix: m-{n}\nversion: 1\ncurrency: EUR\nrules:\n  - {{ role: cfo, level: 1, above: 1000 }}" }, Guid.NewGuid().ToString())),
        new("RouteApproval", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/doa/procurement/route", new { value = new { amount = 48200, currency = "EUR" }, plant = "PA01", category = "MRO" }, null)),
        new("SetBusinessCalendar", Scopes.FlowsManage, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/flows/calendars/PA01", DemoFlows.PlantACalendar, TestContext.Current.CancellationToken)),
        new("StartFlow", Scopes.FlowsRun, Binding.Plant, "PA01", (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/instances", new { flow = "production-schedule-change", plant = "PA01", requester = "matrix", variables = new { order = $"PA01-{n}", shiftDays = 0, costCenter = "CC-4100" } }, Guid.NewGuid().ToString())),
        new("StartFlow", Scopes.FlowsRun, Binding.Plant, "PB01", (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/flows/instances", new { flow = "production-schedule-change", plant = "PB01", requester = "matrix", variables = new { order = $"PB01-{n}", shiftDays = 0, costCenter = "CC-4100" } }, Guid.NewGuid().ToString())),
        Get("GetFlowInstanceConformance", Scopes.KpisRead, Binding.Plant, "PA01", $"/api/v1/flows/instances/{f.InstancePa01}/conformance"),
        Get("GetFlowInstanceConformance", Scopes.KpisRead, Binding.Plant, "PB01", $"/api/v1/flows/instances/{f.InstancePb01}/conformance"),
        Get("ListInstanceConformance", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/kpis/flow-conformance/instances?plant=PA01"),
        Get("ListInstanceConformance", Scopes.KpisRead, Binding.Plant, "PB01", "/api/v1/kpis/flow-conformance/instances?plant=PB01"),
        Get("ListInstanceConformance", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/flow-conformance/instances"),
        Get("GetFlowInstance", Scopes.FlowsRun, Binding.Plant, "PA01", $"/api/v1/flows/instances/{f.InstancePa01}"),
        Get("GetFlowInstance", Scopes.FlowsRun, Binding.Plant, "PB01", $"/api/v1/flows/instances/{f.InstancePb01}"),
        Get("TaskInbox", Scopes.TasksWork, Binding.Plant, "PA01", "/api/v1/tasks?user=rita.reviewer&plant=PA01"),
        Get("TaskInbox", Scopes.TasksWork, Binding.Plant, "PB01", "/api/v1/tasks?user=rita.reviewer&plant=PB01"),
        Get("TaskInbox", Scopes.TasksWork, Binding.NoPlant, null, "/api/v1/tasks?user=rita.reviewer"),
        Get("ImpactInbox", Scopes.TasksWork, Binding.Plant, "PA01", "/api/v1/assist/inbox?user=rita.reviewer&plant=PA01"),
        Get("ImpactInbox", Scopes.TasksWork, Binding.Plant, "PB01", "/api/v1/assist/inbox?user=rita.reviewer&plant=PB01"),
        Get("ImpactInbox", Scopes.TasksWork, Binding.NoPlant, null, "/api/v1/assist/inbox?user=rita.reviewer"),
        Get("GetTask", Scopes.TasksWork, Binding.Plant, "PA01", $"/api/v1/tasks/{f.TaskPa01}"),
        Get("GetTask", Scopes.TasksWork, Binding.Plant, "PB01", $"/api/v1/tasks/{f.TaskPb01}"),
        new("ActOnTask", Scopes.TasksWork, Binding.Plant, "PA01", (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/tasks/{f.TaskPa01}/claim", new { actor = "rita.reviewer" }, Guid.NewGuid().ToString())),
        new("ActOnTask", Scopes.TasksWork, Binding.Plant, "PB01", (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/tasks/{f.TaskPb01}/claim", new { actor = "rita.reviewer" }, Guid.NewGuid().ToString())),
        Get("FlowConformance", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/kpis/flow-conformance?plant=PA01"),
        Get("FlowConformance", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/flow-conformance"),
        Get("ApprovalTurnaround", Scopes.KpisRead, Binding.Plant, "PB01", "/api/v1/kpis/approval-turnaround?plant=PB01"),
        Get("ApprovalTurnaround", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/approval-turnaround"),
        Get("StandardizedResolutionRate", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/kpis/standardized-resolution?plant=PA01"),
        Get("StandardizedResolutionRate", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/standardized-resolution"),
    ];

    private static IEnumerable<Call> ProcurementCalls(ProcurementState p) =>
    [
        new("CreateRequisition", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/procurement/requisitions", Requisition("PA01", $"matrix-{n}"), Guid.NewGuid().ToString())),
        Get("ListRequisitions", Scopes.ProcurementRead, Binding.Plant, "PA01", "/api/v1/procurement/requisitions?plant=PA01"),
        Get("ListRequisitions", Scopes.ProcurementRead, Binding.Plant, "PB01", "/api/v1/procurement/requisitions?plant=PB01"),
        Get("ListRequisitions", Scopes.ProcurementRead, Binding.NoPlant, null, "/api/v1/procurement/requisitions"),
        Get("GetRequisition", Scopes.ProcurementRead, Binding.Plant, "PA01", $"/api/v1/procurement/requisitions/{p.RequisitionPa01}"),
        Get("GetRequisition", Scopes.ProcurementRead, Binding.Plant, "PB01", $"/api/v1/procurement/requisitions/{p.RequisitionPb01}"),
        new("OrderRequisitions", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/procurement/purchase-orders", new { requisitions = new[] { p.ToOrder }, buyer = "anna.buyer", incoterms = "FCA Augsburg" }, Guid.NewGuid().ToString())),
        new("CreateDirectPurchaseOrder", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/procurement/purchase-orders/direct", DirectOrder("PB01"), Guid.NewGuid().ToString())),
        Get("ListPurchaseOrders", Scopes.ProcurementRead, Binding.Plant, "PA01", "/api/v1/procurement/purchase-orders?plant=PA01"),
        Get("ListPurchaseOrders", Scopes.ProcurementRead, Binding.Plant, "PB01", "/api/v1/procurement/purchase-orders?plant=PB01"),
        Get("ListPurchaseOrders", Scopes.ProcurementRead, Binding.NoPlant, null, "/api/v1/procurement/purchase-orders"),
        Get("GetPurchaseOrder", Scopes.ProcurementRead, Binding.Plant, "PA01", $"/api/v1/procurement/purchase-orders/{p.OrderPa01}"),
        Get("GetPurchaseOrder", Scopes.ProcurementRead, Binding.Plant, "PB01", $"/api/v1/procurement/purchase-orders/{p.OrderPb01}"),
        new("ChangePurchaseOrder", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/procurement/purchase-orders/{p.OrderPa01}/changes", new { actor = "anna.buyer", lines = new[] { new { line = 1, deliveryDate = new DateOnly(2027, 1, 15) } } }, Guid.NewGuid().ToString())),
        new("AcknowledgePurchaseOrder", Scopes.ProcurementSupplier, Binding.Supplier, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/procurement/purchase-orders/{p.OrderPa01}/acknowledgements", new { messageId = $"matrix-ack-{n}", sequence = n + 1, status = "accepted" }, Guid.NewGuid().ToString())),
        new("SendShippingNotice", Scopes.ProcurementSupplier, Binding.Supplier, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/procurement/purchase-orders/{p.OrderPa01}/shipping-notices", new { messageId = $"matrix-asn-{n}", sequence = n + 1, number = $"DN-{n}", shipDate = new DateOnly(2027, 1, 10), lines = new[] { new { line = 1, quantity = 1m } } }, Guid.NewGuid().ToString())),
        new("PostGoodsReceipt", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/procurement/goods-receipts", new { order = p.OrderPa01, line = 1, quantity = 1m, unit = "H87", receivedBy = "wim.warehouse" }, Guid.NewGuid().ToString())),
        new("ReturnGoodsToSupplier", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/procurement/goods-receipts/{p.Receipt}/returns", new { returnedBy = "wim.warehouse", quantity = 1m }, Guid.NewGuid().ToString())),
        // Manual fallback for goods receipts (issue 14): one unit by hand on the Plant A order; the report binds to ?plant=.
        new("RecordFallbackGoodsReceipt", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/fallback/goods-receipts",
            new { order = p.OrderPa01, line = 1, quantity = 1m, unit = "H87", receivedBy = "wim.warehouse", occurredAt = TimeProvider.System.GetUtcNow().AddMinutes(-1), reason = "access matrix" }, Guid.NewGuid().ToString())),
        Get("FallbackGoodsReceiptReconciliation", Scopes.ProcurementRead, Binding.Plant, "PA01", "/api/v1/fallback/goods-receipts?plant=PA01"),
        Get("FallbackGoodsReceiptReconciliation", Scopes.ProcurementRead, Binding.Plant, "PB01", "/api/v1/fallback/goods-receipts?plant=PB01"),
        Get("FallbackGoodsReceiptReconciliation", Scopes.ProcurementRead, Binding.NoPlant, null, "/api/v1/fallback/goods-receipts"),
        new("SaveSupplier", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/procurement/suppliers/SUP-900", new { code = "SUP-900", name = "Matrix Supplies", currency = "EUR", paymentTermsDays = 30, risk = "low" }, TestContext.Current.CancellationToken)),
        new("SetProcurementBudget", Scopes.ProcurementWrite, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/procurement/budgets/PA01/indirect", new { amount = 90_000m, currency = "EUR" }, TestContext.Current.CancellationToken)),
        Get("ProcurementKpis", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/kpis/procurement?plant=PA01"),
        Get("ProcurementKpis", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/procurement"),
        // Planning (issue 11)
        new("RunPlanning", Scopes.ProductionWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/planning/runs", new { plants = PlantA }, Guid.NewGuid().ToString())),
        Get("ListDisruptions", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/planning/disruptions?plant=PA01"),
        Get("ListDisruptions", Scopes.ProductionRead, Binding.NoPlant, null, "/api/v1/planning/disruptions"),
        Get("GetSchedule", Scopes.ProductionRead, Binding.Plant, "PB01", "/api/v1/planning/schedule?plant=PB01"),
        Get("GetSchedule", Scopes.ProductionRead, Binding.NoPlant, null, "/api/v1/planning/schedule"),
        Get("ListPlannedOrders", Scopes.ProductionRead, Binding.Plant, "PA01", "/api/v1/planning/planned-orders?plant=PA01"),
        Get("ListPlannedOrders", Scopes.ProductionRead, Binding.NoPlant, null, "/api/v1/planning/planned-orders"),
        Get("PlanningKpis", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/planning/kpis?plant=PA01"),
        Get("PlanningKpis", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/planning/kpis"),
    ];

    private static object Requisition(string plant, string requester) => new
    {
        kind = "manual", plant, item = "RM-3003", quantity = 10m, unit = "H87", needDate = new DateOnly(2027, 1, 15), costObject = "CC-4100", category = "direct",
        estimatedValue = new { amount = 41.00m, currency = "EUR" }, requester, supplier = "SUP-100",
    };

    private static object DirectOrder(string plant) => new
    {
        plant, supplier = "SUP-200", category = "direct", costObject = "CC-5100", incoterms = "DAP Brno", buyer = "bea.buyer",
        lines = new[] { new { item = "RM-3002", quantity = 100m, unit = "H87", price = 12.60m, deliveryDate = new DateOnly(2027, 1, 15) } },
    };

    /// <summary>Requisitions and orders at both plants, one approved requisition to order and one receipt to return, made through the API as the suite.</summary>
    private async Task<ProcurementState> PrepareProcurementAsync()
    {
        async Task<string> PostAsync(string path, object body, string property)
        {
            using var response = await Api.Tests.Calls.PostJsonAsync(Host.Http, path, body, Guid.NewGuid().ToString());
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, text);
            var json = JsonDocument.Parse(text).RootElement;
            return (json.ValueKind == JsonValueKind.Array ? json[0] : json).GetProperty(property).GetString()!;
        }

        var pa01 = await PostAsync("/api/v1/procurement/requisitions", Requisition("PA01", "matrix"), "number");
        var pb01 = await PostAsync("/api/v1/procurement/requisitions", Requisition("PB01", "matrix"), "number");
        var toOrder = await PostAsync("/api/v1/procurement/requisitions", Requisition("PA01", "matrix"), "number");
        var orderPa01 = await PostAsync("/api/v1/procurement/purchase-orders", new { requisitions = new[] { pa01 }, buyer = "anna.buyer", incoterms = "FCA Augsburg" }, "number");
        var orderPb01 = await PostAsync("/api/v1/procurement/purchase-orders/direct", DirectOrder("PB01"), "number");
        var receipt = await PostAsync("/api/v1/procurement/goods-receipts", new { order = orderPb01, line = 1, quantity = 50m, unit = "H87", receivedBy = "wim.warehouse" }, "id");
        // Each issued order starts its confirmation flow (through the outbox): let the worker enter its waits before the refused calls run.
        await Host.DrainOutboxAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var connection = await Host.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
            var pending = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM orch_work WHERE kind = 'step'");
            if (pending == 0)
                return new ProcurementState(pa01, pb01, toOrder, orderPa01, orderPb01, receipt);
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The flow worker did not enter the confirmation waits.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// What the ledger calls act on: an entry on non-control accounts, a proposed and an approved accrual. They post at
    /// Plant B, so the Plant A webhook (a dead port) is owed nothing and the outbox settles.
    /// </summary>
    private sealed record LedgerState(string Entry, string ProposedAccrual, string ApprovedAccrual, string ReopenToApprove = "q1", string ReopenToReject = "q2", string GrIrItem = "o/1");

    /// <summary>Two periods of next year, closed, each with a reopen request by the suite client for a matrix client to decide.</summary>
    private static int ReopenApprovePeriod => (((ThisPeriod / 100) + 1) * 100) + 11;

    private static int ReopenRejectPeriod => (((ThisPeriod / 100) + 1) * 100) + 12;

    private static readonly int ThisPeriod = (PlantCalendar.PostingDate("PB01", PlantCalendar.Now).Year * 100) + PlantCalendar.PostingDate("PB01", PlantCalendar.Now).Month;

    private static object ManualEntry(string reason) => new
    {
        company = "TK01", plant = "PB01", postingDate = PlantCalendar.PostingDate("PB01", PlantCalendar.Now), currency = "EUR", reason,
        lines = new object[] { new { account = "690000", debit = 10m }, new { account = "100000", credit = 10m } },
    };

    private static object Accrual(int n) => new
    {
        company = "TK01", plant = "PB01", postingDate = PlantCalendar.PostingDate("PB01", PlantCalendar.Now), category = "services", amount = 100m + n, currency = "EUR", description = $"matrix {n}",
    };

    private static IEnumerable<Call> LedgerCalls(LedgerState l) =>
    [
        Get("ListChartOfAccounts", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/accounts?company=TK01"),
        Get("ListPeriods", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/periods?company=TK01"),
        new("ChangePeriodState", Scopes.LedgerClose, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/ledger/periods/TK01/{ThisPeriod}/state", new { status = "open" }, Guid.NewGuid().ToString())),
        Get("ListDeterminationRules", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/determination/rules"),
        new("AddDeterminationRule", Scopes.LedgerWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ledger/determination/rules", new { company = "TK01", movement = $"matrix-{n}", validFrom = new DateOnly(2026, 1, 1), debit = "690000", credit = "100000" }, Guid.NewGuid().ToString())),
        new("SimulateDetermination", Scopes.LedgerRead, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ledger/determination/simulate", new { company = "TK01", plant = "PA01", itemClass = "RAW", movement = "goods-issue-to-order" }, null)),
        new("PostJournalEntry", Scopes.LedgerWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ledger/journal-entries", ManualEntry($"matrix {n}"), Guid.NewGuid().ToString())),
        Get("GetJournalEntry", Scopes.LedgerRead, Binding.AllPlants, null, $"/api/v1/ledger/journal-entries/{l.Entry}"),
        new("ReverseJournalEntry", Scopes.LedgerWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/ledger/journal-entries/{l.Entry}/reversal", new { reason = "matrix" }, Guid.NewGuid().ToString())),
        Get("TrialBalance", Scopes.LedgerRead, Binding.AllPlants, null, $"/api/v1/ledger/trial-balance?company=TK01&period={ThisPeriod}"),
        Get("AccountEntries", Scopes.LedgerRead, Binding.AllPlants, null, $"/api/v1/ledger/accounts/690000/entries?company=TK01&period={ThisPeriod}"),
        new("ProposeAccrual", Scopes.LedgerWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ledger/accruals", Accrual(n), Guid.NewGuid().ToString())),
        Get("ListAccruals", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/accruals?company=TK01"),
        new("ApproveAccrual", Scopes.LedgerWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/ledger/accruals/{l.ProposedAccrual}/approve", new { approver = "matrix-controller" }, Guid.NewGuid().ToString())),
        new("PostAccrual", Scopes.LedgerWrite, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/ledger/accruals/{l.ApprovedAccrual}/post", new { }, Guid.NewGuid().ToString())),
        new("RunAccrualReversals", Scopes.LedgerClose, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/close/TK01/run-reversals", new { }, Guid.NewGuid().ToString())),
        Get("CloseStatus", Scopes.LedgerRead, Binding.AllPlants, null, $"/api/v1/close/TK01/{ThisPeriod}"),
        Get("CostVarianceWarnings", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/cost-variances?company=TK01"),
        Get("VerifyAuditChain", Scopes.AuditRead, Binding.AllPlants, null, "/api/v1/ledger/audit/TK01"),
        new("ApprovePeriodReopen", Scopes.LedgerClose, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/ledger/periods/TK01/{ReopenApprovePeriod}/reopen-requests/{l.ReopenToApprove}/approve", new { reason = "matrix" }, Guid.NewGuid().ToString())),
        new("RejectPeriodReopen", Scopes.LedgerClose, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/ledger/periods/TK01/{ReopenRejectPeriod}/reopen-requests/{l.ReopenToReject}/reject", new { reason = "matrix" }, Guid.NewGuid().ToString())),
        new("ExplainGrIrItem", Scopes.LedgerClose, Binding.AllPlants, null, (http, _) => Api.Tests.Calls.PostJsonAsync(http, $"/api/v1/close/TK01/{ThisPeriod}/explanations", new { item = l.GrIrItem, reason = "matrix" }, Guid.NewGuid().ToString())),
        new("SaveChartAccount", Scopes.LedgerWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ledger/accounts", new { company = "TK01", number = $"{880000 + (n % 10000)}", name = $"Matrix account {n}", kind = "expense" }, Guid.NewGuid().ToString())),
        Get("ListExchangeRates", Scopes.LedgerRead, Binding.AllPlants, null, "/api/v1/ledger/exchange-rates?from=USD&to=EUR"),
        new("AddExchangeRate", Scopes.LedgerWrite, Binding.AllPlants, null, (http, n) => Api.Tests.Calls.PostJsonAsync(http, "/api/v1/ledger/exchange-rates", new { from = "CHF", to = "EUR", validFrom = new DateOnly(2020, 1, 1).AddDays(n % 3000), rate = 1.05m }, Guid.NewGuid().ToString())),
    ];

    private const string LiveOnboarding = "PMLIVE";

    /// <summary>A plant onboarded (proposed by one person, approved by another) before the refused calls run.</summary>
    private async Task PrepareOnboardingAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var onboarding = Host.Service<Takt.Server.Onboarding.PlantOnboarding>();
        var proposed = await onboarding.ProposeAsync(Host.Store, new Takt.Server.Onboarding.OnboardingRequest("PB01", LiveOnboarding, "matrix plant", Reason: "access matrix"), "matrix-proposer", ct);
        Assert.False(proposed.IsRejected, string.Join("; ", proposed.Violations.Select(v => v.Detail)));
        var approved = await onboarding.ApproveAsync(Host.Store, LiveOnboarding, "matrix-approver", ct);
        Assert.False(approved.IsRejected, string.Join("; ", approved.Violations.Select(v => v.Detail)));
    }

    /// <summary>An entry to read and reverse, an accrual to approve and one to post, made before the refused calls run.</summary>
    private async Task<LedgerState> PrepareLedgerAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        using var entry = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/ledger/journal-entries", ManualEntry("matrix preparation"), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, entry.StatusCode);
        var id = JsonDocument.Parse(await entry.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
        var accruals = new List<string>();
        foreach (var n in new[] { 900_001, 900_002 })
        {
            using var proposed = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/ledger/accruals", Accrual(n), Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
            accruals.Add(JsonDocument.Parse(await proposed.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!);
        }

        using var approved = await Api.Tests.Calls.PostJsonAsync(Host.Http, $"/api/v1/ledger/accruals/{accruals[1]}/approve", new { approver = "matrix-controller" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var reopens = new List<string>();
        foreach (var period in new[] { ReopenApprovePeriod, ReopenRejectPeriod })
        {
            using var closed = await Api.Tests.Calls.PostJsonAsync(Host.Http, $"/api/v1/ledger/periods/TK01/{period}/state", new { status = "closed" }, Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
            using var requested = await Api.Tests.Calls.PostJsonAsync(Host.Http, $"/api/v1/ledger/periods/TK01/{period}/state", new { status = "open", reason = "matrix" }, Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
            reopens.Add(JsonDocument.Parse(await requested.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("reopens").EnumerateArray().Last().GetProperty("id").GetString()!);
        }

        // A goods receipt not invoiced: a GR/IR open item to explain.
        var procurement = Host.Service<Takt.Procurement.IProcurement>();
        await using var session = await Host.Store.OpenSessionAsync(Host.Service<TimeProvider>(), ct);
        await using var tx = await session.BeginAsync(ct);
        var today = DateOnly.FromDateTime(Host.Service<TimeProvider>().GetUtcNow().UtcDateTime);
        var order = await procurement.CreateDirectOrderAsync(tx, new Takt.Procurement.DirectOrder("PA01", "SUP-100", "direct", "CC-4100", "FCA Augsburg", "matrix.buyer",
            [new Takt.Procurement.DirectOrderLine("RM-3002", 5m, "H87", 12.90m, today.AddDays(7))]), ct);
        Assert.False(order.IsRejected);
        await tx.FlushAsync(ct);
        Assert.False((await procurement.ReceiveAsync(tx, new Takt.Procurement.ReceiveGoods(order.Value.Number, 1, 5m, "H87", "matrix.wh"), ct)).IsRejected);
        await tx.CommitAsync(ct);
        return new LedgerState(id, accruals[0], accruals[1], reopens[0], reopens[1], $"{order.Value.Number}/1");
    }

    /// <summary>
    /// Standards in each lifecycle state the calls need and two running instances (Plant A and B) waiting in a task, so
    /// that every allowed call succeeds; the flow worker has settled before the refused calls run.
    /// </summary>
    private async Task<FlowState> PrepareFlowsAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var flows = Host.Service<Takt.Orchestration.IOrchestration>();
        const string Review = "title: t\nowner: o\ninputs:\n  item: text\nsteps:\n  - { id: review, type: task, role: reviewer, next: done }\n  - { id: done, type: action, action: signal }";
        Assert.False((await flows.SaveStandardAsync(Host.Store, "flow: matrix-draft\nversion: 1\n" + Review, "tests", ct)).IsRejected);
        Assert.False((await flows.SaveStandardAsync(Host.Store, "flow: matrix-retire\nversion: 1\n" + Review, "tests", ct)).IsRejected);
        Assert.False((await flows.PublishStandardAsync(Host.Store, "matrix-retire", 1, ct)).IsRejected);
        Assert.False((await flows.SaveStandardAsync(Host.Store, "flow: matrix-migrate\nversion: 1\n" + Review, "tests", ct)).IsRejected);
        Assert.False((await flows.PublishStandardAsync(Host.Store, "matrix-migrate", 1, ct)).IsRejected);
        Assert.False((await flows.AssignRoleAsync(Host.Store, new Takt.Orchestration.RoleAssignment("rita.reviewer", "reviewer", "*"), ct)).IsRejected);
        var a = (await flows.StartAsync(Host.Store, new Takt.Orchestration.StartFlow("matrix-migrate", "PA01", "tom", new() { ["item"] = "RM-3001" }), ct)).Value;
        var b = (await flows.StartAsync(Host.Store, new Takt.Orchestration.StartFlow("matrix-migrate", "PB01", "tom", new() { ["item"] = "RM-3001" }), ct)).Value;
        Assert.False((await flows.SaveStandardAsync(Host.Store, "flow: matrix-migrate\nversion: 2\n" + Review, "tests", ct)).IsRejected);
        Assert.False((await flows.PublishStandardAsync(Host.Store, "matrix-migrate", 2, ct)).IsRejected);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var tasks = await flows.InboxAsync(Host.Store, "rita.reviewer", null, ct);
            if (tasks.FirstOrDefault(t => t.InstanceId == a.Id) is { } ta && tasks.FirstOrDefault(t => t.InstanceId == b.Id) is { } tb)
                return new FlowState(a.Id, b.Id, ta.Id, tb.Id) { Inventory = await PrepareInventoryAsync() };
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The flow worker did not create the tasks.");
            await Task.Delay(50, ct);
        }
    }

    private async Task<InventoryState> PrepareInventoryAsync()
    {
        async Task<JsonElement> SendAsync(HttpMethod method, string path, object body)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var response = await Host.Http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        var qty = (decimal value) => new { value, unit = "H87" };
        await SendAsync(HttpMethod.Put, "/api/v1/inventory/plants/PA01/locations/MX-A", new { name = "Matrix A" });
        await SendAsync(HttpMethod.Put, "/api/v1/inventory/plants/PB01/locations/MX-B", new { name = "Matrix B" });
        // A transfer of opening stock into a location: it posts no journal entry, which the PA01 hook above would try to deliver.
        await SendAsync(HttpMethod.Post, "/api/v1/stock/movements", new { plant = "PA01", lines = new[] { new { kind = "transfer", item = "RM-3001", quantity = qty(1000m), location = "", toLocation = "MX-A" } } });
        await SendAsync(HttpMethod.Post, "/api/v1/stock/movements", new { plant = "PB01", lines = new[] { new { kind = "receipt", item = "RM-3001", quantity = qty(5m), location = "MX-B" } } });
        var date = PlantCalendar.PostingDate("PA01", PlantCalendar.Now).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        async Task<string> ReserveAsync(string plant, decimal quantity) =>
            (await SendAsync(HttpMethod.Post, "/api/v1/reservations", new { plant, item = "RM-3001", quantity = qty(quantity), kind = "outbound-delivery", reference = "MATRIX", requirementDate = date })).GetProperty("id").GetString()!;
        var pa01 = await ReserveAsync("PA01", 500m);
        var pb01 = await ReserveAsync("PB01", 1m);
        var cancel = await ReserveAsync("PA01", 1m);
        var first = (await SendAsync(HttpMethod.Post, $"/api/v1/reservations/{pa01}/allocations", new { location = "MX-A", quantity = qty(1m) })).GetProperty("allocations")[0].GetProperty("id").GetString()!;
        var both = (await SendAsync(HttpMethod.Post, $"/api/v1/reservations/{pa01}/allocations", new { location = "MX-A", quantity = qty(1m) })).GetProperty("allocations");
        var second = both.EnumerateArray().Select(a => a.GetProperty("id").GetString()!).Single(id => id != first);
        var countPa01 = (await SendAsync(HttpMethod.Post, "/api/v1/inventory/counts", new { plant = "PA01", location = "MX-A" })).GetProperty("id").GetString()!;
        var countPb01 = (await SendAsync(HttpMethod.Post, "/api/v1/inventory/counts", new { plant = "PB01", location = "MX-B" })).GetProperty("id").GetString()!;
        return new InventoryState(pa01, pb01, cancel, first, second, countPa01, countPb01);
    }

    private static IEnumerable<Call> InventoryCalls(InventoryState s)
    {
        static Task<HttpResponseMessage> Post(HttpClient http, string path, object body) => Api.Tests.Calls.PostJsonAsync(http, path, body, Guid.NewGuid().ToString());
        var qty = new { value = 1m, unit = "H87" };
        var date = PlantCalendar.PostingDate("PA01", PlantCalendar.Now).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            new("PostStockMovement", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/stock/movements", new { plant = "PA01", lines = new[] { new { kind = "transfer", item = "RM-3001", quantity = qty, location = "", toLocation = "MX-A" } } })),
            // Manual fallback for stock transfers (issue 14): one unit by hand into MX-A; the report binds to ?plant=.
            new("RecordFallbackStockMovement", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/fallback/stock-movements",
                new { plant = "PA01", item = "RM-3001", location = "", toLocation = "MX-A", quantity = qty, occurredAt = TimeProvider.System.GetUtcNow().AddMinutes(-1), reason = "access matrix" })),
            Get("FallbackStockMovementReconciliation", Scopes.InventoryRead, Binding.Plant, "PA01", "/api/v1/fallback/stock-movements?plant=PA01"),
            Get("FallbackStockMovementReconciliation", Scopes.InventoryRead, Binding.Plant, "PB01", "/api/v1/fallback/stock-movements?plant=PB01"),
            Get("FallbackStockMovementReconciliation", Scopes.InventoryRead, Binding.NoPlant, null, "/api/v1/fallback/stock-movements"),
            Get("ListStockBins", Scopes.InventoryRead, Binding.Plant, "PA01", "/api/v1/stock/bins?plant=PA01"),
            Get("ListStockBins", Scopes.InventoryRead, Binding.Plant, "PB01", "/api/v1/stock/bins?plant=PB01"),
            Get("ListStockBins", Scopes.InventoryRead, Binding.NoPlant, null, "/api/v1/stock/bins"),
            Get("ListStockMovements", Scopes.InventoryRead, Binding.Plant, "PA01", "/api/v1/stock/movements?plant=PA01"),
            Get("ListStockMovements", Scopes.InventoryRead, Binding.NoPlant, null, "/api/v1/stock/movements"),
            new("SetInventorySettings", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => http.PutAsJsonAsync("/api/v1/inventory/plants/PB01/settings", new { allowNegativeStock = false, adjustmentApprovalThreshold = 5000m, stagingLocation = "PSA" }, TestContext.Current.CancellationToken)),
            new("SaveStorageLocation", Scopes.InventoryWrite, Binding.AllPlants, null, (http, n) => http.PutAsJsonAsync($"/api/v1/inventory/plants/PA01/locations/MX-{n}", new { name = "Matrix" }, TestContext.Current.CancellationToken)),
            Get("ListStorageLocations", Scopes.InventoryRead, Binding.AllPlants, null, "/api/v1/inventory/plants/PA01/locations"),
            new("CreateReservation", Scopes.InventoryWrite, Binding.AllPlants, null, (http, n) => Post(http, "/api/v1/reservations", new { plant = "PA01", item = "RM-3001", quantity = qty, kind = "outbound-delivery", reference = $"MATRIX-{n}", requirementDate = date })),
            Get("GetReservation", Scopes.InventoryRead, Binding.Plant, "PA01", $"/api/v1/reservations/{s.ReservationPa01}"),
            Get("GetReservation", Scopes.InventoryRead, Binding.Plant, "PB01", $"/api/v1/reservations/{s.ReservationPb01}"),
            Get("ListReservations", Scopes.InventoryRead, Binding.Plant, "PA01", "/api/v1/reservations?plant=PA01"),
            Get("ListReservations", Scopes.InventoryRead, Binding.NoPlant, null, "/api/v1/reservations"),
            new("AllocateReservation", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/reservations/{s.ReservationPa01}/allocations", new { location = "MX-A", quantity = qty })),
            new("CancelReservation", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/reservations/{s.ReservationToCancel}/cancel", new { })),
            new("ChangeAllocation", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/allocations/{s.AllocationToChange}/change", new { quantity = qty })),
            new("CancelAllocation", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/allocations/{s.AllocationToCancel}/cancel", new { })),
            Get("StockAvailability", Scopes.InventoryRead, Binding.Plant, "PA01", $"/api/v1/stock/availability?plant=PA01&item=RM-3001&date={date}"),
            Get("StockAvailability", Scopes.InventoryRead, Binding.Plant, "PB01", $"/api/v1/stock/availability?plant=PB01&item=RM-3001&date={date}"),
            new("CreateCycleCount", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/inventory/counts", new { plant = "PA01", location = "MX-A" })),
            Get("GetCycleCount", Scopes.InventoryRead, Binding.Plant, "PA01", $"/api/v1/inventory/counts/{s.CountPa01}"),
            Get("GetCycleCount", Scopes.InventoryRead, Binding.Plant, "PB01", $"/api/v1/inventory/counts/{s.CountPb01}"),
            new("RecordCountResults", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, $"/api/v1/inventory/counts/{s.CountPb01}/results", new { lines = new[] { new { line = 1, quantity = new { value = 5m, unit = "H87" } } } })),
            Get("InventoryAccuracy", Scopes.KpisRead, Binding.Plant, "PA01", "/api/v1/kpis/inventory-accuracy?plant=PA01"),
            Get("InventoryAccuracy", Scopes.KpisRead, Binding.NoPlant, null, "/api/v1/kpis/inventory-accuracy"),
            new("ReconcileWmsSnapshot", Scopes.InventoryWrite, Binding.AllPlants, null, (http, _) => Post(http, "/api/v1/inventory/reconciliations", new { plant = "PB01", takenAt = TimeProvider.System.GetUtcNow().AddSeconds(-1), lines = Array.Empty<object>() })),
        ];
    }

    private static readonly string[] NoMessages = ["no-such-message"];

    /// <summary>A subscription to a port nobody listens on; no event is published while refused calls run.</summary>
    private static readonly object Hook = HookFor("PA01");

    private static object HookFor(string? plant) => new { url = "http://127.0.0.1:9/hook", eventTypes = new[] { "takt.ledger.journal-entry-posted.v1" }, plant };

    private static Call Get(string endpoint, string scope, Binding binding, string? plant, string path) =>
        new(endpoint, scope, binding, plant, (http, _) => Api.Tests.Calls.GetAsync(http, path));

    private static readonly string[] PlantA = ["PA01"];

    private static readonly string[][] Restrictions = [["*"], ["PA01"], ["PA01", "PB01"]];

    /// <summary>What the call must answer: (status, rule); a null rule means success (2xx).</summary>
    private static (int Status, string? Rule) Expected(Caller caller, Call call)
    {
        if (caller.Scope is null)
            return caller.Name == "anonymous" ? (401, "auth.required") : (401, "api-key.invalid");
        if (caller.Scope != call.Scope)
            return (403, "client.scope-missing");
        var all = caller.Plants!.Contains("*");
        return call.Binding switch
        {
            Binding.AllPlants when !all => (403, "client.plant-restricted"),
            Binding.Owned when !all => (403, "webhook.not-owned"),
            Binding.Supplier when !all => (403, "supplier.client-unknown"),
            Binding.Plant when !all && !caller.Plants!.Contains(call.Plant!) => (403, "client.plant-forbidden"),
            Binding.NoPlant when !all && caller.Plants!.Length > 1 => (403, "client.plant-required"),
            _ => (200, null),
        };
    }

    [Fact]
    public async Task exactly_the_calls_whose_scope_and_plant_fit_succeed_and_every_other_is_refused_without_a_change()
    {
        await Host.RegisterClientAsync("victim", [Scopes.KpisRead], ["PA01"]);
        // Prepared before the webhook exists: the preparation posts journal entries (paid invoices) the webhook would try to deliver.
        var (flows, ledger, invoices, procurement, costVersion, assist) = (await PrepareFlowsAsync(), await PrepareLedgerAsync(), await PrepareInvoicesAsync(), await PrepareProcurementAsync(), await PrepareCostVersionAsync(), await PrepareAssistAsync());
        using var created = await Api.Tests.Calls.PostJsonAsync(Host.Http, "/api/v1/webhooks", Hook, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhook = JsonDocument.Parse(await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("webhook").GetProperty("id").GetString()!;
        var callers = new List<Caller> { new("anonymous", Host.Anonymous, null, null), new("wrong-key", Host.HttpWith("takt_0123456789abcdef_not-the-secret"), null, null) };
        foreach (var (scope, i) in Scopes.All.Order(StringComparer.Ordinal).Select((s, i) => (s, i)))
        {
            foreach (var plants in Restrictions)
            {
                var id = $"m{i}-{string.Join('-', plants).Replace("*", "all", StringComparison.Ordinal).ToLowerInvariant()}";
                var key = await Host.RegisterClientAsync(id, [scope], plants);
                callers.Add(new Caller($"{id} ({scope} for {string.Join(' ', plants)})", Host.HttpWith(key.ApiKey), scope, plants));
            }
        }

        await PrepareOnboardingAsync();
        var calls = Calls(webhook, flows, ledger, invoices, procurement, costVersion, assist);
        var cases = callers.SelectMany(caller => calls.Select(call => (Caller: caller, Call: call, Expected: Expected(caller, call)))).ToList();
        var mismatches = new List<string>();
        var n = 0;

        // 1. Every refused call, between two snapshots: together they change nothing (the audit log aside).
        var before = await Host.SettledSnapshotAsync();
        foreach (var (caller, call, expected) in cases.Where(c => c.Expected.Rule is not null))
        {
            using var response = await call.Send(caller.Http, n++);
            var actual = await Problems.OutcomeAsync(response);
            if (actual != expected)
                mismatches.Add($"{caller} → {call}: expected {expected.Status} {expected.Rule}, got {actual.Status} {actual.Rule}");
        }

        await Host.DrainOutboxAsync();
        var after = await Tables.SnapshotAsync(Host.Store);
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        before.AssertUnchanged(after);

        // 2. Every allowed call succeeds.
        var allowed = cases.Where(c => c.Expected.Rule is null).ToList();
        foreach (var (caller, call, _) in allowed)
        {
            using var response = await call.Send(caller.Http, n++);
            if (!response.IsSuccessStatusCode)
                mismatches.Add($"{caller} → {call}: expected success, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        // Each endpoint is allowed for its scope with all plants; plant-bound ones for the fitting restrictions too.
        Assert.Equal(calls.Count + calls.Count(c => c.Binding == Binding.Plant && c.Plant == "PA01") + calls.Count(c => c.Binding == Binding.Plant) + calls.Count(c => c.Binding == Binding.NoPlant), allowed.Count);

        // 3. The audit log holds every decision: each refused call as denied with its rule.
        var denied = await AuditAsync("denied");
        Assert.Equal(
            cases.Where(c => c.Expected.Rule is not null).GroupBy(c => c.Expected.Rule!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal).OrderBy(p => p.Key, StringComparer.Ordinal),
            denied.GroupBy(d => d.GetProperty("reason").GetString()!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal).OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void every_api_endpoint_that_needs_a_credential_is_in_the_matrix()
    {
        var covered = Calls().Select(c => (c.Endpoint, c.Scope)).ToHashSet();
        var protectedEndpoints = ApiAccess.Table.Where(a => a.Value.Scope is not null).Select(a => (a.Key, a.Value.Scope!));
        Assert.DoesNotContain(protectedEndpoints, e => !covered.Contains(e));
    }

    private async Task<List<JsonElement>> AuditAsync(string decision)
    {
        var records = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await Host.GetAsync<JsonElement[]>($"/api/v1/audit?decision={decision}&after={after}&limit=1000");
            if (page.Length == 0)
                return records;
            records.AddRange(page);
            after = page[^1].GetProperty("seq").GetInt64();
        }
    }
}

public sealed class AccessMatrixOnSqlite(SqliteHost fixture) : AccessMatrixContract<SqliteHost>(fixture);

public sealed class AccessMatrixOnPostgres(PostgresHost fixture) : AccessMatrixContract<PostgresHost>(fixture);
