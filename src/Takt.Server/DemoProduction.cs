using Takt.Contracts;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The demo's product structure (issue 6): item types, released two-level BOMs and routings with times at both
/// plants, work-center capacity, and the accounts and determinations of revaluation and settlement variances.
/// </summary>
public static class DemoProduction
{
    public static readonly (string Category, string Account, string Name)[] VarianceAccounts =
    [
        ("price", "531000", "Input price variance"),
        ("usage", "532000", "Usage (quantity) variance"),
        ("efficiency", "533000", "Efficiency (activity) variance"),
        ("scrap", "534000", "Scrap variance"),
        ("mix", "535000", "Mix variance"),
        ("remaining", "536000", "Remaining variance"),
    ];

    public static readonly (string Class, string Account)[] StockAccounts = [("RAW", "140000"), ("SEMI", "141000"), ("FIN", "142000")];

    public static async Task SeedAsync(IServiceProvider services, StoreTransaction tx, DateOnly today, CancellationToken ct)
    {
        var ledger = services.GetRequiredService<ILedger>();
        var masterData = services.GetRequiredService<IMasterData>();
        string[] plants = [DemoData.PlantA, DemoData.PlantB];
        await ledger.ConfigureAsync(tx, new LedgerSetup(
            [.. VarianceAccounts.Select(v => (v.Account, v.Name, "expense")), ("539000", "Inventory revaluation", "expense")],
            [.. plants.SelectMany(p => VarianceAccounts.Select(v => (p, "variance-" + v.Category, "*", v.Account, "145000"))
                .Concat(StockAccounts.Select(s => (p, "revaluation", s.Class, s.Account, "539000"))))],
            []), ct);

        var types = new Dictionary<string, string>(StringComparer.Ordinal) { [DemoData.Pump] = "finished", [DemoData.Housing] = "semi-finished" };
        var from = new DateOnly(today.Year - 1, 1, 1);
        var imported = await masterData.ImportAsync(tx, new MasterDataDocument(
            Items: [.. DemoData.Items.Select(i => new ItemRecord(i.Number, i.Description, types.GetValueOrDefault(i.Number, "raw"), i.Unit, i.Class))],
            WorkCenters: [.. DemoData.WorkCenters.Select(w => new WorkCenterRecord(w.Code, w.Plant, w.Name, w.MachineRatePerHour, w.LabourRatePerHour, 16m))],
            Boms: [.. plants.SelectMany(p => new[]
            {
                new BomRecord(p, DemoData.Pump, 1, from, null, 1m, "released",
                [
                    new BomLineRecord(DemoData.Housing, 1m, "H87"),
                    new BomLineRecord("RM-3002", 1m, "H87"),
                    new BomLineRecord("RM-3003", 1m, "H87", Backflush: true),
                    new BomLineRecord("RM-3004", 0.5m, "LTR", Backflush: true),
                ]),
                new BomRecord(p, DemoData.Housing, 1, from, null, 1m, "released",
                [
                    new BomLineRecord("RM-3001", 1m, "H87"),
                    new BomLineRecord("RM-3005", 2.4m, "KGM"),
                ]),
            })],
            Routings: [.. plants.SelectMany(p => new[]
            {
                new RoutingRecord(p, DemoData.Pump,
                [
                    new OperationRecord("0010", $"{p}-ASM1", "Assemble pump", 0.5m, 0.2m, 0.4m),
                    new OperationRecord("0020", $"{p}-TST1", "Pressure test", 0m, 0.1m, 0.1m),
                ]),
                new RoutingRecord(p, DemoData.Housing,
                [
                    new OperationRecord("0010", $"{p}-CNC1", "Rough machining", 1m, 0.25m, 0.1m),
                    new OperationRecord("0020", $"{p}-CNC2", "Finish machining", 0.5m, 0.2m, 0.1m),
                ]),
            })]), new ChangeReason("takt-demo", "demo product structure"), ct);
        if (imported.IsRejected)
            throw new InvalidOperationException("Demo product structure does not import: " + string.Join("; ", imported.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}")));
    }
}
