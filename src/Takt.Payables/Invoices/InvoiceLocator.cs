namespace Takt.Payables.Invoices;

/// <summary>
/// Where a field of an invoice is in the document it came from, so that a broken rule points at it: an XPath into
/// the UBL document (<c>/Invoice/cac:InvoiceLine[3]/cbc:LineExtensionAmount</c>) or a JSON Pointer into the JSON form
/// (<c>/lines/2/lineExtensionAmount</c>). Fields are named as in the JSON form.
/// </summary>
public abstract class InvoiceLocator
{
    /// <summary>A header field: <c>number</c>, <c>supplier/name</c>, <c>totals/payable</c>, <c>lines</c> …</summary>
    public abstract string Header(string field);

    /// <summary>A field of line <paramref name="line"/> (0-based).</summary>
    public abstract string Line(int line, string field);

    /// <summary>A field of allowance/charge <paramref name="index"/> of line <paramref name="line"/> (0-based).</summary>
    public abstract string LineAllowanceCharge(int line, int index, string field);

    /// <summary>A field of document-level allowance/charge <paramref name="index"/> (0-based).</summary>
    public abstract string AllowanceCharge(int index, string field);

    /// <summary>A field of VAT breakdown <paramref name="index"/> (0-based).</summary>
    public abstract string TaxSubtotal(int index, string field);

    /// <summary>JSON Pointers into the JSON form.</summary>
    public static InvoiceLocator Json { get; } = new JsonLocator();

    private sealed class JsonLocator : InvoiceLocator
    {
        public override string Header(string field) => "/" + field;

        public override string Line(int line, string field) => $"/lines/{line}/{field}";

        public override string LineAllowanceCharge(int line, int index, string field) => $"/lines/{line}/allowanceCharges/{index}/{field}";

        public override string AllowanceCharge(int index, string field) => $"/allowanceCharges/{index}/{field}";

        public override string TaxSubtotal(int index, string field) => $"/taxBreakdown/{index}/{field}";
    }
}

/// <summary>
/// XPaths into a UBL 2.1 invoice or credit note: 1-based positions (as XPath counts) where an element has same-named
/// siblings, none where it is the only one (<c>/Invoice/cac:TaxTotal/cac:TaxSubtotal[2]/cbc:TaxAmount</c>).
/// </summary>
internal sealed class UblLocator(System.Xml.Linq.XElement document, InvoiceKind kind, int taxTotalPosition) : InvoiceLocator
{
    private static readonly System.Xml.Linq.XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

    private readonly string root = kind == InvoiceKind.CreditNote ? "/CreditNote" : "/Invoice";
    private readonly string line = kind == InvoiceKind.CreditNote ? "cac:CreditNoteLine" : "cac:InvoiceLine";

    private static readonly Dictionary<string, string> Headers = new(StringComparer.Ordinal)
    {
        ["customizationId"] = "cbc:CustomizationID",
        ["profileId"] = "cbc:ProfileID",
        ["number"] = "cbc:ID",
        ["issueDate"] = "cbc:IssueDate",
        ["dueDate"] = "cbc:DueDate",
        ["currency"] = "cbc:DocumentCurrencyCode",
        ["taxCurrency"] = "cbc:TaxCurrencyCode",
        ["orderReference"] = "cac:OrderReference/cbc:ID",
        ["paymentTerms"] = "cac:PaymentTerms/cbc:Note",
        ["supplier"] = "cac:AccountingSupplierParty",
        ["supplier/name"] = "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        ["supplier/country"] = "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        ["buyer"] = "cac:AccountingCustomerParty",
        ["buyer/name"] = "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        ["buyer/country"] = "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        ["totals/lineExtension"] = "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        ["totals/allowanceTotal"] = "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount",
        ["totals/chargeTotal"] = "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount",
        ["totals/taxExclusive"] = "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        ["totals/taxInclusive"] = "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        ["totals/prepaid"] = "cac:LegalMonetaryTotal/cbc:PrepaidAmount",
        ["totals/rounding"] = "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount",
        ["totals/payable"] = "cac:LegalMonetaryTotal/cbc:PayableAmount",
        ["totals"] = "cac:LegalMonetaryTotal",
    };

