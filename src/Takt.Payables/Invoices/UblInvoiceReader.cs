using System.Globalization;
using System.Xml.Linq;
using Takt.Contracts;
using Takt.Integration.Adapters;
using Takt.Integration.Gateway;

namespace Takt.Payables.Invoices;

/// <summary>An invoice read from a document, with where its fields are and what the reading found wrong.</summary>
/// <param name="Invoice">The invoice as far as it could be read.</param>
/// <param name="Locator">Where each field is in the document (XPath or JSON Pointer).</param>
/// <param name="Malformed">Values that could not be read (not a decimal, not a date): 400, nothing is checked further.</param>
/// <param name="Notes">Rule violations found while reading (an amount in another currency), reported with the rules.</param>
public sealed record ReadInvoice(SupplierInvoice Invoice, InvoiceLocator Locator, IReadOnlyList<Violation> Malformed, IReadOnlyList<Violation> Notes);

/// <summary>
/// Reads UBL 2.1 invoices and credit notes (EN 16931 / Peppol BIS Billing 3.0) through <see cref="SecureXml"/>: no DTD,
/// no external entity, nothing fetched, within a size and a depth limit. Extracts the EN 16931 semantic model
/// (<see cref="SupplierInvoice"/>); the business rules are checked by <see cref="InvoiceRules"/>.
/// </summary>
public static class UblInvoiceReader
{
    public const string InvoiceNamespace = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
    public const string CreditNoteNamespace = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
    private static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
    private static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

    /// <summary>Reads a document, or answers the problem that stopped it (400 DTD/malformed/too deep/not UBL, 413 too large).</summary>
    public static (ReadInvoice? Invoice, Problem? Problem) Read(byte[] body, PayablesOptions options)
    {
        var (document, problem) = SecureXml.Load(body, options.MaxDocumentBytes, options.MaxXmlDepth);
        if (problem is not null)
            return (null, problem);
        return Read(document!);
    }

    /// <summary>Reads an already parsed (and safely loaded) document.</summary>
    public static (ReadInvoice? Invoice, Problem? Problem) Read(XDocument document)
    {
        var root = document.Root!;
        var kind = (root.Name.NamespaceName, root.Name.LocalName) switch
        {
            (InvoiceNamespace, "Invoice") => InvoiceKind.Invoice,
            (CreditNoteNamespace, "CreditNote") => (InvoiceKind?)InvoiceKind.CreditNote,
            _ => null,
        };
        if (kind is null)
        {
            return (null, Problem.Malformed([new Violation("/" + root.Name.LocalName, "ubl.document-unsupported",
                $"The root element is {{{root.Name.NamespaceName}}}{root.Name.LocalName}; Takt reads UBL 2.1 Invoice ({InvoiceNamespace}) and CreditNote ({CreditNoteNamespace}) documents.")]));
        }

        return (new Reader(root, kind.Value).Read(), null);
    }

    private sealed class Reader(XElement root, InvoiceKind kind)
    {
        private readonly List<Violation> malformed = [];
        private readonly List<Violation> notes = [];
        private string? currency;

