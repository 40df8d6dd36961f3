using Takt.Contracts;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>A supplier: who we buy from, in which currency, on which payment terms, and which API client speaks for it.</summary>
/// <param name="ClientId">The registered API client that is this supplier (it sees and updates only its own orders); none when it does not use the API.</param>
/// <param name="Risk">Supplier risk as the approval matrix reads it: <c>low</c>, <c>medium</c> or <c>high</c>.</param>
public sealed record SupplierView(string Code, string Name, string Currency, int PaymentTermsDays, string Risk, string? ClientId);

/// <summary>What a requisition is for: how it came about.</summary>
public static class RequisitionKinds
{
    public const string Manual = "manual";
    public const string Planning = "planning";
    public const string Expedite = "expedite";
}

/// <summary>A requisition to create (by hand, from planning, or as an expedite after a disruption).</summary>
/// <param name="Kind"><c>manual</c>, <c>planning</c> or <c>expedite</c>.</param>
/// <param name="Item">The material (an item number), or null for a service.</param>
/// <param name="Service">What service is needed, when it is not an item.</param>
/// <param name="Quantity">How much, in <paramref name="Unit"/> (UN/ECE Rec 20).</param>
/// <param name="CostObject">Cost center, production order or project the spend is for.</param>
/// <param name="Category">Spend category the budget and the approval matrix read: <c>direct</c>, <c>indirect</c>, <c>MRO</c>, ….</param>
/// <param name="EstimatedValue">Estimated value in the company currency.</param>
/// <param name="Supplier">The preferred supplier (the purchase order groups requisitions by it).</param>
/// <param name="Urgency">For expedites: how urgent (<c>expedite</c>, <c>critical</c>).</param>
/// <param name="Reason">For expedites: why.</param>
/// <param name="Disruption">For expedites: the disruption (event id, machine-down …) that caused it.</param>
/// <param name="Requester">The person asking; segregation of duties keeps them from approving it.</param>
public sealed record RequisitionDraft(
    string Kind,
    string Plant,
    string? Item,
    string? Service,
    decimal Quantity,
    string Unit,
    DateOnly NeedDate,
    string CostObject,
    string Category,
    Money EstimatedValue,
    string Requester,
    string? Supplier = null,
    string? Urgency = null,
    string? Reason = null,
    string? Disruption = null);

/// <summary>A requisition with its approval routing, as stored.</summary>
/// <param name="Status"><c>pending-approval</c>, <c>approved</c>, <c>rejected</c>, <c>ordered</c> or <c>cancelled</c>.</param>
/// <param name="Routing">Why it went the way it did: the plant threshold, each approval matrix rule that applied, the budget check.</param>
/// <param name="OverBudget">True when the commitment with this requisition exceeds the plant/category budget (routed one level higher).</param>
/// <param name="ApprovalInstance">The approval flow instance, when it needed one.</param>
public sealed record RequisitionView(
    string Number,
    string Kind,
    string Status,
    string Plant,
    string? Item,
    string? Service,
    decimal Quantity,
    string Unit,
    DateOnly NeedDate,
    string CostObject,
    string Category,
    decimal EstimatedValue,
    string Currency,
    string? Supplier,
    string? Urgency,
    string? Reason,
    string? Disruption,
    string Requester,
    IReadOnlyList<string> Routing,
    bool OverBudget,
    string? ApprovalInstance,
    string? PurchaseOrder,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt);

/// <summary>A purchase order line with what was received against it (net of returns) and its GR/IR value.</summary>
/// <param name="Price">Price per unit in the order's currency.</param>
/// <param name="Received">Quantity received net of returns, in <paramref name="Unit"/>.</param>
/// <param name="GrIrAmount">The GR/IR clearing credit of the net receipts: <paramref name="Received"/> × <paramref name="Price"/>, rounded per receipt.</param>
/// <param name="ConfirmedQuantity">What the supplier confirmed, when it changed the quantity.</param>
/// <param name="ConfirmedDate">The delivery date the supplier confirmed, when it changed it.</param>
public sealed record PurchaseOrderLineView(
    int Line,
    string Item,
    decimal Quantity,
    string Unit,
    decimal Price,
    string Currency,
    DateOnly DeliveryDate,
    decimal Received,
    decimal GrIrAmount,
    string? Requisition,
    decimal? ConfirmedQuantity,
    DateOnly? ConfirmedDate);

