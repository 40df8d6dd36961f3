namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.procurement.purchase-order-issued.v1</c>: a purchase order (or an approved change of it, a new revision) goes
/// to its supplier. The CloudEvents <c>subject</c> is the order number; suppliers receive it through their webhook.
/// </summary>
/// <param name="Order">The purchase order number.</param>
/// <param name="Revision">1 when first issued; each approved change adds one.</param>
/// <param name="Plant">The receiving plant.</param>
/// <param name="Supplier">The supplier's code.</param>
/// <param name="Currency">ISO 4217 currency of the prices.</param>
/// <param name="Incoterms">Incoterms 2020 rule and place, e.g. <c>FCA Augsburg</c>.</param>
/// <param name="Buyer">The buyer responsible for the order.</param>
/// <param name="Lines">The order lines.</param>
public sealed record PurchaseOrderIssued(
    string Order,
    int Revision,
    string Plant,
    string Supplier,
    string Currency,
    string Incoterms,
    string Buyer,
    IReadOnlyList<PurchaseOrderLineData> Lines);

/// <summary>A line of an issued purchase order.</summary>
/// <param name="Line">Line number (1, 2, …).</param>
/// <param name="Item">Item number; empty for a service line.</param>
/// <param name="Quantity">Ordered quantity with its unit.</param>
/// <param name="Price">Price per unit, in the order's currency.</param>
/// <param name="DeliveryDate">Requested delivery date at the plant (for a service: when it is to be performed).</param>
/// <param name="Service">For a service line: the service ordered (absent for items).</param>
public sealed record PurchaseOrderLineData(
    int Line,
    string Item,
    QuantityValue Quantity,
    decimal Price,
    DateOnly DeliveryDate,
    string? Service = null);

/// <summary>
/// <c>takt.procurement.purchase-order-confirmed.v1</c>: the supplier acknowledged a purchase order (accepted it, or
/// accepted it with changes). The CloudEvents <c>subject</c> is the order number: a flow waiting for the confirmation
/// of that order ends its wait.
/// </summary>
/// <param name="Order">The purchase order number.</param>
/// <param name="Plant">The receiving plant.</param>
/// <param name="Supplier">The supplier's code.</param>
/// <param name="Acknowledgement"><c>accepted</c> or <c>changed</c>.</param>
/// <param name="WithinTolerance">False when a change is outside tolerance (an exception went to the buyer).</param>
/// <param name="Requisitions">The requisitions the order's lines came from (absent when none): a flow waiting for the
/// confirmation of a requisition (the expedite standard) ends its wait on these as well as on the subject.</param>
public sealed record PurchaseOrderConfirmed(
    string Order,
    string Plant,
    string Supplier,
    string Acknowledgement,
    bool WithinTolerance,
    IReadOnlyList<string>? Requisitions = null);

/// <summary>
/// <c>takt.procurement.goods-received.v1</c>: a goods receipt of one purchase order line was posted (Inventory at
/// standard, GR/IR at the PO price). The CloudEvents <c>subject</c> is the order number. Invoice matching re-matches the
/// order's waiting invoices on it.
/// </summary>
/// <param name="Receipt">The receipt's id.</param>
/// <param name="Order">The purchase order number.</param>
/// <param name="Line">The order line.</param>
/// <param name="Plant">The receiving plant.</param>
/// <param name="Item">The item received.</param>
/// <param name="Quantity">Quantity received, in the line's unit.</param>
/// <param name="GrIr">GR/IR credit at the PO price.</param>
/// <param name="PostingDate">Posting date of the receipt.</param>
public sealed record GoodsReceived(
    string Receipt,
    string Order,
    int Line,
    string Plant,
    string Item,
    QuantityValue Quantity,
    MoneyValue GrIr,
    DateOnly PostingDate);
