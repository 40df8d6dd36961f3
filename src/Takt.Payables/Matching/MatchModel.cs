using Takt.Store;

namespace Takt.Payables.Matching;

/// <summary>The categories of an invoice exception, in the order that decides an exception's main category and route.</summary>
public static class ExceptionCategories
{
    public const string DuplicateSuspected = "duplicate-suspected";
    public const string SupplierDataMismatch = "supplier-data-mismatch";
    public const string MissingPo = "missing-po";
    public const string ArithmeticError = "arithmetic-error";
    public const string TaxMismatch = "tax-mismatch";
    public const string MissingReceipt = "missing-receipt";
    public const string QuantityVariance = "quantity-variance";
    public const string PriceVariance = "price-variance";

    /// <summary>Every category; the first one an invoice has is its main category.</summary>
    public static IReadOnlyList<string> All { get; } =
        [DuplicateSuspected, SupplierDataMismatch, MissingPo, ArithmeticError, TaxMismatch, MissingReceipt, QuantityVariance, PriceVariance];
}

/// <summary>One reason an invoice did not match: its category, the invoice field (JSON Pointer into the JSON form) and why.</summary>
public sealed record MatchFinding(string Category, string Field, string Detail);

/// <summary>What the invoice's exception is about, with its ERP context: what an advisor reads.</summary>
/// <param name="Difference">The amount at stake: for a price or quantity variance (and nothing else) the price difference plus the excess quantity at the order price; else the invoice's net amount.</param>
/// <param name="Receipts">Goods receipts and returns of the order (ids).</param>
/// <param name="PriorInvoices">Other invoices and credit notes of the order (ids).</param>
public sealed record InvoiceExceptionContext(
    string Invoice,
    string Plant,
    string Number,
    string Supplier,
    string? PurchaseOrder,
    string? Buyer,
    string CostCenter,
    string Category,
    string Route,
    IReadOnlyList<MatchFinding> Findings,
    decimal Difference,
    string Currency,
    IReadOnlyList<string> Receipts,
    IReadOnlyList<string> PriorInvoices,
    string? Exception = null,
    InvoiceExceptionFeatures? Features = null);

/// <summary>What an advisor reads about an exception besides its findings; deviations are fractions (0.12 = 12 %).</summary>
/// <param name="PriceDeviation">(invoiced unit price − order price) ÷ order price, the largest of the lines.</param>
/// <param name="QuantityDeviation">(invoiced so far − received) ÷ received, the largest of the lines.</param>
/// <param name="SameAmountRecent">Other invoices of the supplier with the same amount due, issued within 30 days.</param>
/// <param name="TaxRateDelta">|invoiced − expected tax rate| (0.05 = 5 points), the largest of the lines.</param>
/// <param name="SupplierExceptionRate">Share of the supplier's other matched invoices that were exceptions.</param>
/// <param name="NetValue">The invoice's net amount in the company currency.</param>
/// <param name="Description">The line descriptions.</param>
public sealed record InvoiceExceptionFeatures(double PriceDeviation, double QuantityDeviation, bool ReceiptMissing, int SameAmountRecent, double TaxRateDelta,
    double SupplierExceptionRate, decimal NetValue, string Description);

/// <summary>An advisor's suggestion on an exception: recorded with it and shown to the person, never acted on by itself.</summary>
/// <param name="Category">The category the advisor thinks fits.</param>
/// <param name="Route">The role the advisor would route it to.</param>
/// <param name="Confidence">0 to 1.</param>
/// <param name="Advisor">Who advised (model or service name and version).</param>
/// <param name="Suggestion">The advisor's record of the suggestion (e.g. the AI service's suggestion id), if it keeps one.</param>
/// <param name="PersonOnly">True when the advisor itself says a person must decide (low confidence, unapproved model).</param>
public sealed record InvoiceExceptionAdvice(string Category, string Route, double Confidence, string Advisor, string? Rationale = null, string? Suggestion = null, bool PersonOnly = true);

/// <summary>
/// The classification hook for an AI service: asked once when an exception is raised, inside the raising transaction
/// (so the advisor may record its suggestion with it; it must not train or call out there). Its answer is recorded on
/// the exception; the category and route Takt found stay in force (it never decides). The default advisor gives no advice.
/// </summary>
public interface IInvoiceExceptionAdvisor
{
    Task<InvoiceExceptionAdvice?> AdviseAsync(StoreTransaction transaction, InvoiceExceptionContext exception, CancellationToken ct);
}

