namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.payables.invoice-received.v1</c>: a supplier invoice or credit note passed the EN 16931 checks and was
/// received for a plant (published once, in the receiving transaction; a resent identical document publishes nothing).
/// </summary>
/// <param name="Invoice">Takt's id of the received document (also the CloudEvents <c>subject</c>).</param>
/// <param name="Plant">Plant code the invoice was received for.</param>
/// <param name="Kind"><c>invoice</c> or <c>credit-note</c>.</param>
/// <param name="Number">The supplier's invoice number (BT-1).</param>
/// <param name="Supplier">The supplier's key: <c>vat:…</c>, <c>legal:…</c>, <c>endpoint:…</c> or <c>name:…</c>.</param>
/// <param name="SupplierName">The seller's name (BT-27).</param>
/// <param name="IssueDate">Issue date (BT-2).</param>
/// <param name="Currency">Invoice currency (BT-5).</param>
/// <param name="Payable">Amount due for payment (BT-115).</param>
/// <param name="LineCount">Number of lines.</param>
/// <param name="Status"><c>received</c> (waits for matching) or <c>blocked</c> (see <paramref name="Duplicate"/>).</param>
/// <param name="OrderReference">Purchase order reference (BT-13), if any.</param>
/// <param name="Duplicate"><c>exact</c> (same supplier, kind and number) or <c>suspected</c> (same supplier, kind and amount, close issue dates).</param>
/// <param name="DuplicateOf">The earlier invoice it duplicates.</param>
public sealed record SupplierInvoiceReceived(
    string Invoice,
    string Plant,
    string Kind,
    string Number,
    string Supplier,
    string SupplierName,
    DateOnly IssueDate,
    string Currency,
    decimal Payable,
    int LineCount,
    string Status,
    string? OrderReference = null,
    string? Duplicate = null,
    string? DuplicateOf = null);

/// <summary>
/// A supplier invoice that did not match its purchase order and goods receipts (or a credit note that did not match
/// its invoice) became an exception: its category, the role it is routed to and its ERP context. The invoice-exception
/// flow starts on it (inputs <c>invoice</c>, <c>supplier</c>, <c>difference</c>, <c>reason</c>, <c>costCenter</c>, <c>route</c>).
/// </summary>
/// <param name="Exception">Takt's id of the exception.</param>
/// <param name="Invoice">The invoice's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Plant">Plant code the invoice was received for.</param>
/// <param name="Number">The supplier's invoice number (BT-1).</param>
/// <param name="Supplier">The procurement supplier's code, else the seller's name.</param>
/// <param name="Category"><c>price-variance</c>, <c>quantity-variance</c>, <c>missing-receipt</c>, <c>missing-po</c>, <c>duplicate-suspected</c>, <c>tax-mismatch</c>, <c>supplier-data-mismatch</c> or <c>arithmetic-error</c>.</param>
/// <param name="Categories">Every category found on the invoice (the first is <paramref name="Category"/>).</param>
/// <param name="Route">The role the exception is routed to: <c>buyer</c>, <c>plant-controller</c>, <c>cost-center-owner</c>, <c>ap-clerk</c>, ….</param>
/// <param name="Difference">The amount at stake in the company currency: the price difference for a price variance, else the invoice's net amount.</param>
/// <param name="Reason">Why, in words (each finding).</param>
/// <param name="CostCenter">The cost center the spend is for (the requisition's cost object, else the invoice's buyer reference), or <c>unassigned</c>.</param>
/// <param name="PurchaseOrder">The purchase order the invoice references, if any.</param>
/// <param name="Buyer">The purchase order's buyer, if any.</param>
/// <param name="Receipts">Goods receipts and returns of the order (ids).</param>
/// <param name="PriorInvoices">Earlier invoices and credit notes of the same order or supplier (ids).</param>
public sealed record InvoiceExceptionRaised(
    string Exception,
    string Invoice,
    string Plant,
    string Number,
    string Supplier,
    string Category,
    IReadOnlyList<string> Categories,
    string Route,
    MoneyValue Difference,
    string Reason,
    string CostCenter,
    string? PurchaseOrder,
    string? Buyer,
    IReadOnlyList<string> Receipts,
    IReadOnlyList<string> PriorInvoices);

