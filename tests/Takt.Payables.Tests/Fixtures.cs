using System.Globalization;
using System.Text.Json;

namespace Takt.Payables.Tests;

/// <summary>One published example and what EXPECTED.json says about it (amounts compared as decimals).</summary>
public sealed record UblExample(
    string File,
    string DocumentType,
    string InvoiceNumber,
    string IssueDate,
    string SupplierName,
    string Currency,
    int LineCount,
    decimal LineExtension,
    decimal? AllowanceTotal,
    decimal? ChargeTotal,
    decimal TaxExclusive,
    decimal TaxTotal,
    decimal? TaxTotalInTaxCurrency,
    decimal TaxInclusive,
    decimal? Prepaid,
    decimal? Rounding,
    decimal Payable,
    IReadOnlyList<(string Category, decimal Percent, decimal Taxable, decimal Tax)> VatBreakdown,
    int DocumentAllowanceCharges,
    int LineAllowanceCharges)
{
    public override string ToString() => File;
}

/// <summary>The copied fixtures (Fixtures/README.md): the 22 published UBL examples and their EXPECTED.json.</summary>
public static class Fixtures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "ubl");

    public static IReadOnlyList<UblExample> Examples { get; } = Load();

    public static byte[] Bytes(string file) => System.IO.File.ReadAllBytes(Path.Combine(Directory, file));

    public static Xunit.TheoryData<string> Files => [.. Examples.Select(e => e.File)];

    public static UblExample Example(string file) => Examples.Single(e => e.File == file);

    /// <summary>
    /// Who the seller is: its VAT identifier (BT-31), else its legal registration id (BT-30), else its electronic address
    /// (BT-34), else its name, read here with XPath, independently of Takt's reader.
    /// </summary>
    public static string SellerKey(string file)
    {
        var document = System.Xml.Linq.XDocument.Load(Path.Combine(Directory, file));
        var ns = new System.Xml.XmlNamespaceManager(new System.Xml.NameTable());
        ns.AddNamespace("cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2");
        ns.AddNamespace("cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2");
        string? At(string path) => System.Xml.XPath.Extensions.XPathSelectElement(document, "/*/cac:AccountingSupplierParty/cac:Party/" + path, ns)?.Value.Trim();
        return At("cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID") ?? At("cac:PartyLegalEntity/cbc:CompanyID") ?? At("cbc:EndpointID") ?? At("cac:PartyLegalEntity/cbc:RegistrationName")!;
    }

    private static List<UblExample> Load()
    {
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Directory, "EXPECTED.json")));
        return [.. json.RootElement.EnumerateArray().Select(e => new UblExample(
            e.GetProperty("file").GetString()!,
            e.GetProperty("document_type").GetString()!,
            e.GetProperty("invoice_number").GetString()!,
            e.GetProperty("issue_date").GetString()!,
            e.GetProperty("supplier_name").GetString()!,
            e.GetProperty("currency").GetString()!,
            e.GetProperty("line_count").GetInt32(),
            Dec(e, "line_extension_amount")!.Value,
            Dec(e, "allowance_total_amount"),
            Dec(e, "charge_total_amount"),
            Dec(e, "tax_exclusive_amount")!.Value,
            Dec(e, "tax_total")!.Value,
            Dec(e, "tax_total_in_tax_currency"),
            Dec(e, "tax_inclusive_amount")!.Value,
            Dec(e, "prepaid_amount"),
            Dec(e, "payable_rounding_amount"),
            Dec(e, "payable_amount")!.Value,
            [.. e.GetProperty("vat_breakdown").EnumerateArray().Select(b => (b.GetProperty("category").GetString()!, Dec(b, "percent") ?? 0m, Dec(b, "taxable_amount")!.Value, Dec(b, "tax_amount")!.Value))],
            e.GetProperty("document_level_allowance_charge_count").GetInt32(),
            e.GetProperty("line_level_allowance_charge_count").GetInt32()))];
    }

    private static decimal? Dec(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? decimal.Parse(value.GetString()!, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)
            : null;
}
