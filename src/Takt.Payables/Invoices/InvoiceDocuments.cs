using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Payables.Invoices;

/// <summary>The format an invoice arrived in.</summary>
public enum InvoiceFormat
{
    /// <summary>UBL 2.1 XML (Peppol BIS Billing 3.0, EN 16931).</summary>
    Ubl,

    /// <summary>The JSON form (<see cref="SupplierInvoice"/>).</summary>
    Json,
}

/// <summary>
/// An invoice document read and checked: the invoice with its locator and content hash, or the problem that stopped
/// it. <see cref="Violations"/> holds the broken business rules (422); a problem (400/413) means it could not be read.
/// </summary>
public sealed record CheckedInvoice(
    InvoiceFormat Format,
    SupplierInvoice? Invoice,
    InvoiceLocator? Locator,
    string ContentSha256,
    Problem? Problem,
    IReadOnlyList<Violation> Violations)
{
    public bool IsAcceptable => Problem is null && Violations.Count == 0;
}

/// <summary>Reads and checks invoice documents in either format; shared by the API, the CLI and the benchmark.</summary>
public static class InvoiceDocuments
{
    /// <summary>
    /// How the JSON form is read and written: camelCase, strict numbers, unknown members rejected, nulls not written.
    /// Absent members are null (the rules then name what is missing); <see cref="Structure"/> lists those the form needs.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
    };

    /// <summary>Members the JSON form cannot do without (everything else that EN 16931 requires is a rule, BR-xx).</summary>
    public static IReadOnlyList<string> Structure { get; } = ["kind", "supplier", "buyer", "lines", "totals"];

    /// <summary>Reads UBL XML and checks the rules.</summary>
    public static CheckedInvoice CheckUbl(byte[] body, PayablesOptions options)
    {
        var hash = Sha256(body);
        var (read, problem) = UblInvoiceReader.Read(body, options);
        if (problem is not null)
            return new CheckedInvoice(InvoiceFormat.Ubl, null, null, hash, problem, []);
        if (read!.Malformed.Count > 0)
            return new CheckedInvoice(InvoiceFormat.Ubl, read.Invoice, read.Locator, hash, Problem.Malformed(read.Malformed), []);
        return Checked(InvoiceFormat.Ubl, read.Invoice, read.Locator, hash, read.Notes, options);
    }

    /// <summary>Reads the JSON form and checks the rules.</summary>
    public static CheckedInvoice CheckJson(byte[] body, PayablesOptions options)
    {
        var hash = Sha256(body);
        if (!Utf8.IsValid(body))
            return new CheckedInvoice(InvoiceFormat.Json, null, null, hash, Problem.Malformed([new Violation("", "json.malformed", "The body is not valid UTF-8, so it is not JSON.")]), []);
        SupplierInvoice? invoice;
        try
        {
            using (var json = JsonDocument.Parse(body))
            {
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                    return new CheckedInvoice(InvoiceFormat.Json, null, null, hash, Problem.Malformed([new Violation("", "json.invalid", "The body is an invoice object.")]), []);
                var missing = Structure.Where(m => !json.RootElement.TryGetProperty(m, out var v) || v.ValueKind == JsonValueKind.Null).ToList();
                if (missing.Count > 0)
                    return new CheckedInvoice(InvoiceFormat.Json, null, null, hash, Problem.Malformed([.. missing.Select(m => new Violation("/" + m, "json.required", $"The JSON form needs '{m}'."))]), []);
            }

            invoice = JsonSerializer.Deserialize<SupplierInvoice>(body, Json);
            if (invoice is not null)
                invoice = invoice with { AllowanceCharges = invoice.AllowanceCharges ?? [], TaxBreakdown = invoice.TaxBreakdown ?? [] };
        }
        catch (JsonException ex)
        {
            return new CheckedInvoice(InvoiceFormat.Json, null, null, hash, Problem.Malformed([new Violation(Pointer(ex.Path), "json.invalid", $"The body is not an invoice in the JSON form: {ex.Message}")]), []);
        }

        if (invoice is null)
            return new CheckedInvoice(InvoiceFormat.Json, null, null, hash, Problem.Malformed([new Violation("", "json.invalid", "The body is null; send an invoice object.")]), []);
        var malformed = new List<Violation>();
        for (var i = 0; i < invoice.Lines.Count; i++)
        {
            if (invoice.Lines[i] is null)
                malformed.Add(new Violation($"/lines/{i}", "json.invalid", "A line is an object, not null."));
            else if (invoice.Lines[i].AllowanceCharges?.Any(c => c is null) == true)
                malformed.Add(new Violation($"/lines/{i}/allowanceCharges", "json.invalid", "An allowance or charge is an object, not null."));
        }

        malformed.AddRange(invoice.AllowanceCharges.Select((c, i) => (c, i)).Where(x => x.c is null).Select(x => new Violation($"/allowanceCharges/{x.i}", "json.invalid", "An allowance or charge is an object, not null.")));
        malformed.AddRange(invoice.TaxBreakdown.Select((s, i) => (s, i)).Where(x => x.s is null).Select(x => new Violation($"/taxBreakdown/{x.i}", "json.invalid", "A VAT breakdown is an object, not null.")));
        if (malformed.Count > 0)
            return new CheckedInvoice(InvoiceFormat.Json, null, null, hash, Problem.Malformed(malformed), []);
        return Checked(InvoiceFormat.Json, invoice, InvoiceLocator.Json, hash, [], options);
    }

    private static CheckedInvoice Checked(InvoiceFormat format, SupplierInvoice invoice, InvoiceLocator locator, string hash, IReadOnlyList<Violation> notes, PayablesOptions options)
    {
        if (invoice.Lines.Count > options.MaxLines)
        {
            return new CheckedInvoice(format, invoice, locator, hash, Problem.TooLarge(new Violation(locator.Header("lines"), "invoice.too-many-lines",
                $"An invoice may have at most {options.MaxLines.ToString(CultureInfo.InvariantCulture)} lines; this one has {invoice.Lines.Count.ToString(CultureInfo.InvariantCulture)}.")), []);
        }

        return new CheckedInvoice(format, invoice, locator, hash, null, [.. notes, .. InvoiceRules.Check(invoice, locator)]);
    }

    /// <summary>A JSON Pointer for a System.Text.Json path (<c>$.lines[2].quantity</c> → <c>/lines/2/quantity</c>).</summary>
    internal static string Pointer(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return "";
        var pointer = path.TrimStart('$').Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal)
            .Replace("[", ".", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
        return pointer.Replace('.', '/');
    }

    private static string Sha256(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body));
}