/// <summary>No advice: the default until an AI service registers its advisor.</summary>
internal sealed class NoAdvisor : IInvoiceExceptionAdvisor
{
    public Task<InvoiceExceptionAdvice?> AdviseAsync(StoreTransaction transaction, InvoiceExceptionContext exception, CancellationToken ct) => Task.FromResult<InvoiceExceptionAdvice?>(null);
}

/// <summary>ERP context of an exception: the order, its buyer, the cost center, receipts and other invoices of the order.</summary>
/// <param name="ProductionOrders">
/// The production orders behind the order lines: the one a line's requisition was raised for, and the released orders
/// of the plant the material goes into (as a component).
/// </param>
public sealed record ExceptionErpContext(string? PurchaseOrder, string? Buyer, string CostCenter, IReadOnlyList<string> Receipts, IReadOnlyList<string> PriorInvoices, IReadOnlyList<string>? ProductionOrders = null);

/// <summary>An invoice exception.</summary>
/// <param name="Category">The main category (the first of <see cref="ExceptionCategories.All"/> among the findings).</param>
/// <param name="Route">The role it is routed to (<see cref="PayablesOptions.ExceptionRoutes"/>).</param>
/// <param name="Status"><c>open</c> or <c>resolved</c>.</param>
/// <param name="Resolution">How it was resolved: <c>re-matched</c> (e.g. its goods receipt arrived).</param>
/// <param name="Advice">What the advisor suggested, if one is registered.</param>
public sealed record InvoiceExceptionView(
    string Id,
    string Invoice,
    string Plant,
    string Category,
    IReadOnlyList<string> Categories,
    string Route,
    string Reason,
    IReadOnlyList<MatchFinding> Findings,
    decimal Difference,
    string Currency,
    ExceptionErpContext Context,
    string Status,
    string? Resolution,
    InvoiceExceptionAdvice? Advice,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ResolvedAt);

/// <summary>The match state of an invoice.</summary>
/// <param name="State"><c>posted</c> (matched and posted) or <c>exception</c> (blocked; see <paramref name="Reason"/>).</param>
/// <param name="Supplier">The procurement supplier it was matched to, when known.</param>
/// <param name="MatchKind"><c>three-way</c> or <c>two-way</c>.</param>
/// <param name="Attempts">How often it was matched (intake, re-matches).</param>
/// <param name="Touchless">Posted without ever having been an exception.</param>
/// <param name="GrIr">Signed GR/IR cleared (negative for a credit note).</param>
/// <param name="PriceVariance">Signed invoice price variance (positive: above the PO price).</param>
/// <param name="Payable">Signed amount due (BT-115; negative for a credit note).</param>
/// <param name="PaymentStatus"><c>payable</c> (from <paramref name="DueDate"/>), <c>paid</c> (by <paramref name="PaymentRun"/>), <c>blocked</c> or <c>rejected</c> (see <paramref name="Rejection"/>).</param>
/// <param name="Decisions">Decisions taken on its exceptions (flow outcomes, duplicate decisions).</param>
public sealed record InvoiceMatchView(
    string Invoice,
    string Plant,
    string Kind,
    string State,
    string? Reason,
    string? Supplier,
    string? PurchaseOrder,
    string? MatchKind,
    int Attempts,
    bool Touchless,
    string Currency,
    decimal? GrIr,
    decimal? PriceVariance,
    decimal? Tax,
    decimal Payable,
    string? JournalEntry,
    DateOnly? PostingDate,
    DateOnly DueDate,
    string PaymentStatus,
    DateTimeOffset? PostedAt,
    IReadOnlyList<InvoiceExceptionView> Exceptions,
    string? PaymentRun = null,
    string? Rejection = null,
    IReadOnlyList<InvoiceDecisionView>? Decisions = null);

/// <summary>Re-match an invoice (after its data was fixed or its receipt arrived); posting date defaults to the plant's today.</summary>
public sealed record MatchRequest(DateOnly? PostingDate = null);

/// <summary>A tolerance row: per procurement supplier and spend category (<c>*</c> for any).</summary>
/// <param name="MatchKind"><c>three-way</c> (PO + goods receipt) or <c>two-way</c> (PO only).</param>
/// <param name="QuantityPercent">Over-invoiced quantity allowed, percent of the reference (received or ordered).</param>
/// <param name="QuantityAbsolute">Over-invoiced quantity allowed, in the line's unit.</param>
/// <param name="PricePercent">Unit price difference allowed, percent of the PO price.</param>
/// <param name="PriceAbsolute">Line price difference allowed, in the invoice currency.</param>
public sealed record InvoiceTolerance(string Supplier, string Category, string MatchKind, decimal QuantityPercent, decimal QuantityAbsolute, decimal PricePercent, decimal PriceAbsolute);

