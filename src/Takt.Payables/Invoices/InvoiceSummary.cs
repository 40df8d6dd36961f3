using System.Text.Json;
using System.Text.Json.Serialization;
using Takt.Contracts;

namespace Takt.Payables.Invoices;

/// <summary>
/// What <c>takt invoices parse FILE... --json</c> prints for one file: the extracted header and totals, and the broken
/// rules when there are any (<c>violations</c> is left out when the invoice is clean). Amounts are in the invoice
/// currency; <see cref="TaxAmount"/> is BT-110, the VAT total in the invoice currency.
/// </summary>
public sealed record InvoiceSummary(
    string File,
    string? InvoiceNumber,
    DateOnly? IssueDate,
    string? SupplierName,
    string? Currency,
    int? LineCount,
    decimal? LineExtensionAmount,
    decimal? TaxExclusiveAmount,
    decimal? TaxAmount,
    decimal? PayableAmount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Violation>? Violations)
{
    /// <summary>
    /// camelCase; every named field is written (null when absent) except an empty <c>violations</c>; text as it reads
    /// (a terminal or a file, not HTML), so <c>&lt;!DOCTYPE …&gt;</c> in a detail is not escaped.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static InvoiceSummary Of(string file, CheckedInvoice checkedInvoice)
    {
        var invoice = checkedInvoice.Invoice;
        IReadOnlyList<Violation> violations = checkedInvoice.Problem is { } problem ? [.. problem.Errors, .. checkedInvoice.Violations] : checkedInvoice.Violations;
        return new InvoiceSummary(
            file,
            invoice?.Number,
            invoice?.IssueDate,
            invoice?.Supplier.Name,
            invoice?.Currency,
            invoice?.Lines.Count,
            invoice?.Totals.LineExtension,
            invoice?.Totals.TaxExclusive,
            invoice?.TaxTotal,
            invoice?.Totals.Payable,
            violations.Count == 0 ? null : violations);
    }

    /// <summary>Reads a file as UBL (or the JSON form when it starts with '{') and summarizes it; reads nothing else.</summary>
    public static async Task<InvoiceSummary> ParseFileAsync(string path, PayablesOptions options, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return new InvoiceSummary(path, null, null, null, null, null, null, null, null, null, [new Violation("", "file.not-found", $"'{path}' does not exist.")]);
        if (info.Length > options.MaxDocumentBytes)
            return new InvoiceSummary(path, null, null, null, null, null, null, null, null, null, [new Violation("", "payload.too-large", $"The file has {info.Length} bytes; invoices are read up to {options.MaxDocumentBytes}.")]);
        var body = await System.IO.File.ReadAllBytesAsync(path, ct);
        return Of(path, LooksLikeJson(body) ? InvoiceDocuments.CheckJson(body, options) : InvoiceDocuments.CheckUbl(body, options));
    }

    internal static bool LooksLikeJson(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            body = body[3..];
        var first = body.TrimStart(" \t\r\n"u8);
        return first.Length > 0 && first[0] == (byte)'{';
    }
}
