using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Takt.Contracts.Events;

/// <summary>A canonical event type: its CloudEvents <c>type</c> and the CLR record of its <c>data</c>.</summary>
/// <param name="Name">CloudEvents type, <c>takt.&lt;area&gt;.&lt;event&gt;.v&lt;n&gt;</c>.</param>
/// <param name="DataType">The record that <c>data</c> deserializes to.</param>
/// <param name="Inbound">True when external systems may send it through the gateway.</param>
public sealed record EventType(string Name, Type DataType, bool Inbound);

/// <summary>The registry of canonical event types. A new version is a new type; published ones never change.</summary>
public static class EventTypes
{
    /// <summary><see cref="Events.MaterialIssued"/>.</summary>
    public const string MaterialIssued = "takt.production.material-issued.v1";

    /// <summary><see cref="Events.OperationConfirmed"/>.</summary>
    public const string OperationConfirmed = "takt.production.operation-confirmed.v1";

    /// <summary><see cref="Events.YieldReported"/>.</summary>
    public const string YieldReported = "takt.production.yield-reported.v1";

    /// <summary><see cref="Events.JournalEntryPosted"/>.</summary>
    public const string JournalEntryPosted = "takt.ledger.journal-entry-posted.v1";

    /// <summary><see cref="Events.StockMoved"/>.</summary>
    public const string StockMoved = "takt.inventory.stock-moved.v1";

    /// <summary><see cref="Events.OrchestrationSignal"/>.</summary>
    public const string OrchestrationSignal = "takt.orchestration.signal.v1";

    /// <summary><see cref="Events.OrchestrationTaskCreated"/>.</summary>
    public const string OrchestrationTaskCreated = "takt.orchestration.task-created.v1";

    /// <summary><see cref="Events.OrchestrationInstanceCompleted"/>.</summary>
    public const string OrchestrationInstanceCompleted = "takt.orchestration.instance-completed.v1";

    /// <summary><see cref="Events.PurchaseOrderIssued"/>.</summary>
    public const string PurchaseOrderIssued = "takt.procurement.purchase-order-issued.v1";

    /// <summary><see cref="Events.PurchaseOrderConfirmed"/>.</summary>
    public const string PurchaseOrderConfirmed = "takt.procurement.purchase-order-confirmed.v1";

    /// <summary><see cref="Events.ProductionOrderCreated"/>.</summary>
    public const string ProductionOrderCreated = "takt.production.order-created.v1";

    /// <summary><see cref="Events.ProductionOrderReleased"/>.</summary>
    public const string ProductionOrderReleased = "takt.production.order-released.v1";

    /// <summary><see cref="Events.ProductionOrderHeld"/>.</summary>
    public const string ProductionOrderHeld = "takt.production.order-held.v1";

    /// <summary><see cref="Events.ProductionOrderHoldReleased"/>.</summary>
    public const string ProductionOrderHoldReleased = "takt.production.order-hold-released.v1";

    /// <summary><see cref="Events.ProductionScrapRecorded"/>.</summary>
    public const string ProductionScrapRecorded = "takt.production.scrap-recorded.v1";

    /// <summary><see cref="Events.ProductionOrderTechnicallyCompleted"/>.</summary>
    public const string ProductionOrderTechnicallyCompleted = "takt.production.order-technically-completed.v1";

    /// <summary><see cref="Events.ProductionOrderSettled"/>.</summary>
    public const string ProductionOrderSettled = "takt.production.order-settled.v1";

    /// <summary><see cref="Events.CostVersionReleased"/>.</summary>
    public const string CostVersionReleased = "takt.production.cost-released.v1";

    /// <summary><see cref="Events.SupplierInvoiceReceived"/>.</summary>
    public const string SupplierInvoiceReceived = "takt.payables.invoice-received.v1";

    /// <summary><see cref="Events.InvoiceExceptionRaised"/>.</summary>
    public const string InvoiceExceptionRaised = "takt.payables.invoice-exception-raised.v1";

    /// <summary><see cref="Events.SupplierInvoicePosted"/>.</summary>
    public const string SupplierInvoicePosted = "takt.payables.invoice-posted.v1";

    /// <summary><see cref="Events.InvoiceRejected"/>.</summary>
    public const string InvoiceRejected = "takt.payables.invoice-rejected.v1";

    /// <summary><see cref="Events.PaymentRunCompleted"/>.</summary>
    public const string PaymentRunCompleted = "takt.payables.payment-run-completed.v1";

    /// <summary><see cref="Events.GoodsReceived"/>.</summary>
    public const string GoodsReceived = "takt.procurement.goods-received.v1";

    /// <summary><see cref="Events.PickInstructed"/>.</summary>
    public const string PickInstructed = "takt.inventory.pick-instructed.v1";

    /// <summary><see cref="Events.PickChanged"/>.</summary>
    public const string PickChanged = "takt.inventory.pick-changed.v1";

    /// <summary><see cref="Events.PickCancelled"/>.</summary>
    public const string PickCancelled = "takt.inventory.pick-cancelled.v1";

    /// <summary><see cref="Events.WmsPicked"/>.</summary>
    public const string WmsPicked = "takt.inventory.wms-picked.v1";

    /// <summary><see cref="Events.WmsPutAway"/>.</summary>
    public const string WmsPutAway = "takt.inventory.wms-put-away.v1";

    /// <summary><see cref="Events.WmsMoved"/>.</summary>
    public const string WmsMoved = "takt.inventory.wms-moved.v1";

    /// <summary><see cref="Events.WmsCounted"/>.</summary>
    public const string WmsCounted = "takt.inventory.wms-counted.v1";

