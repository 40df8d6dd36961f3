using System.Globalization;
using System.Text.Json.Nodes;
using Takt.Contracts;
using Takt.Orchestration;
using Takt.Orchestration.Approvals;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>
/// How a purchase is approved, decided when it is written: the plant's approval threshold (the approval standard with
/// the plant's variant), the delegation-of-authority matrix, and the plant/category budget (commitment = open
/// requisitions + open purchase orders). Over budget adds an approval by the next level of authority. Every decision
/// is explained in words stored with the document.
/// </summary>
internal sealed class ApprovalRouting(IOrchestration orchestration, ProcurementOptions options)
{
    /// <param name="NeedsFlow">True when the approval flow runs (a person approves, or the matrix decides in the flow).</param>
    /// <param name="Variables">The approval flow's inputs, when it runs.</param>
    public sealed record Decision(bool NeedsFlow, bool OverBudget, IReadOnlyList<string> Explanations, JsonObject Variables);

    /// <param name="AlsoCommitted">Commitment of this batch not yet in the tables (earlier requisitions of one call).</param>
    public sealed record Purchase(string DocumentKind, string Document, string Plant, string Category, Money Value, string Urgency, string SupplierRisk, string CostObject, string? ExcludeOrder, decimal AlsoCommitted = 0m);

    public async Task<Outcome<Decision>> DecideAsync(StoreTransaction tx, Purchase purchase, CancellationToken ct)
    {
        var settings = await orchestration.PlantSettingsAsync(tx, options.ApprovalFlow, purchase.Plant, ct);
        if (settings is null)
            return new Violation("", "procurement.approval-standard-missing", $"The approval standard '{options.ApprovalFlow}' has no published version.");
        var threshold = settings.Values.TryGetValue("approvalThreshold", out var t) ? t.GetDecimal() : 0m;
        var request = new DoaRequest(purchase.Value, purchase.Plant, purchase.Category, purchase.Urgency, purchase.SupplierRisk);
        var routed = await orchestration.RouteAsync(tx, options.ApprovalMatrix, request, ct);
        if (routed.IsRejected)
            return Outcome<Decision>.FromViolations([.. routed.Violations.Select(v => v.Rule == "doa.currency-mismatch" ? v with { Field = "/estimatedValue/currency" } : v)]);
        var routing = routed.Value;
        var explanations = new List<string>();
        var source = $"{settings.Flow} v{settings.Version}" + (settings.VariantId is null ? ", standard" : $", {purchase.Plant} variant {settings.VariantId}");
        if (purchase.Urgency == "expedite" && await orchestration.PlantSettingsAsync(tx, options.ExpediteFlow, purchase.Plant, ct) is { } expedite
            && expedite.Values.TryGetValue("approvalThreshold", out var e) && e.GetDecimal() < threshold)
        {
            // Urgency is part of the policy: an expedite is approved by policy only within the expedite threshold as well.
            threshold = e.GetDecimal();
            source = $"{expedite.Flow} v{expedite.Version}" + (expedite.VariantId is null ? ", standard" : $", {purchase.Plant} variant {expedite.VariantId}") + ", lower for expedites";
        }

        var overThreshold = purchase.Value.Amount > threshold;
        explanations.Add(overThreshold
            ? $"{purchase.Plant} approval threshold {Amount(threshold)} {purchase.Value.Currency.Code} ({source}): value {Amount(purchase.Value.Amount)} is above it, routed by the approval matrix."
            : $"{purchase.Plant} approval threshold {Amount(threshold)} {purchase.Value.Currency.Code} ({source}): value {Amount(purchase.Value.Amount)} is within it.");

        var (overBudget, budgetText) = await BudgetAsync(tx, purchase, ct);
        string budgetApprover = "plant-controller";
        if (overBudget)
        {
            // The next level above the highest the matrix asks for: the levels this category would ever reach.
            var all = await orchestration.RouteAsync(tx, options.ApprovalMatrix, request with { Value = new Money(decimal.MaxValue / 10, purchase.Value.Currency) }, ct);
            var highest = routing.Levels.Count == 0 ? 0 : routing.Levels.Max(l => l.Level);
            var next = all.IsRejected ? null : all.Value.Levels.Where(l => l.Level > highest).OrderBy(l => l.Level).FirstOrDefault();
            var top = all.IsRejected ? null : all.Value.Levels.OrderBy(l => l.Level).LastOrDefault();
            budgetApprover = next?.Approvers[0].Role ?? top?.Approvers[0].Role ?? "plant-controller";
            budgetText += next is not null
                ? $": routed to the next level, {budgetApprover} (level {next.Level})."
                : $": the matrix has no level above {highest}; {budgetApprover} approves the overrun as well.";
        }

        if (overThreshold || overBudget)
            explanations.AddRange(routing.Explanations);
        else
            explanations.Add("Approved without a person: within the plant threshold and the budget.");
        explanations.Add(budgetText);

        var variables = new JsonObject
        {
            ["document"] = purchase.Document,
            ["documentKind"] = purchase.DocumentKind,
            ["value"] = new JsonObject { ["amount"] = purchase.Value.Amount, ["currency"] = purchase.Value.Currency.Code },
            ["category"] = purchase.Category,
            ["urgency"] = purchase.Urgency,
            ["supplierRisk"] = purchase.SupplierRisk,
            ["costCenter"] = purchase.CostObject,
            ["overBudget"] = overBudget ? "yes" : "no",
            ["budgetApprover"] = budgetApprover,
        };
        return new Decision(overThreshold || overBudget, overBudget, explanations, variables);
    }