/// <summary>A purchase order.</summary>
/// <param name="Status"><c>pending-approval</c>, <c>issued</c>, <c>confirmed</c>, <c>rejected</c>, <c>cancelled</c> or <c>closed</c>.</param>
/// <param name="Revision">1 when issued; each approved change adds one.</param>
/// <param name="Acknowledgement">The supplier's last answer: <c>accepted</c>, <c>changed</c> or <c>rejected</c>.</param>
public sealed record PurchaseOrderView(
    string Number,
    string Plant,
    string Supplier,
    string Currency,
    string Incoterms,
    string Category,
    string Status,
    string Buyer,
    string? ApprovedBy,
    int Revision,
    string? Acknowledgement,
    DateTimeOffset CreatedAt,
    DateTimeOffset? IssuedAt,
    IReadOnlyList<PurchaseOrderLineView> Lines);

/// <summary>
/// A goods receipt (or a return to the supplier) of one purchase order line and what it posted: Inventory at standard,
/// GR/IR clearing at the PO price, the difference as purchase price variance (DESIGN §3). A return carries the same
/// amounts with the opposite sign.
/// </summary>
/// <param name="Kind"><c>receipt</c> or <c>return</c>.</param>
/// <param name="Quantity">Signed: negative for a return.</param>
/// <param name="StockType"><c>unrestricted</c> or <c>quality-inspection</c>.</param>
/// <param name="GrIrAmount">Signed GR/IR credit (PO price × quantity).</param>
/// <param name="InventoryAmount">Signed Inventory debit (standard cost × quantity).</param>
/// <param name="PriceVariance">Signed purchase price variance: GR/IR − Inventory (positive: paid more than standard).</param>
/// <param name="Reverses">For a return: the receipt it reverses.</param>
public sealed record GoodsReceiptView(
    string Id,
    string Kind,
    string Order,
    int Line,
    string? Asn,
    string Plant,
    string Item,
    decimal Quantity,
    string Unit,
    string StockType,
    string Currency,
    decimal GrIrAmount,
    decimal InventoryAmount,
    decimal PriceVariance,
    string? JournalEntry,
    string? Reverses,
    DateOnly PostingDate,
    DateTimeOffset CreatedAt)
{
    /// <summary>Set when the receipt was matched to one recorded by hand during an outage (manual fallback).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ReceiptFallbackMatch? Fallback { get; init; }
}

