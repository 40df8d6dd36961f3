using Takt.Inventory;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// Inventory demo setup (issue 7): storage locations per plant, inventory settings, count tolerances and the account
/// determination of the inventory movement types (DESIGN §3: determination is data). No stock is moved here: the
/// opening stock stays where DemoData posts it (no location), so the shop-floor scenario is unchanged.
/// </summary>
public static class DemoInventory
{
    /// <summary>Locations every demo plant has: receiving, racks, quality, production supply, shipping.</summary>
    public static readonly (string Code, string Name)[] Locations =
    [
        ("RCV", "Goods receiving zone"),
        ("A-01", "Rack A, aisle 01"),
        ("A-02", "Rack A, aisle 02"),
        ("B-01", "Rack B, aisle 01"),
        ("QI", "Quality inspection area"),
        ("PSA", "Production supply area"),
        ("SHIP", "Shipping dock"),
    ];

    public static async Task SeedAsync(StoreTransaction tx, ILedger ledger, IReadOnlyList<string> plants, CancellationToken ct)
    {
        await ledger.ConfigureAsync(tx, new LedgerSetup(
            [
                ("540000", "Consumption of materials", "expense"),
                ("550000", "Inventory differences", "expense"),
                ("560000", "Cost of goods shipped", "expense"),
            ],
            [.. plants.SelectMany(p => new[] { ("RAW", "140000"), ("SEMI", "141000"), ("FIN", "142000") }.SelectMany(c => new[]
            {
                (p, "goods-receipt", c.Item1, c.Item2, "191000"),
                (p, "goods-issue", c.Item1, "540000", c.Item2),
                (p, "goods-return", c.Item1, c.Item2, "540000"),
                (p, "goods-issue-delivery", c.Item1, "560000", c.Item2),
                (p, "stock-adjustment-gain", c.Item1, c.Item2, "550000"),
                (p, "stock-adjustment-loss", c.Item1, "550000", c.Item2),
            }))],
            []), ct);
        foreach (var plant in plants)
        {
            foreach (var (code, name) in Locations)
            {
                tx.Stage("INSERT INTO inventory_location (plant, code, name, wms_managed) VALUES ($1, $2, $3, $4) ON CONFLICT (plant, code) DO NOTHING",
                    plant, code, name, code is "PSA" ? 0L : 1L);
            }

            tx.Stage("INSERT INTO inventory_plant_setting (plant, allow_negative, adjustment_threshold_e4, staging_location) VALUES ($1, 0, $2, 'PSA') ON CONFLICT (plant) DO NOTHING",
                plant, Fixed.ToE4(plant == DemoData.PlantA ? 2500m : 5000m));
        }

        foreach (var (itemClass, percent, value) in new[] { ("RAW", 2m, 50m), ("SEMI", 1m, 100m), ("FIN", 0m, 0m) })
        {
            tx.Stage("INSERT INTO inventory_count_tolerance (item_class, percent_e4, value_e4) VALUES ($1, $2, $3) ON CONFLICT (item_class) DO NOTHING",
                itemClass, Fixed.ToE4(percent), Fixed.ToE4(value));
        }

        await tx.FlushAsync(ct);
    }
}
