using Takt.Contracts;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// A small pump maker with two plants: Plant A (Augsburg) and Plant B (Brno), one company in EUR, a two-level
/// bill of material, work centers with activity rates, account determination, open periods, opening stock
/// (posted against the opening-balance account so the ledger reconciles to stock) and released orders.
/// </summary>
public static class DemoData
{
    public const string Company = "TK01";
    public const string PlantA = "PA01";
    public const string PlantB = "PB01";
    public const string Pump = "FG-1000";
    public const string Housing = "SF-2000";

    public static readonly (string Number, string Description, string Unit, string Class, decimal CostA, decimal CostB)[] Items =
    [
        (Pump, "Hydraulic pump HP-200", "H87", "FIN", 138.90m, 134.70m),
        (Housing, "Pump housing, machined", "H87", "SEMI", 96.20m, 92.80m),
        ("RM-3001", "Aluminium casting AC-200", "H87", "RAW", 38.40m, 38.40m),
        ("RM-3002", "Drive shaft 25 mm", "H87", "RAW", 12.75m, 12.60m),
        ("RM-3003", "Seal kit HP-200", "H87", "RAW", 4.10m, 4.10m),
        ("RM-3004", "Hydraulic oil ISO VG 46", "LTR", "RAW", 3.20m, 3.35m),
        ("RM-3005", "Bar stock 42CrMo4", "KGM", "RAW", 2.85m, 2.70m),
    ];

    public static readonly WorkCenter[] WorkCenters =
    [
        new("PA01-CNC1", PlantA, "5-axis machining center 1", 85.00m, 52.00m),
        new("PA01-CNC2", PlantA, "5-axis machining center 2", 85.00m, 52.00m),
        new("PA01-ASM1", PlantA, "Pump assembly line", 20.00m, 48.00m),
        new("PA01-TST1", PlantA, "Pressure test bench", 35.00m, 50.00m),
        new("PB01-CNC1", PlantB, "Machining center", 78.00m, 38.00m),
        new("PB01-CNC2", PlantB, "Machining center", 78.00m, 38.00m),
        new("PB01-ASM1", PlantB, "Assembly cell", 18.00m, 36.00m),
        new("PB01-TST1", PlantB, "Test bench", 30.00m, 36.00m),
    ];

    public static async Task<bool> SeedIfEmptyAsync(IServiceProvider services, int ordersPerPlant, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var masterData = services.GetRequiredService<IMasterData>();
        if ((await masterData.PlantsAsync(store, ct)).Count > 0)
            return false;
        await SeedAsync(services, ordersPerPlant, ct);
        return true;
    }