    /// <summary><see cref="Events.StockAdjustmentRequested"/>.</summary>
    public const string StockAdjustmentRequested = "takt.inventory.stock-adjustment-requested.v1";

    /// <summary><see cref="Events.MachineDown"/>.</summary>
    public const string MachineDown = "takt.production.machine-down.v1";

    /// <summary><see cref="Events.MachineUp"/>.</summary>
    public const string MachineUp = "takt.production.machine-up.v1";

    /// <summary><see cref="Events.OrderRescheduled"/>.</summary>
    public const string OrderRescheduled = "takt.planning.order-rescheduled.v1";

    /// <summary><see cref="Events.PlanCommitted"/>.</summary>
    public const string PlanCommitted = "takt.planning.plan-committed.v1";

    /// <summary><see cref="Events.PlanningRequisitionCreated"/>.</summary>
    public const string PlanningRequisitionCreated = "takt.planning.requisition-created.v1";

    /// <summary><see cref="Events.CostVarianceExpected"/>.</summary>
    public const string CostVarianceExpected = "takt.planning.cost-variance-expected.v1";
    /// <summary><see cref="Events.ClientSilent"/>.</summary>
    public const string ClientSilent = "takt.integration.client-silent.v1";

    /// <summary><see cref="Events.ClientResumed"/>.</summary>
    public const string ClientResumed = "takt.integration.client-resumed.v1";

    /// <summary><see cref="Events.AnomalyDetected"/>.</summary>
    public const string AnomalyDetected = "takt.assist.anomaly-detected.v1";

    /// <summary>Every type, by name.</summary>
    public static FrozenDictionary<string, EventType> All { get; } = new EventType[]
    {
        new(MaterialIssued, typeof(MaterialIssued), Inbound: true),
        new(OperationConfirmed, typeof(OperationConfirmed), Inbound: true),
        new(YieldReported, typeof(YieldReported), Inbound: true),
        new(JournalEntryPosted, typeof(JournalEntryPosted), Inbound: false),
        new(StockMoved, typeof(StockMoved), Inbound: false),
        new(OrchestrationSignal, typeof(OrchestrationSignal), Inbound: false),
        new(OrchestrationTaskCreated, typeof(OrchestrationTaskCreated), Inbound: false),
        new(OrchestrationInstanceCompleted, typeof(OrchestrationInstanceCompleted), Inbound: false),
        new(PurchaseOrderIssued, typeof(PurchaseOrderIssued), Inbound: false),
        new(PurchaseOrderConfirmed, typeof(PurchaseOrderConfirmed), Inbound: false),
        new(ClientSilent, typeof(ClientSilent), Inbound: false),
        new(ClientResumed, typeof(ClientResumed), Inbound: false),
        new(ProductionOrderCreated, typeof(ProductionOrderCreated), Inbound: false),
        new(ProductionOrderReleased, typeof(ProductionOrderReleased), Inbound: false),
        new(ProductionOrderHeld, typeof(ProductionOrderHeld), Inbound: false),
        new(ProductionOrderHoldReleased, typeof(ProductionOrderHoldReleased), Inbound: false),
        new(ProductionScrapRecorded, typeof(ProductionScrapRecorded), Inbound: false),
        new(ProductionOrderTechnicallyCompleted, typeof(ProductionOrderTechnicallyCompleted), Inbound: false),
        new(ProductionOrderSettled, typeof(ProductionOrderSettled), Inbound: false),
        new(CostVersionReleased, typeof(CostVersionReleased), Inbound: false),
        new(SupplierInvoiceReceived, typeof(SupplierInvoiceReceived), Inbound: false),
        new(InvoiceExceptionRaised, typeof(InvoiceExceptionRaised), Inbound: false),
        new(SupplierInvoicePosted, typeof(SupplierInvoicePosted), Inbound: false),
        new(InvoiceRejected, typeof(InvoiceRejected), Inbound: false),
        new(PaymentRunCompleted, typeof(PaymentRunCompleted), Inbound: false),
        new(GoodsReceived, typeof(GoodsReceived), Inbound: false),
        new(PickInstructed, typeof(PickInstructed), Inbound: false),
        new(PickChanged, typeof(PickChanged), Inbound: false),
        new(PickCancelled, typeof(PickCancelled), Inbound: false),
        new(WmsPicked, typeof(WmsPicked), Inbound: true),
        new(WmsPutAway, typeof(WmsPutAway), Inbound: true),
        new(WmsMoved, typeof(WmsMoved), Inbound: true),
        new(WmsCounted, typeof(WmsCounted), Inbound: true),
        new(StockAdjustmentRequested, typeof(StockAdjustmentRequested), Inbound: false),
        new(MachineDown, typeof(MachineDown), Inbound: true),
        new(MachineUp, typeof(MachineUp), Inbound: true),
        new(OrderRescheduled, typeof(OrderRescheduled), Inbound: false),
        new(PlanCommitted, typeof(PlanCommitted), Inbound: false),
        new(PlanningRequisitionCreated, typeof(PlanningRequisitionCreated), Inbound: false),
        new(CostVarianceExpected, typeof(CostVarianceExpected), Inbound: false),
        new(AnomalyDetected, typeof(AnomalyDetected), Inbound: false),
    }.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>
    /// How event data is written and read: camelCase, strict numbers, unknown members rejected, no nulls written.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // The generated metadata first; reflection for anything else (none of the event types today).
        TypeInfoResolver = JsonTypeInfoResolver.Combine(EventJson.Default, new DefaultJsonTypeInfoResolver()),
    };
}
