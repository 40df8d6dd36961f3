using System.Globalization;
using Takt.Contracts;

namespace Takt.Payables.Invoices;

/// <summary>
/// The EN 16931 business rules Takt checks on every invoice before it is received: mandatory fields (BR-01 … BR-48),
/// the arithmetic of lines, allowances, charges, VAT and totals (BR-CO-10 … BR-CO-17, BR-&lt;category&gt;-08/09) and
/// Peppol's line rules (PEPPOL-EN16931-R120, R121) on Peppol BIS documents. Sums are rounded to two decimals half away from zero before they
/// are compared, as the EN 16931 validation artefacts do. Each broken rule is one violation whose field points at the
/// value in the document and whose rule is <c>en16931.&lt;id&gt;</c> or <c>peppol.&lt;id&gt;</c> (docs/rules.md).
/// </summary>
public static class InvoiceRules
{
    /// <summary>Tolerance of PEPPOL-EN16931-R120 (line net amount against quantity × price).</summary>
    public const decimal LineAmountSlack = 0.02m;

    /// <summary>
    /// Tolerance of a VAT category's tax amount against taxable amount × rate (BR-S-09, BR-AA-09 …): one currency
    /// unit, as the EN 16931 validation artefacts allow for rounding per line; the totals must still add up exactly.
    /// </summary>
    public const decimal CategoryTaxTolerance = 1m;

    private static readonly HashSet<string> ZeroTaxCategories = new(StringComparer.Ordinal) { "Z", "E", "AE", "K", "G", "O" };

    public static IReadOnlyList<Violation> Check(SupplierInvoice invoice, InvoiceLocator at)
    {
        var v = new List<Violation>();
        void Require(object? value, string field, string id, string what)
        {
            if (value is null || value is string { Length: 0 })
                v.Add(new Violation(at.Header(field), "en16931." + id, $"{what} is required ({id})."));
        }

        Require(invoice.CustomizationId, "customizationId", "BR-01", "The specification identifier (BT-24)");
        Require(invoice.Number, "number", "BR-02", "The invoice number (BT-1)");
        Require(invoice.IssueDate, "issueDate", "BR-03", "The issue date (BT-2)");
        Require(invoice.TypeCode, "typeCode", "BR-04", "The invoice type code (BT-3)");
        Require(invoice.Currency, "currency", "BR-05", "The invoice currency code (BT-5)");
        Require(invoice.Supplier.Name, "supplier/name", "BR-06", "The seller's name (BT-27)");
        Require(invoice.Buyer.Name, "buyer/name", "BR-07", "The buyer's name (BT-44)");
        Require(invoice.Supplier.Country, "supplier/country", "BR-09", "The seller's country code (BT-40)");
        Require(invoice.Buyer.Country, "buyer/country", "BR-11", "The buyer's country code (BT-55)");
        Require(invoice.Totals.LineExtension, "totals/lineExtension", "BR-12", "The sum of line net amounts (BT-106)");
        Require(invoice.Totals.TaxExclusive, "totals/taxExclusive", "BR-13", "The total without VAT (BT-109)");
        Require(invoice.Totals.TaxInclusive, "totals/taxInclusive", "BR-14", "The total with VAT (BT-112)");
        Require(invoice.Totals.Payable, "totals/payable", "BR-15", "The amount due for payment (BT-115)");
        if (invoice.Lines.Count == 0)
            v.Add(new Violation(at.Header("lines"), "en16931.BR-16", "An invoice has at least one line (BR-16)."));
        if (invoice.TaxBreakdown.Count == 0)
            v.Add(new Violation(at.Header("taxBreakdown"), "en16931.BR-CO-18", "An invoice has at least one VAT breakdown (BR-CO-18)."));

        // Peppol's own rules bind Peppol BIS documents only (CustomizationID with urn:fdc:peppol.eu), not plain EN 16931 ones.
        var peppol = invoice.CustomizationId?.Contains("urn:fdc:peppol.eu", StringComparison.Ordinal) == true;
        for (var i = 0; i < invoice.Lines.Count; i++)
            CheckLine(invoice.Lines[i], i, at, v, peppol);
        for (var i = 0; i < invoice.AllowanceCharges.Count; i++)
            CheckAllowanceCharge(invoice.AllowanceCharges[i], i, at, v, line: null);
        for (var i = 0; i < invoice.TaxBreakdown.Count; i++)
        {
            var s = invoice.TaxBreakdown[i];
            if (s.TaxableAmount is null)
                v.Add(new Violation(at.TaxSubtotal(i, "taxableAmount"), "en16931.BR-45", "A VAT breakdown has a taxable amount (BT-116, BR-45)."));
            if (s.TaxAmount is null)
                v.Add(new Violation(at.TaxSubtotal(i, "taxAmount"), "en16931.BR-46", "A VAT breakdown has a tax amount (BT-117, BR-46)."));
            if (s.Category is null)
                v.Add(new Violation(at.TaxSubtotal(i, "category"), "en16931.BR-47", "A VAT breakdown has a VAT category code (BT-118, BR-47)."));
            if (s.Percent is null && s.Category is not null and not "O")
                v.Add(new Violation(at.TaxSubtotal(i, "percent"), "en16931.BR-48", $"A VAT breakdown of category {s.Category} has a VAT rate (BT-119, BR-48)."));
        }

        CheckArithmetic(invoice, at, v);
        return v;
    }

