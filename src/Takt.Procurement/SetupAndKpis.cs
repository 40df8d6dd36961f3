using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>Suppliers, budgets, inspection settings, and the procurement KPIs.</summary>
internal sealed partial class ProcurementService
{
    public Task<Outcome<SupplierView>> SaveSupplierAsync(StoreTransaction transaction, SupplierView supplier, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(supplier.Code))
            errors.Add(new Violation("/code", "supplier.code-required", "A supplier has a code."));
        if (string.IsNullOrWhiteSpace(supplier.Name))
            errors.Add(new Violation("/name", "supplier.name-required", "A supplier has a name."));
        if (!Currency.TryParse(supplier.Currency, out _))
            errors.Add(new Violation("/currency", "money.currency-unknown", $"'{supplier.Currency}' is not a known ISO 4217 currency."));
        if (supplier.PaymentTermsDays is < 0 or > 365)
            errors.Add(new Violation("/paymentTermsDays", "supplier.payment-terms-range", "Payment terms are 0 to 365 days."));
        if (supplier.Risk is not ("low" or "medium" or "high"))
            errors.Add(new Violation("/risk", "supplier.risk-unknown", "risk is low, medium or high."));
        if (errors.Count > 0)
            return Task.FromResult(Outcome<SupplierView>.FromViolations(errors));
        transaction.Stage(
            "INSERT INTO proc_supplier (code, name, currency, payment_terms_days, risk, client_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET name = excluded.name, currency = excluded.currency, payment_terms_days = excluded.payment_terms_days, risk = excluded.risk, client_id = excluded.client_id",
            supplier.Code, supplier.Name, supplier.Currency, (long)supplier.PaymentTermsDays, supplier.Risk, supplier.ClientId);
        return Task.FromResult(Outcome<SupplierView>.FromValue(supplier));
    }

    public async Task<Outcome<ProcurementBudget>> SetBudgetAsync(StoreTransaction transaction, ProcurementBudget budget, CancellationToken ct)
    {
        var plant = (await masterData.LoadAsync(transaction, [budget.Plant ?? ""], [], [], ct)).Plant(budget.Plant ?? "");
        if (plant is null)
            return new Violation("/plant", "budget.plant-unknown", $"Plant '{budget.Plant}' does not exist.");
        if (string.IsNullOrWhiteSpace(budget.Category))
            return new Violation("/category", "requisition.category-required", "Name the spend category.");
        if (budget.Currency != plant.Company.Currency.Code)
            return new Violation("/currency", "budget.currency-not-company", $"Budgets are in the company currency {plant.Company.Currency.Code}.");
        if (budget.Amount < 0 || decimal.Round(budget.Amount, plant.Company.Currency.MinorUnits) != budget.Amount)
            return new Violation("/amount", "budget.amount-invalid", $"A budget is 0 or more with at most {plant.Company.Currency.MinorUnits} decimals.");
        transaction.Stage(
            "INSERT INTO proc_budget (plant, category, amount_e4, currency) VALUES ($1, $2, $3, $4) ON CONFLICT (plant, category) DO UPDATE SET amount_e4 = excluded.amount_e4, currency = excluded.currency",
            budget.Plant, budget.Category, Fixed.ToE4(budget.Amount), budget.Currency);
        return budget;
    }

    public Task SetInspectionAsync(StoreTransaction transaction, string item, bool requiresInspection, CancellationToken ct)
    {
        transaction.Stage(
            "INSERT INTO proc_item (item, requires_inspection) VALUES ($1, $2) ON CONFLICT (item) DO UPDATE SET requires_inspection = excluded.requires_inspection",
            item, requiresInspection ? 1L : 0L);
        return Task.CompletedTask;
    }

    public async Task<ProcurementKpis> KpisAsync(TaktStore store, string? plant, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(TimeProvider.System, ct);
        var rows = new List<(string Plant, long Created, long? Decided, bool Flow, long? Ordered, long? Received)>();
        await using (var reader = await session.Read(
            """
            SELECT r.plant, r.created_at_us, r.decided_at_us, r.approval_instance, r.ordered_at_us, p.first_receipt_at_us
            FROM proc_requisition r LEFT JOIN proc_po p ON p.number = r.purchase_order
            WHERE ($1 = '' OR r.plant = $1)
            """, plant ?? "").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), !reader.IsDBNull(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
            }
        }

        return new ProcurementKpis([.. rows.GroupBy(r => r.Plant).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new ProcurementPlantKpis(
            g.Key,
            g.LongCount(),
            g.LongCount(r => !r.Flow && r.Decided is not null),
            Percentiles(g.Where(r => r.Flow && r.Decided is not null).Select(r => r.Decided!.Value - r.Created)),
            Percentiles(g.Where(r => r.Ordered is not null).Select(r => r.Ordered!.Value - r.Created)),
            Percentiles(g.Where(r => r.Ordered is not null && r.Received is not null).Select(r => r.Received!.Value - r.Ordered!.Value)),
            Percentiles(g.Where(r => r.Received is not null).Select(r => r.Received!.Value - r.Created))))]);
    }

    /// <summary>p50 and p90 (nearest rank) of durations in microseconds, as hours.</summary>
    internal static DurationPercentiles Percentiles(IEnumerable<long> microseconds)
    {
        var sorted = microseconds.Select(m => Math.Max(0, m)).Order().ToList();
        if (sorted.Count == 0)
            return new DurationPercentiles(0, 0, 0);
        double Rank(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)] / 3_600_000_000d;
        return new DurationPercentiles(sorted.Count, Math.Round(Rank(0.5), 3), Math.Round(Rank(0.9), 3));
    }
}

/// <summary><c>procurement.decide</c>: the approval flow ended; procurement releases or rejects the requisition or order in the step's transaction.</summary>
internal sealed class DecideAction(IServiceProvider services) : IFlowAction
{
    // Procurement starts flows through the orchestration whose engine holds this action: resolved at first use, not at construction.
    private ProcurementService? resolved;

    private ProcurementService procurement => resolved ??= services.GetRequiredService<ProcurementService>();

    public string Name => "procurement.decide";

    public async Task RunAsync(FlowActionContext context, CancellationToken ct)
    {
        if (context.Compensating)
            return;
        var decision = context.With.TryGetValue("decision", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        var document = context.Variables["document"]?.GetValue<string>() ?? throw new InvalidOperationException("The approval flow has no document.");
        var kind = context.Variables["documentKind"]?.GetValue<string>() ?? "requisition";
        await procurement.DecideAsync(context.Transaction, kind, document, context.InstanceId, decision == "approved", ct);
    }
}