    public static async Task SeedAsync(IServiceProvider services, int ordersPerPlant, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var masterData = services.GetRequiredService<IMasterData>();
        var ledger = services.GetRequiredService<ILedger>();
        var inventory = services.GetRequiredService<IInventory>();
        var production = services.GetRequiredService<IProduction>();

        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var eur = Currency.Eur;
        await masterData.UpsertAsync(tx, new MasterDataSet(
            [new Company(Company, "Takt Pumps GmbH", eur)],
            [(PlantA, "Plant A — Augsburg", Company, "Europe/Berlin"), (PlantB, "Plant B — Brno", Company, "Europe/Prague")],
            [.. Items.Select(i => new ItemSetup(i.Number, i.Description, i.Unit, i.Class))],
            [.. Items.SelectMany(i => new[] { (PlantA, i.Number, i.CostA), (PlantB, i.Number, i.CostB) })],
            WorkCenters), ct);

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var previous = today.AddMonths(-1);
        var previousPeriod = (previous.Year * 100) + previous.Month;
        var periods = new List<(string, int, bool)>();
        for (var month = new DateOnly(today.Year - 1, 1, 1); month.Year <= today.Year + 1; month = month.AddMonths(1))
        {
            var period = (month.Year * 100) + month.Month;
            periods.Add((Company, period, period >= previousPeriod));
        }

        await ledger.ConfigureAsync(tx, new LedgerSetup(
            [
                ("140000", "Raw materials inventory", "asset"),
                ("141000", "Semi-finished goods inventory", "asset"),
                ("142000", "Finished goods inventory", "asset"),
                ("145000", "Work in process", "asset"),
                ("191000", "GR/IR clearing", "liability"),
                ("160000", "Accounts payable", "liability"),
                ("300000", "Opening balance (stock take-over)", "equity"),
                ("510000", "Absorbed machine cost", "expense"),
                ("511000", "Absorbed labour cost", "expense"),
                ("520000", "Scrap expense", "expense"),
                ("530000", "Production variances", "expense"),
            ],
            [.. new[] { PlantA, PlantB }.SelectMany(p => new[]
            {
                (p, "goods-issue-to-order", "RAW", "145000", "140000"),
                (p, "goods-issue-to-order", "SEMI", "145000", "141000"),
                (p, "goods-receipt-from-order", "FIN", "142000", "145000"),
                (p, "goods-receipt-from-order", "SEMI", "141000", "145000"),
                (p, "activity-machine", "*", "145000", "510000"),
                (p, "activity-labour", "*", "145000", "511000"),
                (p, "scrap", "*", "520000", "145000"),
                (p, "initial-stock", "RAW", "140000", "300000"),
                (p, "initial-stock", "SEMI", "141000", "300000"),
                (p, "initial-stock", "FIN", "142000", "300000"),
            })],
            periods), ct);
        await DemoLedger.SeedAsync(ledger, tx, Company, today, ct);

        await DemoInventory.SeedAsync(tx, ledger, [PlantA, PlantB], ct);
        await DemoProduction.SeedAsync(services, tx, today, ct);

        // Opening stock, posted so that the inventory accounts equal the stock value from the first day.
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var openingQuantities = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            [Housing] = 400m, ["RM-3001"] = 5_000m, ["RM-3002"] = 5_000m, ["RM-3003"] = 8_000m, ["RM-3004"] = 4_000m, ["RM-3005"] = 20_000m,
        };
        foreach (var plant in new[] { PlantA, PlantB })
        {
            foreach (var (number, quantity) in openingQuantities)
            {
                var item = Items.Single(i => i.Number == number);
                var cost = plant == PlantA ? item.CostA : item.CostB;
                var value = new Money(cost * quantity, eur).RoundToMinorUnits();
                var entry = ledger.Prepare(rules, new JournalEntryDraft(
                    Company, plant, eur, today, "opening-stock",
                    new PostingSource("takt.demo.opening-stock", $"{plant}/{number}", "/takt/demo", clock.GetUtcNow(), "/postingDate"),
                    [new PostingPair("initial-stock", item.Class, value, "/quantity", Item: number)]));
                if (entry.IsRejected)
                    throw new InvalidOperationException("Demo opening stock does not post: " + string.Join("; ", entry.Violations.Select(v => v.Detail)));
                var journalEntry = ledger.Stage(tx, entry.Value);
                inventory.Stage(tx, new StockMovementDraft("initial-stock", plant, number, new Quantity(quantity, UnitOfMeasure.Of(item.Unit)), value, null, journalEntry, today, null));
            }
        }

        for (var i = 0; i < ordersPerPlant; i++)
        {
            foreach (var plant in new[] { PlantA, PlantB })
            {
                var released = await production.ReleaseAsync(tx, Order(plant, i, today), ct);
                if (released.IsRejected)
                    throw new InvalidOperationException("Demo order does not release: " + string.Join("; ", released.Violations.Select(v => v.Detail)));
            }
        }

        await DemoPlanning.SeedAsync(services, tx, today, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Even orders make pumps (assembly, test); odd ones machine housings (two CNC operations).</summary>
    public static ProductionOrderDraft Order(string plant, int index, DateOnly today)
    {
        var number = $"{plant}-{100001 + index}";
        var quantity = 20 + (index % 5 * 10);
        var due = today.AddDays(7 + (index % 14));
        return index % 2 == 0
            ? new ProductionOrderDraft(number, plant, Pump, quantity, 1 + (index % 3), due,
                [new ComponentDraft(Housing, quantity), new ComponentDraft("RM-3002", quantity), new ComponentDraft("RM-3003", quantity), new ComponentDraft("RM-3004", quantity * 0.5m)],
                [new OperationDraft("0010", $"{plant}-ASM1", "Assemble pump"), new OperationDraft("0020", $"{plant}-TST1", "Pressure test")])
            : new ProductionOrderDraft(number, plant, Housing, quantity, 1 + (index % 3), due,
                [new ComponentDraft("RM-3001", quantity), new ComponentDraft("RM-3005", quantity * 2.4m)],
                [new OperationDraft("0010", $"{plant}-CNC1", "Rough machining"), new OperationDraft("0020", $"{plant}-CNC2", "Finish machining")]);
    }
}
