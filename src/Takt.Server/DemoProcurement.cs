using Takt.Contracts;
using Takt.Ledger;
using Takt.Orchestration;
using Takt.Procurement;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The demo's purchasing: account determination of goods receipts (Inventory at standard, GR/IR at the PO price, price
/// variance), of inspection stock scrapped by usage decision and of service entries, four suppliers (one billing in USD), inspection of castings on receipt, MRO budgets, and Plant A's variant of the approval
/// standard (a higher threshold), approved by the process owner through its flow. Runs after <see cref="DemoFlows"/>.
/// </summary>
public static class DemoProcurement
{
    public const string PriceVariance = "531000";

    public static readonly SupplierView[] Suppliers =
    [
        new("SUP-100", "Gießerei Meier GmbH", "EUR", 30, "low", "supplier-meier"),
        new("SUP-200", "Hřídele Brno s.r.o.", "EUR", 45, "medium", "supplier-hridele"),
        new("SUP-300", "Seal Systems Ltd", "EUR", 60, "high", null),
        new("SUP-400", "Precision Bearings Inc.", "USD", 30, "medium", null),
    ];

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var ledger = services.GetRequiredService<ILedger>();
        var procurement = services.GetRequiredService<IProcurement>();
        var flows = services.GetRequiredService<IOrchestration>();

        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            await using var tx = await session.BeginAsync(ct);
            await ledger.ConfigureAsync(tx, new LedgerSetup(
                [(PriceVariance, "Purchase price variance", "expense")],
                [.. new[] { DemoData.PlantA, DemoData.PlantB }.SelectMany(p => new[]
                {
                    (p, "goods-receipt-po", "RAW", "140000", "191000"),
                    (p, "goods-receipt-po", "SEMI", "141000", "191000"),
                    (p, "return-to-supplier", "RAW", "191000", "140000"),
                    (p, "return-to-supplier", "SEMI", "191000", "141000"),
                    (p, "purchase-price-variance", "*", PriceVariance, "191000"),
                    (p, "purchase-price-variance-gain", "*", "191000", PriceVariance),
                    (p, "quality-scrap", "RAW", "520000", "140000"),
                    (p, "quality-scrap", "SEMI", "520000", "141000"),
                    (p, "service-entry", "*", "620000", "191000"),
                    (p, "service-entry-reversal", "*", "191000", "620000"),
                })],
                []), ct);
            foreach (var supplier in Suppliers)
                Check(await procurement.SaveSupplierAsync(tx, supplier, ct));
            await procurement.SetInspectionAsync(tx, "RM-3001", true, ct);
            Check(await procurement.SetBudgetAsync(tx, new ProcurementBudget(DemoData.PlantA, "MRO", 60_000m, "EUR"), ct));
            Check(await procurement.SetBudgetAsync(tx, new ProcurementBudget(DemoData.PlantB, "MRO", 40_000m, "EUR"), ct));
            await tx.CommitAsync(ct);
        }

        await ProcurementModule.EnsureStandardsAsync(services, ct);
        Check(await flows.ProposeVariantAsync(store, ProcurementModule.ApprovalVariantPlantA, "plant-process-lead", ct));
        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            while (await flows.RunDueAsync(session, 500, ct) > 0)
            {
            }

            foreach (var task in await flows.InboxAsync(store, DemoFlows.Owner, null, ct))
                Check(await flows.ActAsync(store, task.Id, new TaskAction(TaskVerb.Approve, DemoFlows.Owner, "Within the standard's bounds; approved."), ct));
            while (await flows.RunDueAsync(session, 500, ct) > 0)
            {
            }
        }
    }

    private static T Check<T>(Outcome<T> outcome) => outcome.IsRejected
        ? throw new InvalidOperationException("Demo procurement: " + string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;
}