        public ReadInvoice Read()
        {
            currency = Text(root.Element(Cbc + "DocumentCurrencyCode"));
            var taxCurrency = Text(root.Element(Cbc + "TaxCurrencyCode"));
            var taxTotals = root.Elements(Cac + "TaxTotal").ToList();

            // BT-110 is the TaxTotal in the invoice currency (the one with the breakdown when both are in it); BT-111 the other.
            var documentTax = taxTotals
                .Select((t, i) => (Total: t, Position: i + 1))
                .Where(t => string.Equals(t.Total.Element(Cbc + "TaxAmount")?.Attribute("currencyID")?.Value.Trim(), currency, StringComparison.Ordinal))
                .OrderByDescending(t => t.Total.Elements(Cac + "TaxSubtotal").Any())
                .FirstOrDefault();
            if (documentTax.Total is null && taxTotals.Count > 0)
                documentTax = (taxTotals[0], 1);
            var otherTax = taxTotals.FirstOrDefault(t => t != documentTax.Total);
            var locator = new UblLocator(root, kind, documentTax.Position == 0 ? 1 : documentTax.Position);

            var supplierParty = root.Element(Cac + "AccountingSupplierParty")?.Element(Cac + "Party");
            var buyerParty = root.Element(Cac + "AccountingCustomerParty")?.Element(Cac + "Party");
            var order = root.Element(Cac + "OrderReference");
            var lineName = kind == InvoiceKind.CreditNote ? "CreditNoteLine" : "InvoiceLine";
            var lines = root.Elements(Cac + lineName).Select(ReadLine).ToList();
            var charges = root.Elements(Cac + "AllowanceCharge").Select(e => ReadAllowanceCharge(e)).ToList();
            var breakdown = documentTax.Total?.Elements(Cac + "TaxSubtotal").Select(s => new TaxSubtotal(
                Text(s.Element(Cac + "TaxCategory")?.Element(Cbc + "ID")),
                Number(s.Element(Cac + "TaxCategory")?.Element(Cbc + "Percent")),
                Amount(s.Element(Cbc + "TaxableAmount")),
                Amount(s.Element(Cbc + "TaxAmount")),
                Text(s.Element(Cac + "TaxCategory")?.Element(Cbc + "TaxExemptionReason")) ?? Text(s.Element(Cac + "TaxCategory")?.Element(Cbc + "TaxExemptionReasonCode")))).ToList() ?? [];
            var totals = root.Element(Cac + "LegalMonetaryTotal");

            var invoice = new SupplierInvoice(
                kind,
                Text(root.Element(Cbc + (kind == InvoiceKind.CreditNote ? "CreditNoteTypeCode" : "InvoiceTypeCode"))),
                Text(root.Element(Cbc + "CustomizationID")),
                Text(root.Element(Cbc + "ProfileID")),
                Text(root.Element(Cbc + "ID")),
                Date(root.Element(Cbc + "IssueDate")),
                Date(root.Element(Cbc + "DueDate")) ?? Date(root.Element(Cac + "PaymentMeans")?.Element(Cbc + "PaymentDueDate")),
                currency,
                taxCurrency,
                Text(root.Element(Cbc + "BuyerReference")),
                Text(order?.Element(Cbc + "ID")),
                Text(order?.Element(Cbc + "SalesOrderID")),
                Text(root.Element(Cac + "PaymentTerms")?.Element(Cbc + "Note")),
                ReadParty(supplierParty),
                ReadParty(buyerParty),
                lines,
                charges,
                breakdown,
                Amount(documentTax.Total?.Element(Cbc + "TaxAmount")),
                otherTax is null ? null : Amount(otherTax.Element(Cbc + "TaxAmount"), expectDocumentCurrency: false),
                new InvoiceTotals(
                    Amount(totals?.Element(Cbc + "LineExtensionAmount")),
                    Amount(totals?.Element(Cbc + "AllowanceTotalAmount")),
                    Amount(totals?.Element(Cbc + "ChargeTotalAmount")),
                    Amount(totals?.Element(Cbc + "TaxExclusiveAmount")),
                    Amount(totals?.Element(Cbc + "TaxInclusiveAmount")),
                    Amount(totals?.Element(Cbc + "PrepaidAmount")),
                    Amount(totals?.Element(Cbc + "PayableRoundingAmount")),
                    Amount(totals?.Element(Cbc + "PayableAmount"))));
            return new ReadInvoice(invoice, locator, malformed, notes);
        }

        private InvoiceLine ReadLine(XElement line)
        {
            var quantity = line.Element(Cbc + (kind == InvoiceKind.CreditNote ? "CreditedQuantity" : "InvoicedQuantity"));
            var item = line.Element(Cac + "Item");
            var price = line.Element(Cac + "Price");
            var tax = item?.Element(Cac + "ClassifiedTaxCategory");
            return new InvoiceLine(
                Text(line.Element(Cbc + "ID")),
                Number(quantity),
                Text(quantity?.Attribute("unitCode")),
                Amount(line.Element(Cbc + "LineExtensionAmount")),
                Text(item?.Element(Cbc + "Name")),
                Text(item?.Element(Cac + "SellersItemIdentification")?.Element(Cbc + "ID")),
                Text(item?.Element(Cac + "BuyersItemIdentification")?.Element(Cbc + "ID")),
                Amount(price?.Element(Cbc + "PriceAmount")),
                Number(price?.Element(Cbc + "BaseQuantity")),
                Text(line.Element(Cac + "OrderLineReference")?.Element(Cbc + "LineID")),
                Text(tax?.Element(Cbc + "ID")),
                Number(tax?.Element(Cbc + "Percent")),
                [.. line.Elements(Cac + "AllowanceCharge").Select(e => ReadAllowanceCharge(e))]);
        }