/// <summary>
/// Requisitions, purchase orders, supplier updates and goods receipts. The reads that take a transaction run inside the
/// caller's (invoice matching reads orders and receipts in the transaction that posts the invoice).
/// </summary>
public interface IProcurement
{
    /// <summary>Open purchase order lines (issued or confirmed, not fully received) of the plants: what planning counts as scheduled receipts.</summary>
    async Task<IReadOnlyList<OpenPurchaseLine>> OpenLinesAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "p.plant", plants);
        var lines = new List<OpenPurchaseLine>();
        await using var reader = await transaction.Command(
            $"SELECT p.number, l.line, p.plant, l.item, COALESCE(l.confirmed_quantity_e6, l.quantity_e6) - l.received_e6, COALESCE(l.confirmed_date, l.delivery_date) FROM proc_po_line l JOIN proc_po p ON p.number = l.po WHERE p.status IN ('issued', 'confirmed') AND {plantIn} ORDER BY p.number, l.line",
            plantArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var open = Fixed.FromE6(reader.GetInt64(4));
            if (open > 0)
                lines.Add(new OpenPurchaseLine(reader.GetString(0), (int)reader.GetInt64(1), reader.GetString(2), reader.GetString(3), open, Instants.FromDateKey((int)reader.GetInt64(5))));
        }

        return lines;
    }

    /// <summary>Creates a requisition in the caller's transaction (planning and the outage scenario call this), routed for approval.</summary>
    Task<Outcome<RequisitionView>> CreateRequisitionAsync(StoreTransaction transaction, RequisitionDraft draft, CancellationToken ct);

    Task<RequisitionView?> RequisitionAsync(StoreTransaction transaction, string number, CancellationToken ct);

    Task<SupplierView?> SupplierAsync(StoreTransaction transaction, string code, CancellationToken ct);

    /// <summary>Purchase orders by number with their lines and net received quantities (missing numbers are left out).</summary>
    Task<IReadOnlyDictionary<string, PurchaseOrderView>> PurchaseOrdersAsync(StoreTransaction transaction, IReadOnlyCollection<string> numbers, CancellationToken ct);

    /// <summary>Receipts and returns of the purchase orders, oldest first.</summary>
    Task<IReadOnlyList<GoodsReceiptView>> ReceiptsAsync(StoreTransaction transaction, IReadOnlyCollection<string> orders, CancellationToken ct);

    /// <summary>Creates many requisitions in the caller's transaction: all or none.</summary>
    Task<Outcome<IReadOnlyList<RequisitionView>>> CreateRequisitionsAsync(StoreTransaction transaction, IReadOnlyList<RequisitionDraft> drafts, CancellationToken ct);

    /// <summary>Orders approved requisitions: one purchase order per supplier, plant and category, issued to the supplier.</summary>
    Task<Outcome<IReadOnlyList<PurchaseOrderView>>> OrderRequisitionsAsync(StoreTransaction transaction, OrderRequisitions request, CancellationToken ct);

    /// <summary>An order without requisition, routed for approval like a requisition of its value.</summary>
    Task<Outcome<PurchaseOrderView>> CreateDirectOrderAsync(StoreTransaction transaction, DirectOrder request, CancellationToken ct);

    /// <summary>Changes an issued order: within tolerance issued at once as the next revision, outside it approved again.</summary>
    Task<Outcome<PurchaseOrderView>> ChangeOrderAsync(StoreTransaction transaction, string number, OrderChange change, CancellationToken ct);

    /// <summary>Posts a goods receipt of one order line (Inventory at standard, GR/IR at PO price, price variance).</summary>
    Task<Outcome<GoodsReceiptView>> ReceiveAsync(StoreTransaction transaction, ReceiveGoods request, CancellationToken ct);

    /// <summary>Returns (part of) a receipt to the supplier: the exact opposite posting.</summary>
    Task<Outcome<GoodsReceiptView>> ReturnAsync(StoreTransaction transaction, ReturnGoods request, CancellationToken ct);

    /// <summary>A supplier's acknowledgement; <paramref name="client"/> is the supplier's client (null: an operator acting for any supplier).</summary>
    Task<Outcome<SupplierMessageResult>> AcknowledgeAsync(StoreTransaction transaction, string? client, string number, Acknowledgement message, CancellationToken ct);

    /// <summary>A supplier's advance shipping notice; <paramref name="client"/> as for acknowledgements.</summary>
    Task<Outcome<SupplierMessageResult>> ShipAsync(StoreTransaction transaction, string? client, string number, ShippingNotice message, CancellationToken ct);

    /// <summary>Exceptions raised to the buyer about an order.</summary>
    Task<IReadOnlyList<ProcurementException>> ExceptionsAsync(StoreTransaction transaction, string number, CancellationToken ct);

    Task<Outcome<SupplierView>> SaveSupplierAsync(StoreTransaction transaction, SupplierView supplier, CancellationToken ct);

    /// <summary>Sets the budget of a plant and spend category (company currency).</summary>
    Task<Outcome<ProcurementBudget>> SetBudgetAsync(StoreTransaction transaction, ProcurementBudget budget, CancellationToken ct);

    /// <summary>Whether receipts of an item go to quality-inspection stock.</summary>
    Task SetInspectionAsync(StoreTransaction transaction, string item, bool requiresInspection, CancellationToken ct);

    /// <summary>Approval turnaround and purchase order cycle time by plant.</summary>
    Task<ProcurementKpis> KpisAsync(TaktStore store, string? plant, CancellationToken ct);

    /// <summary>
    /// The GR/IR each receipt and return of the plants credited up to a posting date (signed: a return negative, in the
    /// order currency), oldest first, read inside the caller's transaction: the GR/IR subledger before invoicing.
    /// </summary>
    async Task<IReadOnlyList<GrIrReceipt>> GrIrReceiptsAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, DateOnly until, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "plant", plants, 2);
        var rows = new List<GrIrReceipt>();
        await using var reader = await transaction.Command(
            $"SELECT id, po, line, plant, currency, grir_e4, posting_date FROM proc_receipt WHERE posting_date <= $1 AND {plantIn} ORDER BY posting_date, created_at_us, id",
            until.ToDateKey(), plantArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new GrIrReceipt(reader.GetString(0), reader.GetString(1), checked((int)reader.GetInt64(2)), reader.GetString(3), reader.GetString(4), Fixed.FromE4(reader.GetInt64(5)),
                Instants.FromDateKey(checked((int)reader.GetInt64(6)))));
        }

        return rows;
    }

    /// <summary>Exceptions raised to buyers on the plants' purchase orders up to an instant and still open, oldest first.</summary>
    async Task<IReadOnlyList<ProcurementException>> OpenExceptionsAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, DateTimeOffset until, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "p.plant", plants, 2);
        var rows = new List<ProcurementException>();
        await using var reader = await transaction.Command(
            $"SELECT e.id, e.po, e.kind, e.detail, e.status, e.created_at_us FROM proc_exception e JOIN proc_po p ON p.number = e.po WHERE e.status = 'open' AND e.created_at_us <= $1 AND {plantIn} ORDER BY e.created_at_us, e.id",
            until.ToUnixMicroseconds(), plantArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new ProcurementException(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), Instants.FromUnixMicroseconds(reader.GetInt64(5))));
        return rows;
    }
}

