using System.Text.Json.Nodes;
using Takt.Assist.Invoices;
using Takt.Assist.Registry;
using Takt.Payables;
using Takt.Payables.Matching;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The invoice classifier's training rows from payables' exception log (issue 15): each resolved exception with the
/// features it was raised with (recorded by <see cref="AssistInvoiceAdvisor"/>) and, as its label, the category its
/// resolution confirmed. A person's decision on the model's suggestion for it wins: <c>overridden</c> names the category
/// (and role) the person chose, <c>accepted</c> confirms the suggestion. Otherwise: a confirmed duplicate is a
/// duplicate; a suspected duplicate that was not one (re-matched or resolved otherwise) takes its next category, or is
/// left out when it had none; released, rejected and re-matched exceptions keep their category. The route is the role
/// payables routed the category to (who resolved it), at its plant, for its cost center.
/// </summary>
public sealed class PayablesExceptionLog(IInvoiceMatching matching, PayablesOptions payables, TimeProvider clock) : IInvoiceExceptionLog
{
    public const string UnassignedCostCenter = "unassigned";

    public async Task<IReadOnlyList<ResolvedInvoiceException>> ResolvedAsync(TaktStore store, int limit, CancellationToken ct)
    {
        var resolved = await matching.ExceptionsAsync(store, null, "resolved", limit, ct);
        if (resolved.Count == 0)
            return [];
        return await store.ReadAsync(clock, async tx =>
        {
            var cases = await InvoiceExceptionAdvisor.CasesAsync(tx, [.. resolved.Select(e => e.Id)], ct);
            var rows = new List<ResolvedInvoiceException>(resolved.Count);
            foreach (var exception in resolved.OrderBy(e => e.RaisedAt).ThenBy(e => e.Id, StringComparer.Ordinal))
            {
                if (!cases.TryGetValue(exception.Id, out var @case))
                    continue; // raised before its features were recorded
                var decided = exception.Advice?.Suggestion is { } id ? await SuggestionLog.FindAsync(tx, id, ct) : null;
                if (Label(exception, decided) is not { } label)
                    continue;
                var costCenter = exception.Context.CostCenter.Length > 0 ? exception.Context.CostCenter : @case.CostCenter ?? UnassignedCostCenter;
                rows.Add(new ResolvedInvoiceException(@case, label.Category, new ExceptionRoute(label.Role, exception.Plant, costCenter), label.How));
            }

            return (IReadOnlyList<ResolvedInvoiceException>)rows;
        }, ct);
    }

    private (string Category, string Role, string How)? Label(InvoiceExceptionView exception, Suggestion? decided)
    {
        string RoleOf(string category) => payables.ExceptionRoutes.TryGetValue(category, out var role) ? role : exception.Route;
        if (decided is { Outcome: "overridden", DecidedValue: { } value } && Overridden(value) is { } chosen)
        {
            var category = AssistInvoiceAdvisor.Category(chosen.Category);
            return (AssistInvoiceAdvisor.ModelCategory(category), chosen.Role ?? RoleOf(category), $"overridden by {decided.DecidedBy}");
        }

        if (decided is { Outcome: "accepted" } && decided.Output["category"]?.GetValue<string>() is { } suggested)
            return (suggested, decided.Output["route"]?["role"]?.GetValue<string>() ?? RoleOf(AssistInvoiceAdvisor.Category(suggested)), $"accepted by {decided.DecidedBy}");
        var resolution = exception.Resolution ?? "resolved";
        if (resolution == "duplicate")
            return (InvoiceExceptionCategories.DuplicateSuspect, RoleOf(ExceptionCategories.DuplicateSuspected), resolution);
        if (exception.Category != ExceptionCategories.DuplicateSuspected)
            return (AssistInvoiceAdvisor.ModelCategory(exception.Category), exception.Route, resolution);
        // Suspected, but not a duplicate: what else it was, if anything.
        return exception.Categories.FirstOrDefault(c => c != ExceptionCategories.DuplicateSuspected) is { } next ? (next, RoleOf(next), resolution + ", not a duplicate") : null;
    }

    /// <summary>An override's value: a category, or <c>{"category": …, "role": …}</c> (or <c>"route": {"role": …}</c>).</summary>
    private static (string Category, string? Role)? Overridden(JsonNode value)
    {
        try
        {
            if (value is JsonValue text && text.TryGetValue<string>(out var category) && category.Length > 0)
                return (category, null);
            if (value is JsonObject o && o["category"]?.GetValue<string>() is { Length: > 0 } c)
                return (c, o["role"]?.GetValue<string>() ?? o["route"]?["role"]?.GetValue<string>());
        }
        catch (InvalidOperationException)
        {
            // Not text where text was expected: not an override the classifier can learn from.
        }

        return null;
    }
}