        private InvoiceAllowanceCharge ReadAllowanceCharge(XElement e)
        {
            // xs:boolean: true, false, 1 or 0.
            var indicator = Text(e.Element(Cbc + "ChargeIndicator")) switch
            {
                "1" => "true",
                "0" => "false",
                var other => other,
            };
            if (indicator is not ("true" or "false"))
                malformed.Add(new Violation(SecurePath(e.Element(Cbc + "ChargeIndicator") ?? e), "ubl.indicator-invalid", "ChargeIndicator is true or 1 (a charge), false or 0 (an allowance)."));
            var tax = e.Element(Cac + "TaxCategory");
            return new InvoiceAllowanceCharge(
                indicator == "true",
                Amount(e.Element(Cbc + "Amount")),
                Amount(e.Element(Cbc + "BaseAmount")),
                Number(e.Element(Cbc + "MultiplierFactorNumeric")),
                Text(e.Element(Cbc + "AllowanceChargeReason")),
                Text(e.Element(Cbc + "AllowanceChargeReasonCode")),
                Text(tax?.Element(Cbc + "ID")),
                Number(tax?.Element(Cbc + "Percent")));
        }

        private static InvoiceParty ReadParty(XElement? party)
        {
            if (party is null)
                return new InvoiceParty(null);
            var endpoint = party.Element(Cbc + "EndpointID");
            var taxSchemes = party.Elements(Cac + "PartyTaxScheme").ToList();
            var vat = taxSchemes.FirstOrDefault(t => Text(t.Element(Cac + "TaxScheme")?.Element(Cbc + "ID")) == "VAT") ?? taxSchemes.FirstOrDefault();
            var legal = party.Element(Cac + "PartyLegalEntity");
            var endpointValue = Text(endpoint);
            return new InvoiceParty(
                Text(legal?.Element(Cbc + "RegistrationName")),
                Text(party.Element(Cac + "PartyName")?.Element(Cbc + "Name")),
                Text(vat?.Element(Cbc + "CompanyID")),
                Text(legal?.Element(Cbc + "CompanyID")),
                endpointValue is null ? null : Text(endpoint!.Attribute("schemeID")) is { } scheme ? $"{scheme}:{endpointValue}" : endpointValue,
                Text(party.Element(Cac + "PostalAddress")?.Element(Cac + "Country")?.Element(Cbc + "IdentificationCode")));
        }

        private static string? Text(XElement? e) => e is null ? null : NonEmpty(e.Value);

        private static string? Text(XAttribute? a) => a is null ? null : NonEmpty(a.Value);

        private static string? NonEmpty(string value)
        {
            var trimmed = value.Trim();
            return trimmed.Length == 0 ? null : trimmed;
        }

        private DateOnly? Date(XElement? e)
        {
            if (Text(e) is not { } text)
                return null;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                return date;
            malformed.Add(new Violation(SecurePath(e!), "ubl.date-invalid", $"'{Clip(text)}' is not a date (YYYY-MM-DD)."));
            return null;
        }

        private decimal? Number(XElement? e)
        {
            if (Text(e) is not { } text)
            {
                // Absent is absent; present but empty is not a number (UBL's amounts and quantities are xsd:decimal).
                if (e is not null)
                    malformed.Add(new Violation(SecurePath(e), "ubl.number-invalid", "The element is empty; it needs a decimal number (digits, one '.', optional sign)."));
                return null;
            }

            if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
                return value;
            malformed.Add(new Violation(SecurePath(e!), "ubl.number-invalid", $"'{Clip(text)}' is not a decimal number (digits, one '.', optional sign)."));
            return null;
        }

        private decimal? Amount(XElement? e, bool expectDocumentCurrency = true)
        {
            var value = Number(e);
            if (value is not null && expectDocumentCurrency && currency is not null && Text(e!.Attribute("currencyID")) is { } amountCurrency && amountCurrency != currency)
            {
                notes.Add(new Violation(SecurePath(e) + "/@currencyID", "peppol.R051",
                    $"The amount is in {Clip(amountCurrency)}; every amount but the VAT total in accounting currency is in the invoice currency {currency} (PEPPOL-EN16931-R051)."));
            }

            return value;
        }

        /// <summary>An XPath to the element with UBL's prefixes, positions where an element has same-named siblings.</summary>
        private static string SecurePath(XElement e)
        {
            var parts = new Stack<string>();
            for (var x = e; x is not null; x = x.Parent)
            {
                if (x.Parent is null)
                {
                    parts.Push(x.Name.LocalName);
                    break;
                }

                var prefix = x.Name.Namespace == Cac ? "cac:" : x.Name.Namespace == Cbc ? "cbc:" : "";
                var siblings = x.Parent.Elements(x.Name).Count();
                parts.Push(siblings == 1 ? prefix + x.Name.LocalName : $"{prefix}{x.Name.LocalName}[{1 + x.ElementsBeforeSelf(x.Name).Count()}]");
            }

            return "/" + string.Join('/', parts);
        }

        private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
    }
}
