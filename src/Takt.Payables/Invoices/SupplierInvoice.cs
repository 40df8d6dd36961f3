using System.Text.Json.Serialization;

namespace Takt.Payables.Invoices;

/// <summary>An invoice (UBL <c>Invoice</c>) or a credit note (UBL <c>CreditNote</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InvoiceKind>))]
public enum InvoiceKind
{
    /// <summary>UBL <c>Invoice</c>, type code 380 and the like.</summary>
    [JsonStringEnumMemberName("invoice")]
    Invoice,

    /// <summary>UBL <c>CreditNote</c>, type code 381 and the like.</summary>
    [JsonStringEnumMemberName("credit-note")]
    CreditNote,
}

/// <summary>The seller (BG-4) or the buyer (BG-7) of an invoice.</summary>
/// <param name="Name">Legal registration name (BT-27 / BT-44).</param>
/// <param name="TradingName">Trading name (BT-28 / BT-45).</param>
/// <param name="VatId">VAT identifier (BT-31 / BT-48).</param>
/// <param name="LegalId">Legal registration identifier (BT-30 / BT-47).</param>
/// <param name="Endpoint">Electronic address (BT-34 / BT-49) as <c>scheme:value</c>.</param>
/// <param name="Country">Country code of the postal address (BT-40 / BT-55).</param>
public sealed record InvoiceParty(string? Name, string? TradingName = null, string? VatId = null, string? LegalId = null, string? Endpoint = null, string? Country = null);

/// <summary>A document-level (BG-20/BG-21) or line-level (BG-27/BG-28) allowance or charge.</summary>
public sealed record InvoiceAllowanceCharge(
    bool IsCharge,
    decimal? Amount,
    decimal? BaseAmount = null,
    decimal? Percent = null,
    string? Reason = null,
    string? ReasonCode = null,
    string? TaxCategory = null,
    decimal? TaxPercent = null);

/// <summary>An invoice line (BG-25).</summary>
/// <param name="Id">Line identifier (BT-126).</param>
/// <param name="Quantity">Invoiced (or credited) quantity (BT-129).</param>
/// <param name="Unit">Unit of measure code (BT-130, UN/ECE Rec 20).</param>
/// <param name="LineExtensionAmount">Line net amount (BT-131).</param>
/// <param name="ItemName">Item name (BT-153).</param>
/// <param name="SellerItemId">Seller's item identifier (BT-155).</param>
/// <param name="BuyerItemId">Buyer's item identifier (BT-156).</param>
/// <param name="PriceAmount">Item net price (BT-146).</param>
/// <param name="BaseQuantity">Item price base quantity (BT-149), 1 when absent.</param>
/// <param name="OrderLineReference">Referenced purchase order line (BT-132).</param>
/// <param name="TaxCategory">Invoiced item VAT category code (BT-151).</param>
/// <param name="TaxPercent">Invoiced item VAT rate (BT-152).</param>
/// <param name="AllowanceCharges">Line allowances and charges (BG-27, BG-28).</param>
public sealed record InvoiceLine(
    string? Id,
    decimal? Quantity,
    string? Unit,
    decimal? LineExtensionAmount,
    string? ItemName,
    string? SellerItemId = null,
    string? BuyerItemId = null,
    decimal? PriceAmount = null,
    decimal? BaseQuantity = null,
    string? OrderLineReference = null,
    string? TaxCategory = null,
    decimal? TaxPercent = null,
    IReadOnlyList<InvoiceAllowanceCharge>? AllowanceCharges = null);

/// <summary>A VAT breakdown (BG-23): per category and rate.</summary>
public sealed record TaxSubtotal(string? Category, decimal? Percent, decimal? TaxableAmount, decimal? TaxAmount, string? ExemptionReason = null);