    private static void CheckLine(InvoiceLine line, int i, InvoiceLocator at, List<Violation> v, bool peppol)
    {
        if (line.Id is null)
            v.Add(new Violation(at.Line(i, "id"), "en16931.BR-21", "Each line has an identifier (BT-126, BR-21)."));
        if (line.Quantity is null)
            v.Add(new Violation(at.Line(i, "quantity"), "en16931.BR-22", "Each line has an invoiced quantity (BT-129, BR-22)."));
        if (line.Unit is null)
            v.Add(new Violation(at.Line(i, "unit"), "en16931.BR-23", "Each line's quantity has a unit of measure code (BT-130, BR-23)."));
        if (line.LineExtensionAmount is null)
            v.Add(new Violation(at.Line(i, "lineExtensionAmount"), "en16931.BR-24", "Each line has a net amount (BT-131, BR-24)."));
        if (line.ItemName is null)
            v.Add(new Violation(at.Line(i, "itemName"), "en16931.BR-25", "Each line has an item name (BT-153, BR-25)."));
        if (line.PriceAmount is null)
            v.Add(new Violation(at.Line(i, "priceAmount"), "en16931.BR-26", "Each line has an item net price (BT-146, BR-26)."));
        else if (line.PriceAmount < 0)
            v.Add(new Violation(at.Line(i, "priceAmount"), "en16931.BR-27", "An item net price is not negative (BT-146, BR-27)."));
        if (line.TaxCategory is null)
            v.Add(new Violation(at.Line(i, "taxCategory"), "en16931.BR-CO-04", "Each line has a VAT category code (BT-151, BR-CO-04)."));
        if (peppol && line.BaseQuantity is <= 0)
            v.Add(new Violation(at.Line(i, "baseQuantity"), "peppol.R121", "A price base quantity is positive (BT-149, PEPPOL-EN16931-R121)."));

        var charges = line.AllowanceCharges ?? [];
        for (var k = 0; k < charges.Count; k++)
            CheckAllowanceCharge(charges[k], k, at, v, line: i);

        // PEPPOL-EN16931-R120: net amount = quantity × (price ÷ base quantity) + charges − allowances.
        if (peppol && line is { Quantity: { } q, PriceAmount: { } p, LineExtensionAmount: { } net } && line.BaseQuantity is not <= 0 && charges.All(c => c.Amount is not null))
        {
            var expected = (q * (p / (line.BaseQuantity ?? 1m))) + charges.Where(c => c.IsCharge).Sum(c => c.Amount!.Value) - charges.Where(c => !c.IsCharge).Sum(c => c.Amount!.Value);
            if (Math.Abs(net - expected) > LineAmountSlack)
            {
                v.Add(new Violation(at.Line(i, "lineExtensionAmount"), "peppol.R120",
                    $"Line {line.Id ?? (i + 1).ToString(CultureInfo.InvariantCulture)}: net amount {F(net)} is not quantity {F(q)} × price {F(p)}{(line.BaseQuantity is { } b && b != 1 ? $" ÷ {F(b)}" : "")} plus charges minus allowances = {F(Round(expected))} (PEPPOL-EN16931-R120, within {F(LineAmountSlack)})."));
            }
        }
    }