/// <summary>A posted invoice due by the proposal's date.</summary>
/// <param name="Amount">Signed amount due (credit notes negative).</param>
public sealed record PaymentProposalLine(string Invoice, string Plant, string Kind, string Number, string Supplier, string SupplierName, string Currency, decimal Amount, DateOnly DueDate, string? PurchaseOrder);

/// <summary>What is due per supplier and currency.</summary>
public sealed record PaymentProposalTotal(string Supplier, string Currency, decimal Amount, int Documents);

/// <summary>A blocked invoice, with why.</summary>
public sealed record BlockedInvoice(string Invoice, string Plant, string Number, string SupplierName, string Currency, decimal Amount, DateOnly DueDate, string Reason);

/// <summary>What is due for payment by a date (no bank file): posted invoices and credit notes, and what stays blocked.</summary>
public sealed record PaymentProposal(DateOnly DueBy, string? Plant, IReadOnlyList<PaymentProposalLine> Due, IReadOnlyList<PaymentProposalTotal> Totals, IReadOnlyList<BlockedInvoice> Blocked);

/// <summary>Payables KPIs of one plant or one supplier (DESIGN §5).</summary>
/// <param name="Key">The plant code or the supplier.</param>
/// <param name="Invoices">Invoices and credit notes matched at least once.</param>
/// <param name="Exceptions">Of these, those not matched automatically (ever an exception).</param>
/// <param name="Touchless">Posted without ever having been an exception (no manual touch).</param>
/// <param name="ExceptionRate">Exceptions ÷ invoices.</param>
/// <param name="TouchlessRate">Touchless ÷ invoices.</param>
/// <param name="Categories">Exceptions per category (every category found on an exception counts).</param>
/// <param name="CycleCount">Posted invoices with a goods receipt: the cases of the cycle time.</param>
/// <param name="CycleP50Hours">Cycle time last goods receipt → invoice posted, median (nearest rank), hours.</param>
/// <param name="Period">The month received (YYYY-MM) for a row by plant and month; null otherwise.</param>
/// <param name="Standing"><c>best-in-class</c>, <c>above-average</c> or <c>below-average</c> (<see cref="PayablesBenchmark"/>).</param>
/// <param name="ExceptionRateVsBestInClass">Exception rate less the best-in-class 10 % (positive: worse).</param>
/// <param name="TouchlessRateVsBestInClass">Touchless rate less the best-in-class 65 % (negative: worse).</param>
public sealed record PayablesKpiRow(
    string Key,
    long Invoices,
    long Exceptions,
    long Touchless,
    long Posted,
    double ExceptionRate,
    double TouchlessRate,
    IReadOnlyDictionary<string, long> Categories,
    long CycleCount,
    double? CycleP50Hours,
    double? CycleP90Hours,
    string? Period = null,
    string? Standing = null,
    double? ExceptionRateVsBestInClass = null,
    double? TouchlessRateVsBestInClass = null);

/// <summary>Payables KPIs by plant, by supplier and by plant and month received (<see cref="PayablesKpiRow.Period"/>), with the benchmark they are read against.</summary>
public sealed record PayablesKpis(IReadOnlyList<PayablesKpiRow> Plants, IReadOnlyList<PayablesKpiRow> Suppliers, IReadOnlyList<PayablesKpiRow>? Periods = null, PayablesBenchmark? Benchmark = null);

/// <summary>
/// Where AP teams stand (issue 9): best in class about 10 % exceptions and 65 % touchless invoices, the average 23 % and 24 %.
/// A row is <c>best-in-class</c> when it meets both best-in-class rates, <c>above-average</c> when it meets both average
/// rates, else <c>below-average</c>.
/// </summary>
public sealed record PayablesBenchmark(double BestInClassExceptionRate, double BestInClassTouchlessRate, double AverageExceptionRate, double AverageTouchlessRate)
{
    public static PayablesBenchmark Default { get; } = new(0.10, 0.65, 0.23, 0.24);

    public static string Standing(double exceptionRate, double touchlessRate) =>
        exceptionRate <= Default.BestInClassExceptionRate && touchlessRate >= Default.BestInClassTouchlessRate ? "best-in-class"
        : exceptionRate <= Default.AverageExceptionRate && touchlessRate >= Default.AverageTouchlessRate ? "above-average"
        : "below-average";
}
