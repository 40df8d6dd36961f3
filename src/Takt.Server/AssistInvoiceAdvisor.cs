using System.Globalization;
using Takt.Assist.Invoices;
using Takt.Payables.Matching;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// Payables' exception routing asks the AI service (issue 15): each exception is classified by the serving invoice
/// model and the suggestion (category, route, confidence, explanation) is recorded in the assist log and on the
/// exception, in the raising transaction. It advises only: payables' own category and route stay in force. Payables
/// and Assist do not know each other; the host wires them here. No model is trained in that transaction: without a
/// serving model there is no advice (the cold start trains outside, see <see cref="TrainAsync"/>).
/// </summary>
public sealed class AssistInvoiceAdvisor(InvoiceExceptionAdvisor advisor) : Takt.Payables.Matching.IInvoiceExceptionAdvisor
{
    public async Task<InvoiceExceptionAdvice?> AdviseAsync(StoreTransaction transaction, InvoiceExceptionContext exception, CancellationToken ct)
    {
        var f = exception.Features;
        var @case = new InvoiceExceptionCase(
            exception.Exception ?? exception.Invoice, exception.Plant, exception.Supplier, f?.Description ?? "",
            f?.PriceDeviation ?? 0, f?.QuantityDeviation ?? 0, f?.ReceiptMissing ?? false, f?.SameAmountRecent ?? 0, f?.TaxRateDelta ?? 0,
            f?.SupplierExceptionRate ?? 0, f?.NetValue ?? 0m, exception.CostCenter.Length == 0 ? null : exception.CostCenter,
            NoPurchaseOrder: string.IsNullOrWhiteSpace(exception.PurchaseOrder) || exception.Findings.Any(x => x.Category == ExceptionCategories.MissingPo));
        InvoiceExceptionAdvisor.RecordCase(transaction, @case); // what the classifier learns from once the exception is resolved
        var advice = await advisor.ClassifyAsync(transaction, @case, ct);
        if (advice is null)
            return null;
        var suggestion = advice.Suggestion;
        var rationale = string.Join(", ", suggestion.Explanation.Take(3).Select(e => $"{e.Feature} {e.Contribution.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)}"));
        return new InvoiceExceptionAdvice(Category(advice.Category), advice.Route?.Role ?? exception.Route, advice.Confidence, suggestion.ModelId,
            (suggestion.PersonOnlyReason is { } why ? why + " " : "") + "Strongest features: " + rationale + ".", suggestion.Id, suggestion.PersonOnly);
    }

    /// <summary>The model's category in payables' words (the classifier says duplicate-suspect).</summary>
    internal static string Category(string category) => category == InvoiceExceptionCategories.DuplicateSuspect ? ExceptionCategories.DuplicateSuspected : category;

    /// <summary>Payables' category in the model's words.</summary>
    internal static string ModelCategory(string category) => category == ExceptionCategories.DuplicateSuspected ? InvoiceExceptionCategories.DuplicateSuspect : category;

    /// <summary>The cold start, outside any intake transaction: trains a candidate model on generated history when none is registered.</summary>
    public static Task TrainAsync(IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<InvoiceExceptionAdvisor>().EnsureModelAsync(services.GetRequiredService<TaktStore>(), services.GetRequiredService<TimeProvider>(), ct);
}