    private static void CheckAllowanceCharge(InvoiceAllowanceCharge c, int k, InvoiceLocator at, List<Violation> v, int? line)
    {
        string Where(string field) => line is { } l ? at.LineAllowanceCharge(l, k, field) : at.AllowanceCharge(k, field);
        var (amountRule, reasonRule) = (line, c.IsCharge) switch
        {
            (null, false) => ("BR-31", "BR-33"),
            (null, true) => ("BR-36", "BR-38"),
            (_, false) => ("BR-41", "BR-42"),
            (_, true) => ("BR-43", "BR-44"),
        };
        var what = $"{(line is null ? "A document-level" : "A line")} {(c.IsCharge ? "charge" : "allowance")}";
        if (c.Amount is null)
            v.Add(new Violation(Where("amount"), "en16931." + amountRule, $"{what} has an amount ({amountRule})."));
        if (c.Reason is null && c.ReasonCode is null)
            v.Add(new Violation(Where("reason"), "en16931." + reasonRule, $"{what} has a reason or a reason code ({reasonRule})."));
        if (line is null && c.TaxCategory is null)
        {
            var rule = c.IsCharge ? "BR-37" : "BR-32";
            v.Add(new Violation(Where("taxCategory"), "en16931." + rule, $"{what} has a VAT category code ({rule})."));
        }
    }