/// <summary>
/// A matched supplier invoice (or credit note) was posted: GR/IR against accounts payable with invoice price variance
/// and input tax, in one journal entry; it is payable on its due date.
/// </summary>
/// <param name="Invoice">The invoice's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Kind"><c>invoice</c> or <c>credit-note</c>.</param>
/// <param name="Number">The supplier's invoice number (BT-1).</param>
/// <param name="Supplier">The procurement supplier's code.</param>
/// <param name="PurchaseOrder">The purchase order matched.</param>
/// <param name="Match"><c>three-way</c> or <c>two-way</c>.</param>
/// <param name="Currency">Invoice currency (BT-5).</param>
/// <param name="GrIr">GR/IR cleared (PO price × quantity invoiced; negative for a credit note).</param>
/// <param name="PriceVariance">Invoice price variance (positive: invoiced above the PO price).</param>
/// <param name="Tax">Input tax.</param>
/// <param name="Payable">Amount due (BT-115; negative for a credit note).</param>
/// <param name="JournalEntry">The journal entry posted.</param>
/// <param name="PostingDate">Its posting date.</param>
/// <param name="DueDate">When it is due for payment (BT-9, else the issue date plus the supplier's payment terms).</param>
public sealed record SupplierInvoicePosted(
    string Invoice,
    string Plant,
    string Kind,
    string Number,
    string Supplier,
    string? PurchaseOrder,
    string Match,
    string Currency,
    decimal GrIr,
    decimal PriceVariance,
    decimal Tax,
    decimal Payable,
    string JournalEntry,
    DateOnly PostingDate,
    DateOnly DueDate);

/// <summary>
/// <c>takt.payables.invoice-rejected.v1</c>: an invoice that was an exception was rejected (disputed in its
/// invoice-exception flow, or confirmed a duplicate): it is never posted or paid; its exception is resolved.
/// </summary>
/// <param name="Invoice">The invoice's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Number">The supplier's invoice number (BT-1).</param>
/// <param name="Exception">The exception resolved by the rejection, if one was open.</param>
/// <param name="Decision"><c>rejected</c> (disputed) or <c>duplicate</c> (confirmed a duplicate of <paramref name="DuplicateOf"/>).</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="DecidedBy">Who decided: a person, or <c>flow:</c> and the flow instance.</param>
/// <param name="DuplicateOf">The earlier invoice it duplicates, for a confirmed duplicate.</param>
public sealed record InvoiceRejected(
    string Invoice,
    string Plant,
    string Number,
    string? Exception,
    string Decision,
    string Reason,
    string DecidedBy,
    string? DuplicateOf = null);

/// <summary>A supplier's total in a payment run: what it is paid in one currency (invoices less credit notes).</summary>
public sealed record PaymentRunTotal(string Supplier, string Currency, decimal Amount, int Documents);

/// <summary>
/// <c>takt.payables.payment-run-completed.v1</c>: a payment run paid posted invoices (less credit notes) that were due:
/// each document is marked paid and accounts payable is debited against the bank, one journal entry per currency,
/// in the same transaction. No bank file is written.
/// </summary>
/// <param name="Run">The run's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Plant">Plant code.</param>
/// <param name="DueBy">What was due by this date was proposed.</param>
/// <param name="PaymentDate">The posting date of the payments.</param>
/// <param name="Documents">The invoices and credit notes paid (ids).</param>
/// <param name="Totals">Per supplier and currency.</param>
/// <param name="JournalEntries">The journal entries posted (one per currency).</param>
public sealed record PaymentRunCompleted(
    string Run,
    string Plant,
    DateOnly DueBy,
    DateOnly PaymentDate,
    IReadOnlyList<string> Documents,
    IReadOnlyList<PaymentRunTotal> Totals,
    IReadOnlyList<string> JournalEntries);