    private static readonly Dictionary<string, string> LineFields = new(StringComparer.Ordinal)
    {
        ["id"] = "cbc:ID",
        ["lineExtensionAmount"] = "cbc:LineExtensionAmount",
        ["itemName"] = "cac:Item/cbc:Name",
        ["priceAmount"] = "cac:Price/cbc:PriceAmount",
        ["baseQuantity"] = "cac:Price/cbc:BaseQuantity",
        ["taxCategory"] = "cac:Item/cac:ClassifiedTaxCategory/cbc:ID",
        ["taxPercent"] = "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",
        ["orderLineReference"] = "cac:OrderLineReference/cbc:LineID",
        ["sellerItemId"] = "cac:Item/cac:SellersItemIdentification/cbc:ID",
        ["buyerItemId"] = "cac:Item/cac:BuyersItemIdentification/cbc:ID",
    };

    private static readonly Dictionary<string, string> ChargeFields = new(StringComparer.Ordinal)
    {
        ["isCharge"] = "cbc:ChargeIndicator",
        ["amount"] = "cbc:Amount",
        ["baseAmount"] = "cbc:BaseAmount",
        ["percent"] = "cbc:MultiplierFactorNumeric",
        ["reason"] = "cbc:AllowanceChargeReason",
        ["reasonCode"] = "cbc:AllowanceChargeReasonCode",
        ["taxCategory"] = "cac:TaxCategory/cbc:ID",
        ["taxPercent"] = "cac:TaxCategory/cbc:Percent",
    };

    private static readonly Dictionary<string, string> TaxFields = new(StringComparer.Ordinal)
    {
        ["taxableAmount"] = "cbc:TaxableAmount",
        ["taxAmount"] = "cbc:TaxAmount",
        ["category"] = "cac:TaxCategory/cbc:ID",
        ["percent"] = "cac:TaxCategory/cbc:Percent",
        ["exemptionReason"] = "cac:TaxCategory/cbc:TaxExemptionReason",
    };

    private string TaxTotal => document.Elements(Cac + "TaxTotal").Count() > 1 ? $"cac:TaxTotal[{taxTotalPosition}]" : "cac:TaxTotal";

    private static string At(int count, string name, int index) => count > 1 ? $"{name}[{index + 1}]" : name;

    private string LineAt(int index) => At(document.Elements(Cac + line[4..]).Count(), line, index);

    private static string ChargeAt(System.Xml.Linq.XElement? parent, int index) => At(parent?.Elements(Cac + "AllowanceCharge").Count() ?? 0, "cac:AllowanceCharge", index);

    public override string Header(string field) => field switch
    {
        "typeCode" => $"{root}/cbc:{(root == "/CreditNote" ? "CreditNoteTypeCode" : "InvoiceTypeCode")}",
        "lines" => $"{root}/{line}",
        "taxBreakdown" => $"{root}/{TaxTotal}/cac:TaxSubtotal",
        "taxTotal" => $"{root}/{TaxTotal}/cbc:TaxAmount",
        "taxTotalInTaxCurrency" => $"{root}/cac:TaxTotal/cbc:TaxAmount",
        _ => $"{root}/{Headers.GetValueOrDefault(field, field)}",
    };

    public override string Line(int line, string field) => field switch
    {
        "quantity" or "unit" => $"{root}/{LineAt(line)}/cbc:{(root == "/CreditNote" ? "CreditedQuantity" : "InvoicedQuantity")}{(field == "unit" ? "/@unitCode" : "")}",
        _ => $"{root}/{LineAt(line)}/{LineFields.GetValueOrDefault(field, field)}",
    };

    public override string LineAllowanceCharge(int line, int index, string field) =>
        $"{root}/{LineAt(line)}/{ChargeAt(document.Elements(Cac + this.line[4..]).ElementAtOrDefault(line), index)}/{ChargeFields.GetValueOrDefault(field, field)}";

    public override string AllowanceCharge(int index, string field) =>
        $"{root}/{ChargeAt(document, index)}/{ChargeFields.GetValueOrDefault(field, field)}";

    public override string TaxSubtotal(int index, string field)
    {
        var total = document.Elements(Cac + "TaxTotal").ElementAtOrDefault(taxTotalPosition - 1);
        return $"{root}/{TaxTotal}/{At(total?.Elements(Cac + "TaxSubtotal").Count() ?? 0, "cac:TaxSubtotal", index)}/{TaxFields.GetValueOrDefault(field, field)}";
    }
}