    private static void CheckArithmetic(SupplierInvoice invoice, InvoiceLocator at, List<Violation> v)
    {
        var t = invoice.Totals;
        var lines = invoice.Lines;
        var allowances = invoice.AllowanceCharges.Where(c => !c.IsCharge).ToList();
        var charges = invoice.AllowanceCharges.Where(c => c.IsCharge).ToList();

        // BR-CO-10: Σ line net amounts = BT-106.
        if (t.LineExtension is { } lineExtension && lines.Count > 0 && lines.All(l => l.LineExtensionAmount is not null))
        {
            var sum = Round(lines.Sum(l => l.LineExtensionAmount!.Value));
            if (sum != lineExtension)
                v.Add(new Violation(at.Header("totals/lineExtension"), "en16931.BR-CO-10", $"The sum of line net amounts is {F(sum)}, the invoice states {F(lineExtension)} (BT-106, BR-CO-10)."));
        }

        // BR-CO-11 / BR-CO-12: Σ document allowances / charges = BT-107 / BT-108 (0 when neither is given).
        if (allowances.All(a => a.Amount is not null) && (allowances.Count > 0 || t.AllowanceTotal is not null))
        {
            var sum = Round(allowances.Sum(a => a.Amount!.Value));
            if (sum != (t.AllowanceTotal ?? 0m))
                v.Add(new Violation(at.Header("totals/allowanceTotal"), "en16931.BR-CO-11", $"The document-level allowances add up to {F(sum)}, the invoice states {(t.AllowanceTotal is { } a ? F(a) : "none")} (BT-107, BR-CO-11)."));
        }

        if (charges.All(c => c.Amount is not null) && (charges.Count > 0 || t.ChargeTotal is not null))
        {
            var sum = Round(charges.Sum(c => c.Amount!.Value));
            if (sum != (t.ChargeTotal ?? 0m))
                v.Add(new Violation(at.Header("totals/chargeTotal"), "en16931.BR-CO-12", $"The document-level charges add up to {F(sum)}, the invoice states {(t.ChargeTotal is { } c ? F(c) : "none")} (BT-108, BR-CO-12)."));
        }

        // BR-CO-13: BT-109 = BT-106 − BT-107 + BT-108.
        if (t is { LineExtension: { } le, TaxExclusive: { } taxExclusive })
        {
            var expected = Round(le - (t.AllowanceTotal ?? 0m) + (t.ChargeTotal ?? 0m));
            if (expected != taxExclusive)
                v.Add(new Violation(at.Header("totals/taxExclusive"), "en16931.BR-CO-13", $"Line total {F(le)} − allowances {F(t.AllowanceTotal ?? 0m)} + charges {F(t.ChargeTotal ?? 0m)} = {F(expected)}, the invoice states {F(taxExclusive)} without VAT (BT-109, BR-CO-13)."));
        }

        // BR-CO-14: BT-110 = Σ VAT category tax amounts.
        if (invoice.TaxTotal is { } taxTotal && invoice.TaxBreakdown.Count > 0 && invoice.TaxBreakdown.All(s => s.TaxAmount is not null))
        {
            var sum = Round(invoice.TaxBreakdown.Sum(s => s.TaxAmount!.Value));
            if (sum != taxTotal)
                v.Add(new Violation(at.Header("taxTotal"), "en16931.BR-CO-14", $"The VAT breakdown adds up to {F(sum)}, the invoice's total VAT is {F(taxTotal)} (BT-110, BR-CO-14)."));
        }

        // BR-CO-15: BT-112 = BT-109 + BT-110.
        if (t is { TaxExclusive: { } exclusive, TaxInclusive: { } inclusive })
        {
            var expected = Round(exclusive + (invoice.TaxTotal ?? 0m));
            if (expected != inclusive)
                v.Add(new Violation(at.Header("totals/taxInclusive"), "en16931.BR-CO-15", $"Total without VAT {F(exclusive)} + VAT {F(invoice.TaxTotal ?? 0m)} = {F(expected)}, the invoice states {F(inclusive)} with VAT (BT-112, BR-CO-15)."));
        }

        // BR-CO-16: BT-115 = BT-112 − BT-113 + BT-114.
        if (t is { TaxInclusive: { } withTax, Payable: { } payable })
        {
            var expected = Round(withTax - (t.Prepaid ?? 0m) + (t.Rounding ?? 0m));
            if (expected != payable)
                v.Add(new Violation(at.Header("totals/payable"), "en16931.BR-CO-16", $"Total with VAT {F(withTax)} − paid {F(t.Prepaid ?? 0m)} + rounding {F(t.Rounding ?? 0m)} = {F(expected)}, the invoice states {F(payable)} due (BT-115, BR-CO-16)."));
        }

        // BR-<category>-08 and -09 (and the zero-rated ones): per VAT category and rate, the taxable amount is the lines'
        // net amounts plus charges minus allowances of that category, and the tax is taxable × rate.
        for (var i = 0; i < invoice.TaxBreakdown.Count; i++)
        {
            var s = invoice.TaxBreakdown[i];
            if (s.Category is not { } category || s.TaxableAmount is not { } taxable)
                continue;
            bool Same(string? c, decimal? p) => c == category && (category == "O" || p == s.Percent);
            var inCategory = lines.Where(l => Same(l.TaxCategory, l.TaxPercent)).ToList();
            var docCharges = invoice.AllowanceCharges.Where(c => Same(c.TaxCategory, c.TaxPercent)).ToList();
            if (inCategory.All(l => l.LineExtensionAmount is not null) && docCharges.All(c => c.Amount is not null))
            {
                var expected = Round(inCategory.Sum(l => l.LineExtensionAmount!.Value) + docCharges.Where(c => c.IsCharge).Sum(c => c.Amount!.Value) - docCharges.Where(c => !c.IsCharge).Sum(c => c.Amount!.Value));
                if (expected != taxable)
                {
                    var rule = $"BR-{category}-08";
                    v.Add(new Violation(at.TaxSubtotal(i, "taxableAmount"), "en16931." + rule,
                        $"Lines, charges and allowances of VAT category {category}{Rate(s.Percent)} add up to {F(expected)}, the breakdown states {F(taxable)} taxable ({rule})."));
                }
            }

            if (s.TaxAmount is not { } tax)
                continue;
            if (ZeroTaxCategories.Contains(category))
            {
                if (tax != 0m)
                    v.Add(new Violation(at.TaxSubtotal(i, "taxAmount"), $"en16931.BR-{category}-09", $"VAT category {category} carries no tax; the breakdown states {F(tax)} (BR-{category}-09)."));
            }
            else if (s.Percent is { } rate)
            {
                var expected = Round(taxable * rate / 100m);
                if (Math.Abs(expected - tax) > CategoryTaxTolerance)
                {
                    var rule = $"BR-{category}-09";
                    v.Add(new Violation(at.TaxSubtotal(i, "taxAmount"), "en16931." + rule,
                        $"Taxable {F(taxable)} × {F(rate)} % = {F(expected)}, the breakdown states {F(tax)} tax for category {category} ({rule}, within {F(CategoryTaxTolerance)})."));
                }
            }
        }
    }

    private static string Rate(decimal? percent) => percent is { } p ? $" at {F(p)} %" : "";

    /// <summary>Two decimals, half away from zero (XPath's round on the positive amounts invoices carry).</summary>
    public static decimal Round(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    private static string F(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
