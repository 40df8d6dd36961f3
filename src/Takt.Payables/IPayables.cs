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

    /// <summary>
    /// The GR/IR that posted invoices and credit notes of the plants cleared per purchase order line up to a posting
    /// date (signed: a credit note negative, in the invoice currency), read inside the caller's transaction: the close
    /// takes it from the GR/IR of the receipts to find the open items.
    /// </summary>
    async Task<IReadOnlyList<InvoicedGrIr>> InvoicedGrIrAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, DateOnly until, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "m.plant", plants, 2);
        var rows = new List<InvoicedGrIr>();
        await using var reader = await transaction.Command(
            $"SELECT l.po, l.po_line, l.grir, m.currency, m.posting_date, m.invoice_id FROM payables_match_line l JOIN payables_match m ON m.invoice_id = l.invoice_id WHERE m.state = 'posted' AND m.posting_date <= $1 AND {plantIn} ORDER BY m.posting_date, m.invoice_id",
            until.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), plantArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new InvoicedGrIr(reader.GetString(0), checked((int)reader.GetInt64(1)), Matching.InvoiceMatcher.Dec(reader.GetString(2)), reader.GetString(3),
                DateOnly.ParseExact(reader.GetString(4), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), reader.GetString(5)));
        }

        return rows;
    }

    /// <summary>Invoice exceptions of the plants raised up to an instant and still open, oldest first.</summary>
    async Task<IReadOnlyList<OpenInvoiceException>> OpenExceptionsAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, DateTimeOffset until, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "plant", plants, 2);
        var rows = new List<OpenInvoiceException>();
        await using var reader = await transaction.Command(
            $"SELECT id, invoice_id, plant, category, reason, raised_at_us FROM payables_exception WHERE status = 'open' AND raised_at_us <= $1 AND {plantIn} ORDER BY raised_at_us, id",
            until.ToUnixMicroseconds(), plantArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new OpenInvoiceException(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), Instants.FromUnixMicroseconds(reader.GetInt64(5))));
        return rows;
    }
}

/// <summary>GR/IR a posted invoice (or credit note, negative) cleared on a purchase order line, in the invoice currency.</summary>
public sealed record InvoicedGrIr(string Order, int Line, decimal GrIr, string Currency, DateOnly PostingDate, string Invoice);

/// <summary>An invoice exception still open: which invoice, its category and reason, when it was raised.</summary>
public sealed record OpenInvoiceException(string Id, string Invoice, string Plant, string Category, string Reason, DateTimeOffset RaisedAt);
