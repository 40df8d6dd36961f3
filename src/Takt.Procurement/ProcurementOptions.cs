namespace Takt.Procurement;

/// <summary>Tolerances and controls of purchasing (company-wide).</summary>
public sealed record ProcurementOptions
{
    /// <summary>A price change of an issued order line by more than this share (of the approved price) needs approval again.</summary>
    public decimal PriceChangeTolerancePercent { get; set; } = 5m;

    /// <summary>A quantity increase of an issued order line by more than this share (of the approved quantity) needs approval again.</summary>
    public decimal QuantityChangeTolerancePercent { get; set; } = 10m;

    /// <summary>A supplier may confirm a quantity this much below or above the order without an exception to the buyer.</summary>
    public decimal ConfirmationQuantityTolerancePercent { get; set; } = 5m;

    /// <summary>A supplier may confirm a delivery date this many days after the requested one without an exception to the buyer.</summary>
    public int ConfirmationDateToleranceDays { get; set; } = 2;

    /// <summary>Receipts may exceed the ordered quantity by this share; more is refused.</summary>
    public decimal OverDeliveryTolerancePercent { get; set; } = 5m;

    /// <summary>A line counts as delivered (closed) when its receipts reach the ordered quantity less this share.</summary>
    public decimal UnderDeliveryTolerancePercent { get; set; } = 2m;

    /// <summary>Segregation of duties: the person who approved an order may not receive goods against it.</summary>
    public bool ApproverMayNotReceive { get; set; } = true;

    /// <summary>The flow standard that approves requisitions and orders.</summary>
    public string ApprovalFlow { get; set; } = "requisition-approval";

    /// <summary>
    /// The flow standard that carries an expedite after its approval (release, supplier confirmation, undo). Its plant
    /// <c>approvalThreshold</c> also bounds what an expedite may be approved by policy: an expedite above the lower of the
    /// two thresholds is routed to <see cref="ApprovalFlow"/>, so one requisition has exactly one approval route.
    /// </summary>
    public string ExpediteFlow { get; set; } = "expedite-procurement-approval";

    /// <summary>The delegation-of-authority matrix the approval flow routes by.</summary>
    public string ApprovalMatrix { get; set; } = "procurement";
}
