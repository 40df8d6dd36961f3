using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takt.Contracts.Events;

/// <summary>
/// Source-generated JSON for every event's <c>data</c>, with the settings of <see cref="EventTypes.Json"/> (which
/// resolves through it): each posting writes these, and validation and subscribers read them, thousands of times
/// a second, without reflection.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(MaterialIssued))]
[JsonSerializable(typeof(OperationConfirmed))]
[JsonSerializable(typeof(YieldReported))]
[JsonSerializable(typeof(JournalEntryPosted))]
[JsonSerializable(typeof(StockMoved))]
[JsonSerializable(typeof(OrchestrationSignal))]
[JsonSerializable(typeof(OrchestrationTaskCreated))]
[JsonSerializable(typeof(OrchestrationInstanceCompleted))]
[JsonSerializable(typeof(PurchaseOrderIssued))]
[JsonSerializable(typeof(PurchaseOrderConfirmed))]
[JsonSerializable(typeof(ClientSilent))]
[JsonSerializable(typeof(ClientResumed))]
[JsonSerializable(typeof(ProductionOrderCreated))]
[JsonSerializable(typeof(ProductionOrderReleased))]
[JsonSerializable(typeof(ProductionOrderHeld))]
[JsonSerializable(typeof(ProductionOrderHoldReleased))]
[JsonSerializable(typeof(ProductionScrapRecorded))]
[JsonSerializable(typeof(ProductionOrderTechnicallyCompleted))]
[JsonSerializable(typeof(ProductionOrderSettled))]
[JsonSerializable(typeof(CostVersionReleased))]
[JsonSerializable(typeof(SupplierInvoiceReceived))]
[JsonSerializable(typeof(InvoiceExceptionRaised))]
[JsonSerializable(typeof(InvoiceRejected))]
[JsonSerializable(typeof(PaymentRunCompleted))]
[JsonSerializable(typeof(SupplierInvoicePosted))]
[JsonSerializable(typeof(GoodsReceived))]
[JsonSerializable(typeof(PickInstructed))]
[JsonSerializable(typeof(PickChanged))]
[JsonSerializable(typeof(PickCancelled))]
[JsonSerializable(typeof(WmsPicked))]
[JsonSerializable(typeof(WmsPutAway))]
[JsonSerializable(typeof(WmsMoved))]
[JsonSerializable(typeof(WmsCounted))]
[JsonSerializable(typeof(StockAdjustmentRequested))]
[JsonSerializable(typeof(MachineDown))]
[JsonSerializable(typeof(MachineUp))]
[JsonSerializable(typeof(OrderRescheduled))]
[JsonSerializable(typeof(PlanCommitted))]
[JsonSerializable(typeof(PlanningRequisitionCreated))]
[JsonSerializable(typeof(CostVarianceExpected))]
[JsonSerializable(typeof(AnomalyDetected))]
public sealed partial class EventJson : JsonSerializerContext;