/// <summary>Document totals (BG-22).</summary>
/// <param name="LineExtension">Sum of invoice line net amounts (BT-106).</param>
/// <param name="AllowanceTotal">Sum of allowances on document level (BT-107).</param>
/// <param name="ChargeTotal">Sum of charges on document level (BT-108).</param>
/// <param name="TaxExclusive">Invoice total amount without VAT (BT-109).</param>
/// <param name="TaxInclusive">Invoice total amount with VAT (BT-112).</param>
/// <param name="Prepaid">Paid amount (BT-113).</param>
/// <param name="Rounding">Rounding amount (BT-114).</param>
/// <param name="Payable">Amount due for payment (BT-115).</param>
public sealed record InvoiceTotals(
    decimal? LineExtension,
    decimal? AllowanceTotal,
    decimal? ChargeTotal,
    decimal? TaxExclusive,
    decimal? TaxInclusive,
    decimal? Prepaid,
    decimal? Rounding,
    decimal? Payable);

/// <summary>
/// A supplier invoice or credit note as EN 16931 defines it (the semantic model behind UBL 2.1 and Peppol BIS Billing
/// 3.0). This is also the JSON form of the upload API: the same fields, camelCase. Amounts are in
/// <see cref="Currency"/> except <see cref="TaxTotalInTaxCurrency"/>.
/// </summary>
/// <param name="Kind">Invoice or credit note.</param>
/// <param name="TypeCode">Invoice type code (BT-3), e.g. 380, 381.</param>
/// <param name="CustomizationId">Specification identifier (BT-24).</param>
/// <param name="ProfileId">Business process type (BT-23).</param>
/// <param name="Number">Invoice number (BT-1).</param>
/// <param name="IssueDate">Issue date (BT-2).</param>
/// <param name="DueDate">Payment due date (BT-9).</param>
/// <param name="Currency">Invoice currency code (BT-5).</param>
/// <param name="TaxCurrency">VAT accounting currency code (BT-6).</param>
/// <param name="BuyerReference">Buyer reference (BT-10).</param>
/// <param name="OrderReference">Purchase order reference (BT-13).</param>
/// <param name="SalesOrderReference">Sales order reference (BT-14).</param>
/// <param name="PaymentTerms">Payment terms (BT-20).</param>
/// <param name="Supplier">The seller (BG-4).</param>
/// <param name="Buyer">The buyer (BG-7).</param>
/// <param name="Lines">Invoice lines (BG-25).</param>
/// <param name="AllowanceCharges">Document-level allowances and charges (BG-20, BG-21).</param>
/// <param name="TaxBreakdown">VAT breakdown (BG-23).</param>
/// <param name="TaxTotal">Invoice total VAT amount in the invoice currency (BT-110).</param>
/// <param name="TaxTotalInTaxCurrency">Invoice total VAT amount in the accounting currency (BT-111).</param>
/// <param name="Totals">Document totals (BG-22).</param>
public sealed record SupplierInvoice(
    InvoiceKind Kind,
    string? TypeCode,
    string? CustomizationId,
    string? ProfileId,
    string? Number,
    DateOnly? IssueDate,
    DateOnly? DueDate,
    string? Currency,
    string? TaxCurrency,
    string? BuyerReference,
    string? OrderReference,
    string? SalesOrderReference,
    string? PaymentTerms,
    InvoiceParty Supplier,
    InvoiceParty Buyer,
    IReadOnlyList<InvoiceLine> Lines,
    IReadOnlyList<InvoiceAllowanceCharge> AllowanceCharges,
    IReadOnlyList<TaxSubtotal> TaxBreakdown,
    decimal? TaxTotal,
    decimal? TaxTotalInTaxCurrency,
    InvoiceTotals Totals)
{
    /// <summary>
    /// Who the supplier is for duplicate detection: its VAT id, else its legal registration id, else its electronic
    /// address, else its name (upper-cased, spaces collapsed). Never the invoice number alone.
    /// </summary>
    public string SupplierKey =>
        Supplier.VatId is { Length: > 0 } vat ? "vat:" + Normalize(vat)
        : Supplier.LegalId is { Length: > 0 } legal ? "legal:" + Normalize(legal)
        : Supplier.Endpoint is { Length: > 0 } endpoint ? "endpoint:" + Normalize(endpoint)
        : "name:" + Normalize(Supplier.Name ?? Supplier.TradingName ?? "");

    private static string Normalize(string value) =>
        string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
}
