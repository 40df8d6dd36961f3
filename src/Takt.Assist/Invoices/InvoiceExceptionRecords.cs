using Takt.Store;

namespace Takt.Assist.Invoices;

/// <summary>Exception categories the classifier knows (those of the generated history; a trained log may add more).</summary>
public static class InvoiceExceptionCategories
{
    public const string PriceVariance = "price-variance";
    public const string QuantityVariance = "quantity-variance";
    public const string MissingReceipt = "missing-receipt";
    public const string DuplicateSuspect = "duplicate-suspect";
    public const string TaxMismatch = "tax-mismatch";
    public const string MissingPo = "missing-po";

    public static IReadOnlyList<string> All { get; } = [PriceVariance, QuantityVariance, MissingReceipt, DuplicateSuspect, TaxMismatch, MissingPo];
}

/// <summary>Where an exception goes: a role at a plant, for a cost center.</summary>
public sealed record ExceptionRoute(string Role, string Plant, string CostCenter);

/// <summary>
/// What is known about an invoice exception when it is raised: invoice vs. purchase order and receipt, supplier history
/// and the text of the line descriptions. Deviations are fractions (0.12 = 12 % over the order).
/// </summary>
/// <param name="Subject">The exception's (or invoice's) id.</param>
/// <param name="PriceDeviation">(invoiced price − order price) ÷ order price, largest line.</param>
/// <param name="QuantityDeviation">(invoiced quantity − received quantity) ÷ received quantity, largest line.</param>
/// <param name="ReceiptMissing">True when no goods receipt matches a line.</param>
/// <param name="SameAmountRecent">Other invoices of the supplier with the same amount in the last 30 days.</param>
/// <param name="TaxRateDelta">|invoiced VAT rate − expected VAT rate| (0.05 = 5 points).</param>
/// <param name="SupplierExceptionRate">Share of the supplier's invoices of the last year that had an exception.</param>
/// <param name="InvoiceValue">Invoice net amount in the company currency.</param>
/// <param name="CostCenter">The order line's cost center, if known.</param>
/// <param name="NoPurchaseOrder">True when the invoice names no purchase order (or one that does not exist).</param>
public sealed record InvoiceExceptionCase(string Subject, string Plant, string Supplier, string Description, double PriceDeviation, double QuantityDeviation, bool ReceiptMissing,
    int SameAmountRecent, double TaxRateDelta, double SupplierExceptionRate, decimal InvoiceValue, string? CostCenter = null, bool NoPurchaseOrder = false);

/// <summary>A resolved exception from the log: the case, the category it turned out to be and who resolved it (the training input).</summary>
/// <param name="Resolution">For a row from the log: how it was resolved and so how its label is known (e.g. <c>rejected</c>,
/// <c>duplicate</c>, <c>overridden by lena.ap</c>); null for a generated row.</param>
public sealed record ResolvedInvoiceException(InvoiceExceptionCase Case, string Category, ExceptionRoute ResolvedBy, string? Resolution = null)
{
    /// <summary>True for a row from the exception log (not generated).</summary>
    public bool FromLog => Resolution is not null;
}

/// <summary>Where resolved invoice exceptions come from (payables' exception log; generated history until it exists).</summary>
public interface IResolvedExceptionSource
{
    /// <summary>A name for the model registry's <c>source</c>.</summary>
    string Name { get; }

    Task<IReadOnlyList<ResolvedInvoiceException>> ReadAsync(TaktStore store, int limit, CancellationToken ct);
}

/// <summary>
/// The exception log's resolved invoice exceptions with the features they were raised with (payables' log; the host
/// implements it, Assist and payables do not know each other). The label is the category the resolution confirmed.
/// </summary>
public interface IInvoiceExceptionLog
{
    /// <summary>The newest resolved exceptions whose features were recorded, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ResolvedInvoiceException>> ResolvedAsync(TaktStore store, int limit, CancellationToken ct);
}

/// <summary>
/// Training rows from the exception log, topped up with generated history while the log is small (the cold start):
/// with fewer than <see cref="AssistOptions.LogOnlyRows"/> resolved exceptions, generated rows fill up to the number asked
/// for. Rows are mixed in a fixed order (the seed) so the holdout holds log rows too.
/// </summary>
public sealed class LogWithColdStart(IInvoiceExceptionLog log, AssistOptions options) : IResolvedExceptionSource
{
    public string Name => "resolved-exceptions";

    public async Task<IReadOnlyList<ResolvedInvoiceException>> ReadAsync(TaktStore store, int limit, CancellationToken ct)
    {
        var fromLog = await log.ResolvedAsync(store, limit, ct);
        if (fromLog.Count >= Math.Min(limit, options.LogOnlyRows))
            return Mix(fromLog);
        var generated = new GeneratedInvoiceHistory(options.Seed).Generate(limit - fromLog.Count);
        return Mix([.. fromLog, .. generated]);
    }

    private IReadOnlyList<ResolvedInvoiceException> Mix(IReadOnlyList<ResolvedInvoiceException> rows)
    {
        var random = new Random(options.Seed);
        return [.. rows.Select(r => (Key: random.Next(), Row: r)).OrderBy(p => p.Key).Select(p => p.Row)];
    }
}
