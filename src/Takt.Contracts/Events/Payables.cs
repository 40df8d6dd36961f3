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
