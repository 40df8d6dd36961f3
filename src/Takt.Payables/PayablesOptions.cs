namespace Takt.Payables;

/// <summary>Limits and windows of supplier invoice intake.</summary>
public sealed class PayablesOptions
{
    /// <summary>Largest invoice document, in bytes (413 <c>payload.too-large</c> beyond). Default 8 MiB.</summary>
    public int MaxDocumentBytes { get; set; } = 8 << 20;

    /// <summary>Deepest element nesting an invoice may have (400 <c>xml.too-deep</c> beyond). Default 64.</summary>
    public int MaxXmlDepth { get; set; } = 64;

    /// <summary>Most lines one invoice may have (413 <c>invoice.too-many-lines</c> beyond). Default 10,000.</summary>
    public int MaxLines { get; set; } = 10_000;

    /// <summary>
    /// Days between issue dates within which another invoice of the same supplier, kind and amount due is a
    /// suspected duplicate. Default 7.
    /// </summary>
    public int SuspectedDuplicateDays { get; set; } = 7;

    /// <summary>Days after the issue date an invoice is due when it names no due date and its supplier has no payment terms. Default 30.</summary>
    public int DefaultPaymentTermsDays { get; set; } = 30;

    /// <summary>
    /// The role each exception category is routed to (the invoice-exception flow's <c>route</c> input): the buyer for
    /// price and supplier data, the plant (its controller) for quantities and receipts, the cost center's owner when
    /// there is no order, accounts payable for duplicates, tax and arithmetic.
    /// </summary>
    public IDictionary<string, string> ExceptionRoutes { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Matching.ExceptionCategories.PriceVariance] = "buyer",
        [Matching.ExceptionCategories.SupplierDataMismatch] = "buyer",
        [Matching.ExceptionCategories.QuantityVariance] = "plant-controller",
        [Matching.ExceptionCategories.MissingReceipt] = "plant-controller",
        [Matching.ExceptionCategories.MissingPo] = "cost-center-owner",
        [Matching.ExceptionCategories.DuplicateSuspected] = "ap-clerk",
        [Matching.ExceptionCategories.TaxMismatch] = "ap-clerk",
        [Matching.ExceptionCategories.ArithmeticError] = "ap-clerk",
    };
}
