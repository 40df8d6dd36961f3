using System.Globalization;
using System.Xml.Linq;

namespace Takt.Payables.Invoices;

/// <summary>
/// Consistent invoices made up for demos, benchmarks and tests (every EN 16931 rule holds), and the UBL 2.1 writer
/// that renders an invoice as the XML a supplier would send.
/// </summary>
public static class InvoiceSamples
{
    private static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
    private static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

    /// <summary>An invoice of <paramref name="lines"/> lines of 25 % VAT, line i: (i mod 7 + 1) units at <paramref name="price"/> + i cents.</summary>
    public static SupplierInvoice Invoice(string number, DateOnly issueDate, int lines, decimal price = 10m, string supplierVat = "DE811907980", string supplierName = "Metallwerk Süd GmbH", string currency = "EUR", string? order = null)
    {
        var items = Enumerable.Range(0, lines).Select(i =>
        {
            var quantity = (i % 7) + 1m;
            var unitPrice = price + (i / 100m);
            return new InvoiceLine((i + 1).ToString(CultureInfo.InvariantCulture), quantity, "EA", quantity * unitPrice, $"Part {i + 1:D5}",
                $"P-{i + 1:D5}", null, unitPrice, 1m, order is null ? null : (i + 1).ToString(CultureInfo.InvariantCulture), "S", 25m, []);
        }).ToList();
        var net = items.Sum(l => l.LineExtensionAmount!.Value);
        var tax = InvoiceRules.Round(net * 0.25m);
        return new SupplierInvoice(
            InvoiceKind.Invoice, "380", "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
            number, issueDate, issueDate.AddDays(30), currency, null, null, order, null, "30 days net",
            new InvoiceParty(supplierName, supplierName, supplierVat, null, "9930:" + supplierVat, "DE"),
            new InvoiceParty("Takt Manufacturing AG", "Takt", "DE129273398", null, null, "DE"),
            items, [], [new TaxSubtotal("S", 25m, net, tax)], tax, null,
            new InvoiceTotals(net, null, null, net, net + tax, null, null, net + tax));
    }

    /// <summary>A line of <see cref="ForOrder"/>: purchase order line, item, quantity, unit and unit price.</summary>
    public sealed record OrderLine(int Line, string Item, decimal Quantity, string Unit, decimal Price);

    /// <summary>
    /// An invoice (or credit note) of a supplier against a purchase order: one line per order line, each with its order
    /// line reference (BT-132) and the item as the buyer's item id, all at one tax rate; every EN 16931 total holds.
    /// </summary>
    public static SupplierInvoice ForOrder(string number, DateOnly issueDate, string? order, IReadOnlyList<OrderLine> lines, string supplierName, string supplierVat,
        decimal taxPercent = 19m, bool creditNote = false, string currency = "EUR", DateOnly? dueDate = null, string? buyerReference = null)
    {
        var items = lines.Select((l, i) => new InvoiceLine((i + 1).ToString(CultureInfo.InvariantCulture), l.Quantity, l.Unit, InvoiceRules.Round(l.Quantity * l.Price), l.Item,
            null, l.Item, l.Price, 1m, order is null ? null : l.Line.ToString(CultureInfo.InvariantCulture), "S", taxPercent, [])).ToList();
        var net = items.Sum(l => l.LineExtensionAmount!.Value);
        var tax = InvoiceRules.Round(net * taxPercent / 100m);
        return new SupplierInvoice(
            creditNote ? InvoiceKind.CreditNote : InvoiceKind.Invoice, creditNote ? "381" : "380", "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", number, issueDate, creditNote ? null : dueDate, currency, null, buyerReference, order, null, null,
            new InvoiceParty(supplierName, supplierName, supplierVat, null, "9930:" + supplierVat, "DE"),
            new InvoiceParty("Takt Manufacturing AG", "Takt", "DE129273398", null, null, "DE"),
            items, [], [new TaxSubtotal("S", taxPercent, net, tax)], tax, null,
            new InvoiceTotals(net, null, null, net, net + tax, null, null, net + tax));
    }

