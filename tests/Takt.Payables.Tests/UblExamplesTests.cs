using Takt.Payables.Invoices;
using Xunit;

namespace Takt.Payables.Tests;

/// <summary>Every published UBL example reads with the totals EXPECTED.json lists and breaks no rule.</summary>
public sealed class UblExamplesTests
{
    private static readonly PayablesOptions Options = new();

    [Fact]
    public void all_22_published_examples_are_here()
    {
        Assert.Equal(22, Fixtures.Examples.Count);
        Assert.All(Fixtures.Examples, e => Assert.True(File.Exists(Path.Combine(Fixtures.Directory, e.File)), e.File));
    }

    [Theory]
    [MemberData(nameof(Fixtures.Files), MemberType = typeof(Fixtures))]
    public void a_published_example_reads_with_its_expected_header_totals_and_vat_breakdown(string file)
    {
        var expected = Fixtures.Example(file);
        var result = InvoiceDocuments.CheckUbl(Fixtures.Bytes(file), Options);

        Assert.Null(result.Problem);
        Assert.Empty(result.Violations);
        var invoice = result.Invoice!;
        Assert.Equal(expected.DocumentType == "CreditNote" ? InvoiceKind.CreditNote : InvoiceKind.Invoice, invoice.Kind);
        Assert.Equal(expected.InvoiceNumber, invoice.Number);
        Assert.Equal(expected.IssueDate, invoice.IssueDate!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected.SupplierName, invoice.Supplier.Name);
        Assert.Equal(expected.Currency, invoice.Currency);
        Assert.Equal(expected.LineCount, invoice.Lines.Count);
        var t = invoice.Totals;
        Assert.Equal(
            (expected.LineExtension, expected.AllowanceTotal, expected.ChargeTotal, expected.TaxExclusive, expected.TaxTotal, expected.TaxTotalInTaxCurrency, expected.TaxInclusive, expected.Prepaid, expected.Rounding, expected.Payable),
            (t.LineExtension!.Value, t.AllowanceTotal, t.ChargeTotal, t.TaxExclusive!.Value, invoice.TaxTotal!.Value, invoice.TaxTotalInTaxCurrency, t.TaxInclusive!.Value, t.Prepaid, t.Rounding, t.Payable!.Value));
        Assert.Equal(expected.VatBreakdown, [.. invoice.TaxBreakdown.Select(s => (s.Category!, s.Percent ?? 0m, s.TaxableAmount!.Value, s.TaxAmount!.Value))]);
        Assert.Equal(expected.DocumentAllowanceCharges, invoice.AllowanceCharges.Count);
        Assert.Equal(expected.LineAllowanceCharges, invoice.Lines.Sum(l => l.AllowanceCharges?.Count ?? 0));
    }

    [Theory]
    [MemberData(nameof(Fixtures.Files), MemberType = typeof(Fixtures))]
    public async Task invoices_parse_prints_the_named_fields_of_a_published_example_and_no_violations(string file)
    {
        var expected = Fixtures.Example(file);
        var summary = await InvoiceSummary.ParseFileAsync(Path.Combine(Fixtures.Directory, file), Options, TestContext.Current.CancellationToken);

        Assert.Null(summary.Violations);
        Assert.Equal(
            (expected.InvoiceNumber, expected.SupplierName, expected.Currency, expected.LineCount, expected.LineExtension, expected.TaxExclusive, expected.TaxTotal, expected.Payable),
            (summary.InvoiceNumber, summary.SupplierName, summary.Currency, summary.LineCount!.Value, summary.LineExtensionAmount!.Value, summary.TaxExclusiveAmount!.Value, summary.TaxAmount!.Value, summary.PayableAmount!.Value));
        var json = System.Text.Json.JsonSerializer.Serialize(summary, InvoiceSummary.Json);
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(
            ["file", "invoiceNumber", "issueDate", "supplierName", "currency", "lineCount", "lineExtensionAmount", "taxExclusiveAmount", "taxAmount", "payableAmount"],
            parsed.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void a_generated_invoice_written_as_ubl_reads_back_equal_and_clean()
    {
        var invoice = InvoiceSamples.Invoice("GEN-1", new DateOnly(2026, 11, 2), 40, order: "4500001234");
        var result = InvoiceDocuments.CheckUbl(InvoiceSamples.ToUblBytes(invoice), Options);

        Assert.Null(result.Problem);
        Assert.Empty(result.Violations);
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(invoice, InvoiceDocuments.Json),
            System.Text.Json.JsonSerializer.Serialize(result.Invoice, InvoiceDocuments.Json));
    }
}