    private static async Task<(bool Over, string Text)> BudgetAsync(StoreTransaction tx, Purchase purchase, CancellationToken ct)
    {
        long budgetE4;
        string currency;
        await using (var reader = await tx.Command("SELECT amount_e4, currency FROM proc_budget WHERE plant = $1 AND category = $2", purchase.Plant, purchase.Category).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return (false, $"No budget set for {purchase.Plant}/{purchase.Category}: not checked.");
            budgetE4 = reader.GetInt64(0);
            currency = reader.GetString(1);
        }

        var budget = Fixed.FromE4(budgetE4);
        var requisitions = purchase.AlsoCommitted + Fixed.FromE4(Convert.ToInt64(await tx.Command(
            "SELECT COALESCE(SUM(value_e4), 0) FROM proc_requisition WHERE plant = $1 AND category = $2 AND status IN ('pending-approval', 'approved') AND number <> $3",
            purchase.Plant, purchase.Category, purchase.DocumentKind == "requisition" ? purchase.Document : "").ExecuteScalarAsync(ct), CultureInfo.InvariantCulture));
        var orders = 0m;
        await using (var reader = await tx.Command(
            "SELECT l.quantity_e6, l.received_e6, l.price_e4, p.rate_e10 FROM proc_po_line l JOIN proc_po p ON p.number = l.po WHERE p.plant = $1 AND p.category = $2 AND p.status IN ('pending-approval', 'issued', 'confirmed') AND p.number <> $3",
            purchase.Plant, purchase.Category, purchase.ExcludeOrder ?? "").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                orders += Math.Max(0m, Fixed.FromE6(reader.GetInt64(0)) - Fixed.FromE6(reader.GetInt64(1))) * Fixed.FromE4(reader.GetInt64(2)) * ProcurementService.FromE10(reader.GetInt64(3));
        }

        orders = Math.Round(orders, 2, MidpointRounding.AwayFromZero);
        var committed = requisitions + orders;
        var total = committed + purchase.Value.Amount;
        var text = $"Budget {purchase.Plant}/{purchase.Category} {Amount(budget)} {currency}: committed {Amount(committed)} (open requisitions {Amount(requisitions)}, open orders {Amount(orders)}) + {Amount(purchase.Value.Amount)} = {Amount(total)}";
        return total > budget ? (true, text + " exceeds it") : (false, text + ", within it.");
    }

    public static string Amount(decimal value) => value.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