    /// <summary>The invoice as UBL 2.1 (Peppol BIS Billing 3.0), the way <see cref="UblInvoiceReader"/> reads it back.</summary>
    public static XDocument ToUbl(SupplierInvoice invoice)
    {
        var credit = invoice.Kind == InvoiceKind.CreditNote;
        XNamespace ns = credit ? UblInvoiceReader.CreditNoteNamespace : UblInvoiceReader.InvoiceNamespace;
        var currency = invoice.Currency ?? "EUR";
        XElement? Amount(string name, decimal? value) => value is { } v ? new XElement(Cbc + name, new XAttribute("currencyID", currency), N(v)) : null;
        XElement? Text(XNamespace n, string name, string? value) => value is null ? null : new XElement(n + name, value);
        XElement Party(string role, InvoiceParty p) => new(Cac + role, new XElement(Cac + "Party",
            p.Endpoint is { } e && e.Split(':', 2) is [var scheme, var id] ? new XElement(Cbc + "EndpointID", new XAttribute("schemeID", scheme), id) : null,
            p.TradingName is { } t ? new XElement(Cac + "PartyName", new XElement(Cbc + "Name", t)) : null,
            new XElement(Cac + "PostalAddress", new XElement(Cac + "Country", Text(Cbc, "IdentificationCode", p.Country))),
            p.VatId is { } vat ? new XElement(Cac + "PartyTaxScheme", new XElement(Cbc + "CompanyID", vat), new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT"))) : null,
            new XElement(Cac + "PartyLegalEntity", Text(Cbc, "RegistrationName", p.Name), Text(Cbc, "CompanyID", p.LegalId))));
        XElement Charge(InvoiceAllowanceCharge c, bool document) => new(Cac + "AllowanceCharge",
            new XElement(Cbc + "ChargeIndicator", c.IsCharge ? "true" : "false"),
            Text(Cbc, "AllowanceChargeReasonCode", c.ReasonCode),
            Text(Cbc, "AllowanceChargeReason", c.Reason),
            c.Percent is { } pc ? new XElement(Cbc + "MultiplierFactorNumeric", N(pc)) : null,
            Amount("Amount", c.Amount),
            Amount("BaseAmount", c.BaseAmount),
            document ? new XElement(Cac + "TaxCategory", Text(Cbc, "ID", c.TaxCategory), c.TaxPercent is { } tp ? new XElement(Cbc + "Percent", N(tp)) : null, new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT"))) : null);

        var root = new XElement(ns + (credit ? "CreditNote" : "Invoice"),
            new XAttribute(XNamespace.Xmlns + "cac", Cac.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "cbc", Cbc.NamespaceName),
            Text(Cbc, "CustomizationID", invoice.CustomizationId),
            Text(Cbc, "ProfileID", invoice.ProfileId),
            Text(Cbc, "ID", invoice.Number),
            Text(Cbc, "IssueDate", invoice.IssueDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            credit ? null : Text(Cbc, "DueDate", invoice.DueDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            Text(Cbc, credit ? "CreditNoteTypeCode" : "InvoiceTypeCode", invoice.TypeCode),
            Text(Cbc, "DocumentCurrencyCode", invoice.Currency),
            Text(Cbc, "TaxCurrencyCode", invoice.TaxCurrency),
            Text(Cbc, "BuyerReference", invoice.BuyerReference),
            invoice.OrderReference is null ? null : new XElement(Cac + "OrderReference", new XElement(Cbc + "ID", invoice.OrderReference), Text(Cbc, "SalesOrderID", invoice.SalesOrderReference)),
            Party("AccountingSupplierParty", invoice.Supplier),
            Party("AccountingCustomerParty", invoice.Buyer),
            invoice.PaymentTerms is null ? null : new XElement(Cac + "PaymentTerms", new XElement(Cbc + "Note", invoice.PaymentTerms)),
            invoice.AllowanceCharges.Select(c => Charge(c, document: true)),
            new XElement(Cac + "TaxTotal", Amount("TaxAmount", invoice.TaxTotal),
                invoice.TaxBreakdown.Select(s => new XElement(Cac + "TaxSubtotal", Amount("TaxableAmount", s.TaxableAmount), Amount("TaxAmount", s.TaxAmount),
                    new XElement(Cac + "TaxCategory", Text(Cbc, "ID", s.Category), s.Percent is { } p ? new XElement(Cbc + "Percent", N(p)) : null,
                        Text(Cbc, "TaxExemptionReason", s.ExemptionReason), new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT")))))),
            new XElement(Cac + "LegalMonetaryTotal",
                Amount("LineExtensionAmount", invoice.Totals.LineExtension),
                Amount("TaxExclusiveAmount", invoice.Totals.TaxExclusive),
                Amount("TaxInclusiveAmount", invoice.Totals.TaxInclusive),
                Amount("AllowanceTotalAmount", invoice.Totals.AllowanceTotal),
                Amount("ChargeTotalAmount", invoice.Totals.ChargeTotal),
                Amount("PrepaidAmount", invoice.Totals.Prepaid),
                Amount("PayableRoundingAmount", invoice.Totals.Rounding),
                Amount("PayableAmount", invoice.Totals.Payable)),
            invoice.Lines.Select(l => new XElement(Cac + (credit ? "CreditNoteLine" : "InvoiceLine"),
                Text(Cbc, "ID", l.Id),
                l.Quantity is { } q ? new XElement(Cbc + (credit ? "CreditedQuantity" : "InvoicedQuantity"), l.Unit is { } u ? new XAttribute("unitCode", u) : null, N(q)) : null,
                Amount("LineExtensionAmount", l.LineExtensionAmount),
                l.OrderLineReference is null ? null : new XElement(Cac + "OrderLineReference", new XElement(Cbc + "LineID", l.OrderLineReference)),
                (l.AllowanceCharges ?? []).Select(c => Charge(c, document: false)),
                new XElement(Cac + "Item",
                    Text(Cbc, "Name", l.ItemName),
                    l.BuyerItemId is null ? null : new XElement(Cac + "BuyersItemIdentification", new XElement(Cbc + "ID", l.BuyerItemId)),
                    l.SellerItemId is null ? null : new XElement(Cac + "SellersItemIdentification", new XElement(Cbc + "ID", l.SellerItemId)),
                    new XElement(Cac + "ClassifiedTaxCategory", Text(Cbc, "ID", l.TaxCategory), l.TaxPercent is { } tp ? new XElement(Cbc + "Percent", N(tp)) : null, new XElement(Cac + "TaxScheme", new XElement(Cbc + "ID", "VAT")))),
                new XElement(Cac + "Price", Amount("PriceAmount", l.PriceAmount), l.BaseQuantity is { } b ? new XElement(Cbc + "BaseQuantity", l.Unit is { } bu ? new XAttribute("unitCode", bu) : null, N(b)) : null))));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
    }

    /// <summary>UTF-8 bytes of <see cref="ToUbl"/>.</summary>
    public static byte[] ToUblBytes(SupplierInvoice invoice)
    {
        using var stream = new MemoryStream();
        ToUbl(invoice).Save(stream, SaveOptions.DisableFormatting);
        return stream.ToArray();
    }

    private static string N(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
