using Takt.Contracts;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Planning;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The outage scenario's world (issue 11): a gear-pump family of 8 finished pumps, 16 machined parts and 208 bought
/// parts at both plants (BOMs, routings, standard costs), planning parameters (lead times, lot policies, safety stock,
/// suppliers), customer orders and forecasts, opening stock at Plant A in rack C-01 (Plant B keeps none of these
/// parts), released orders whose rough machining loads PA01-CNC1 for the next days, the alternates the routings allow
/// (PA01-CNC2 at 90 %, the sister plant's PB01-CNC1), and a first regenerative plan.
/// </summary>
public static class DemoPlanning
{
    public const string Machine = "PA01-CNC1";
    public const string Customer = "CO-88001";
    public const int FinishedCount = 8;

    public static string Finished(int i) => $"FG-{5001 + i}";

    public static string Machined(int i) => $"SF-{6001 + i}";

    public static string Bought(int i) => $"RM-{7001 + i}";

    public static async Task SeedAsync(IServiceProvider services, StoreTransaction tx, DateOnly today, CancellationToken ct)
    {
        var masterData = services.GetRequiredService<IMasterData>();
        var production = services.GetRequiredService<IProduction>();
        var ledger = services.GetRequiredService<ILedger>();
        var inventory = services.GetRequiredService<IInventory>();
        string[] plants = [DemoData.PlantA, DemoData.PlantB];
        var from = new DateOnly(today.Year - 1, 1, 1);

        // Structure: pump i = housing 2i + cover 2i+1 + 10 bought parts; a machined part = 8 bought parts.
        var items = new List<ItemRecord>();
        var boms = new List<BomRecord>();
        var routings = new List<RoutingRecord>();
        var costs = new List<StandardCostRecord>();
        var boughtCost = new decimal[208];
        for (var b = 0; b < 208; b++)
        {
            boughtCost[b] = 8m + (b * 37 % 90);
            items.Add(new ItemRecord(Bought(b), $"Gear pump part {b + 1:000}", "raw", "H87", "RAW"));
        }

        for (var m = 0; m < 16; m++)
            items.Add(new ItemRecord(Machined(m), m % 2 == 0 ? $"Gear pump housing GP-{m / 2 + 1}" : $"Gear pump cover GP-{m / 2 + 1}", "semi-finished", "H87", "SEMI"));
        for (var f = 0; f < FinishedCount; f++)
            items.Add(new ItemRecord(Finished(f), $"Gear pump GP-{f + 1}", "finished", "H87", "FIN"));

        foreach (var plant in plants)
        {
            for (var m = 0; m < 16; m++)
            {
                var lines = Enumerable.Range(0, 8).Select(k => new BomLineRecord(Bought(80 + (m * 8) + k), k == 0 ? 1m : 1m + (k % 3), "H87")).ToList();
                boms.Add(new BomRecord(plant, Machined(m), 1, from, null, 1m, "released", lines));
                routings.Add(new RoutingRecord(plant, Machined(m),
                [
                    new OperationRecord("0010", $"{plant}-CNC1", "Rough machining", 1m, 0.12m, 0.05m),
                    new OperationRecord("0020", $"{plant}-CNC2", "Finish machining", 0.5m, 0.08m, 0.05m),
                ]));
                costs.Add(new StandardCostRecord(plant, Machined(m), 60m + (m * 4)));
            }

            for (var f = 0; f < FinishedCount; f++)
            {
                var lines = new List<BomLineRecord> { new(Machined(2 * f), 1m, "H87"), new(Machined((2 * f) + 1), 1m, "H87") };
                lines.AddRange(Enumerable.Range(0, 10).Select(k => new BomLineRecord(Bought((f * 10) + k), 1m + (k % 2), "H87")));
                boms.Add(new BomRecord(plant, Finished(f), 1, from, null, 1m, "released", lines));
                routings.Add(new RoutingRecord(plant, Finished(f),
                [
                    new OperationRecord("0010", $"{plant}-ASM1", "Assemble pump", 0.5m, 0.1m, 0.2m),
                    new OperationRecord("0020", $"{plant}-TST1", "Test pump", 0m, 0.05m, 0.05m),
                ]));
                costs.Add(new StandardCostRecord(plant, Finished(f), 320m + (f * 15)));
            }

            costs.AddRange(Enumerable.Range(0, 208).Select(b => new StandardCostRecord(plant, Bought(b), boughtCost[b])));
        }

        var imported = await masterData.ImportAsync(tx, new MasterDataDocument(Items: items, Boms: boms, Routings: routings, StandardCosts: costs),
            new ChangeReason("takt-demo", "outage scenario: gear pump family"), ct);
        if (imported.IsRejected)
            throw new InvalidOperationException("Demo planning structure does not import: " + string.Join("; ", imported.Violations.Take(5).Select(v => $"{v.Field} {v.Rule} {v.Detail}")));

        // Planning parameters.
        string[] suppliers = ["SUP-100", "SUP-200", "SUP-300"];
        foreach (var plant in plants)
        {
            for (var b = 0; b < 208; b++)
            {
                var (policy, lot) = (b % 3) switch { 0 => ("lot-for-lot", 0m), 1 => ("fixed", 100m), _ => ("minimum", 50m) };
                tx.Stage("INSERT INTO planning_item (plant, item, make, lead_time_days, lot_policy, lot_size_e6, safety_stock_e6, supplier, price_e4, category) VALUES ($1, $2, 0, $3, $4, $5, $6, $7, $8, 'direct')",
                    plant, Bought(b), (long)(5 + (b % 4 * 4)), policy, Fixed.ToE6(lot), Fixed.ToE6(b % 5 == 0 ? 20m : 0m), suppliers[b % 3], Fixed.ToE4(boughtCost[b]));
            }

            for (var m = 0; m < 16; m++)
                tx.Stage("INSERT INTO planning_item (plant, item, make, lead_time_days, lot_policy, lot_size_e6, safety_stock_e6, supplier, price_e4, category) VALUES ($1, $2, 1, 2, 'lot-for-lot', 0, 0, NULL, 0, 'direct')", plant, Machined(m));
            for (var f = 0; f < FinishedCount; f++)
                tx.Stage("INSERT INTO planning_item (plant, item, make, lead_time_days, lot_policy, lot_size_e6, safety_stock_e6, supplier, price_e4, category) VALUES ($1, $2, 1, 3, 'fixed', $3, 0, NULL, 0, 'direct')", plant, Finished(f), Fixed.ToE6(10m));
        }

        tx.Stage("INSERT INTO planning_alternate (work_center, alternate, efficiency_percent) VALUES ($1, $2, 90)", Machine, "PA01-CNC2");
        tx.Stage("INSERT INTO planning_alternate (work_center, alternate, efficiency_percent) VALUES ($1, $2, 100)", Machine, "PB01-CNC1");

        // Demand: the high-priority customer order, others, and forecasts.
        for (var f = 0; f < FinishedCount; f++)
        {
            tx.Stage("INSERT INTO planning_demand (id, plant, item, kind, reference, quantity_e6, due_date, priority) VALUES ($1, $2, $3, 'customer-order', $4, $5, $6, $7)",
                $"D-CO-{f + 1}", DemoData.PlantA, Finished(f), f == 0 ? Customer : $"CO-{88002 + f}", Fixed.ToE6(30m + (f * 5)), (long)today.AddDays(6 + f).ToDateKey(), f == 0 ? 1L : 2L);
            for (var w = 2; w <= 5; w++)
            {
                tx.Stage("INSERT INTO planning_demand (id, plant, item, kind, reference, quantity_e6, due_date, priority) VALUES ($1, $2, $3, 'forecast', $4, $5, $6, 3)",
                    $"D-FC-{f + 1}-{w}", DemoData.PlantA, Finished(f), $"FC-W{w}", Fixed.ToE6(20m), (long)today.AddDays(w * 7).ToDateKey());
            }
        }

        // Opening stock of the bought parts at Plant A, in rack C-01 (so the WMS can pick it), against the opening-balance account.
        tx.Stage("INSERT INTO inventory_location (plant, code, name, wms_managed) VALUES ($1, 'C-01', 'Rack C, aisle 01 (gear pump parts)', 1) ON CONFLICT (plant, code) DO NOTHING", DemoData.PlantA);
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var clock = services.GetRequiredService<TimeProvider>();
        for (var b = 0; b < 208; b++)
        {
            var quantity = 600m;
            var value = new Money(boughtCost[b] * quantity, Currency.Eur).RoundToMinorUnits();
            var entry = ledger.Prepare(rules, new JournalEntryDraft(DemoData.Company, DemoData.PlantA, Currency.Eur, today, "opening-stock",
                new PostingSource("takt.demo.opening-stock", $"{DemoData.PlantA}/{Bought(b)}", "/takt/demo", clock.GetUtcNow(), "/postingDate"),
                [new PostingPair("initial-stock", "RAW", value, "/quantity", Item: Bought(b))]));
            if (entry.IsRejected)
                throw new InvalidOperationException("Demo planning stock does not post: " + string.Join("; ", entry.Violations.Select(v => v.Detail)));
            var journalEntry = ledger.Stage(tx, entry.Value);
            inventory.Stage(tx, new StockMovementDraft("initial-stock", DemoData.PlantA, Bought(b), new Quantity(quantity, UnitOfMeasure.Of("H87")), value, null, journalEntry, today, null, Location: "C-01", Lot: "L-OPEN"));
        }

        await tx.FlushAsync(ct);

        // Released orders: machined parts at Plant A (rough machining on PA01-CNC1), pumps for the customer orders.
        var structure = await masterData.LoadStructureAsync(tx, DemoData.PlantA, today, ct);
        for (var m = 0; m < 16; m++)
        {
            var quantity = 40m + (m % 4 * 10);
            var number = $"PA01-{200001 + m}";
            var bom = structure.Boms[Machined(m)];
            var released = await production.ReleaseAsync(tx, new ProductionOrderDraft(number, DemoData.PlantA, Machined(m), quantity, m < 2 ? 1 : 2, today.AddDays(2 + (m / 2)),
                [.. bom.Lines.Select(l => new ComponentDraft(l.Component, l.QuantityPerUnit * quantity))],
                [new OperationDraft("0010", Machine, "Rough machining"), new OperationDraft("0020", "PA01-CNC2", "Finish machining")]), ct);
            if (released.IsRejected)
                throw new InvalidOperationException("Demo planning order does not release: " + string.Join("; ", released.Violations.Select(v => v.Detail)));
        }

        for (var f = 0; f < 3; f++)
        {
            var quantity = 30m + (f * 5);
            var bom = structure.Boms[Finished(f)];
            var released = await production.ReleaseAsync(tx, new ProductionOrderDraft($"PA01-{300001 + f}", DemoData.PlantA, Finished(f), quantity, f == 0 ? 1 : 2, today.AddDays(6 + f),
                [.. bom.Lines.Select(l => new ComponentDraft(l.Component, l.QuantityPerUnit * quantity))],
                [new OperationDraft("0010", "PA01-ASM1", "Assemble pump"), new OperationDraft("0020", "PA01-TST1", "Test pump")]), ct);
            if (released.IsRejected)
                throw new InvalidOperationException("Demo planning order does not release: " + string.Join("; ", released.Violations.Select(v => v.Detail)));
        }

        await tx.FlushAsync(ct);
        var planned = await services.GetRequiredService<IPlanning>().RunAsync(tx, new PlanRequest(plants), ct);
        if (planned.IsRejected)
            throw new InvalidOperationException("Demo plan does not run: " + string.Join("; ", planned.Violations.Select(v => v.Detail)));
    }
}