/// <summary>The GR/IR a receipt (or a return, negative) credited on a purchase order line, in the order currency, and its posting date.</summary>
public sealed record GrIrReceipt(string Receipt, string Order, int Line, string Plant, string Currency, decimal GrIr, DateOnly PostingDate);

/// <summary>An open purchase order line: what is still to come, and when.</summary>
public sealed record OpenPurchaseLine(string Order, int Line, string Plant, string Item, decimal Open, DateOnly DeliveryDate);

/// <summary>A budget per plant and spend category (company currency).</summary>
public sealed record ProcurementBudget(string Plant, string Category, decimal Amount, string Currency);

/// <summary>Percentiles of a duration in hours (nearest rank) over <paramref name="Count"/> cases.</summary>
public sealed record DurationPercentiles(long Count, double P50Hours, double P90Hours);

/// <summary>
/// Procurement KPIs of one plant: approval turnaround (requisition created → approved or rejected; policy approvals
/// take no time and are counted apart) and PO cycle time (requisition → order → first receipt).
/// </summary>
public sealed record ProcurementPlantKpis(
    string Plant,
    long Requisitions,
    long ApprovedByPolicy,
    DurationPercentiles ApprovalTurnaround,
    DurationPercentiles RequisitionToOrder,
    DurationPercentiles OrderToReceipt,
    DurationPercentiles RequisitionToReceipt);

public sealed record ProcurementKpis(IReadOnlyList<ProcurementPlantKpis> Plants);
