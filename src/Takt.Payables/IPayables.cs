using Takt.Integration.Gateway;
using Takt.Payables.Invoices;
using Takt.Store;

namespace Takt.Payables;

/// <summary>A received supplier invoice or credit note: its header, totals and state.</summary>
/// <param name="Id">Takt's id of the document.</param>
/// <param name="Supplier">The supplier's key (<see cref="SupplierInvoice.SupplierKey"/>).</param>
/// <param name="Status"><c>received</c> (waits for matching) or <c>blocked</c> (a duplicate, see <paramref name="Duplicate"/>).</param>
/// <param name="Duplicate"><c>exact</c> (same supplier, kind and number as <paramref name="DuplicateOf"/>) or <c>suspected</c> (same supplier, kind and amount due, issue dates within the window).</param>
/// <param name="Replayed">True when this answer is for a document received before (the same bytes for the same plant): nothing was written.</param>
/// <param name="MatchState">What matching made of it: <c>posted</c> (matched and posted, payable on its due date) or <c>exception</c> (blocked, routed to its flow).</param>
public sealed record InvoiceReceipt(
    string Id,
    string Plant,
    string Kind,
    string Number,
    string Supplier,
    string SupplierName,
    DateOnly IssueDate,
    DateOnly? DueDate,
    string Currency,
    decimal LineExtension,
    decimal TaxExclusive,
    decimal TaxTotal,
    decimal TaxInclusive,
    decimal Payable,
    int LineCount,
    string Status,
    string? Duplicate,
    string? DuplicateOf,
    string? OrderReference,
    string Format,
    DateTimeOffset ReceivedAt,
    bool Replayed = false,
    string? MatchState = null);

/// <summary>One invoice with the whole document as received (JSON form).</summary>
public sealed record InvoiceDetail(InvoiceReceipt Invoice, SupplierInvoice Document);

/// <summary>Accounts payable: supplier invoice intake; each received invoice is matched in the same transaction (<see cref="Matching.IInvoiceMatching"/>).</summary>
public interface IPayables
{
    /// <summary>
    /// Receives a checked invoice for a plant in one transaction (invoice, lines, process-log event, outbox event), or
    /// answers the problem that refuses it (nothing written). The same document again for the same plant is a replay.
    /// </summary>
    Task<(InvoiceReceipt? Receipt, Problem? Problem)> ReceiveAsync(TaktStore store, string plant, CheckedInvoice document, string? clientId, CancellationToken ct);

    /// <summary>Received invoices, newest first, of one plant (or all) and one status (or all).</summary>
    Task<IReadOnlyList<InvoiceReceipt>> InvoicesAsync(TaktStore store, string? plant, string? status, int limit, CancellationToken ct);

    Task<InvoiceDetail?> InvoiceAsync(TaktStore store, string id, CancellationToken ct);
}
