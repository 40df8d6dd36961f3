using Takt.MasterData;
using Takt.Testing;
using static Takt.Production.Tests.Bookings;

namespace Takt.Production.Tests;

/// <summary>Product structures of the tests, each under its own item prefix (one server serves a whole test class).</summary>
internal static class Structures
{
    /// <summary>
    /// Three levels at PA01: F1 ← (S2 ← (S1 ← R1, R2 | alternate R4), R3), R1 in grams. CNC1 runs 85 machine / 52
    /// labour per hour, ASM1 20 / 48. Overhead: 10 % of material on class SEMI at PA01.
    /// </summary>
    public static Task ThreeLevelsAsync(TaktHost host, string p) => ImportAsync(host, ThreeLevels(p));

    /// <summary>The document of <see cref="ThreeLevelsAsync"/>.</summary>
    public static MasterDataDocument ThreeLevels(string p) => new(
            Items:
            [
                new ItemRecord($"{p}-R1", "Steel", "raw", "KGM", "RAW"),
                new ItemRecord($"{p}-R2", "Bearing", "raw", "H87", "RAW"),
                new ItemRecord($"{p}-R3", "Screw", "raw", "H87", "RAW"),
                new ItemRecord($"{p}-R4", "Bearing, other supplier", "raw", "H87", "RAW"),
                new ItemRecord($"{p}-S1", "Hub", "semi-finished", "H87", "SEMI"),
                new ItemRecord($"{p}-S2", "Hub assembly", "semi-finished", "H87", "SEMI"),
                new ItemRecord($"{p}-F1", "Wheel", "finished", "H87", "FIN"),
            ],
            Boms:
            [
                new BomRecord("PA01", $"{p}-S1", 1, new(2026, 1, 1), null, 10m, "released",
                [
                    new BomLineRecord($"{p}-R1", 20m, "KGM", 0.1m),
                    new BomLineRecord($"{p}-R2", 10m, "H87", AlternateGroup: "BRG"),
                    new BomLineRecord($"{p}-R4", 10m, "H87", AlternateGroup: "BRG", AlternateRank: 1),
                ]),
                new BomRecord("PA01", $"{p}-S2", 1, new(2026, 1, 1), null, 1m, "released",
                [
                    new BomLineRecord($"{p}-S1", 2m, "H87"),
                    new BomLineRecord($"{p}-R3", 4m, "H87"),
                ]),
                new BomRecord("PA01", $"{p}-F1", 1, new(2026, 1, 1), null, 1m, "released",
                [
                    new BomLineRecord($"{p}-S2", 1m, "H87"),
                    new BomLineRecord($"{p}-R1", 500m, "GRM"),
                ]),
            ],
            Routings:
            [
                new RoutingRecord("PA01", $"{p}-S1", [new OperationRecord("0010", "PA01-CNC1", "Turn", 1m, 0.1m, 0.05m)]),
                new RoutingRecord("PA01", $"{p}-F1", [new OperationRecord("0010", "PA01-ASM1", "Assemble", 0m, 0.5m, 1m)]),
            ],
            StandardCosts:
            [
                new StandardCostRecord("PA01", $"{p}-R1", 2.00m),
                new StandardCostRecord("PA01", $"{p}-R2", 5.00m),
                new StandardCostRecord("PA01", $"{p}-R3", 1.50m),
                new StandardCostRecord("PA01", $"{p}-R4", 6.00m),
                new StandardCostRecord("PA01", $"{p}-S1", 40.00m),
                new StandardCostRecord("PA01", $"{p}-S2", 80.00m),
                new StandardCostRecord("PA01", $"{p}-F1", 150.00m),
            ],
            Overheads: [new OverheadRecord("PA01", "SEMI", 0.10m)]);

    /// <summary>
    /// One level at PA01 for variance scenarios: V (class FIN, no overhead) per unit = 2 KGM R1 at 2.00 + 1 R2 at
    /// 5.00 (alternate R4 at 6.00) + CNC2 0.1 h machine at 85 + 0.05 h labour at 52, no setup: 9.00 + 8.50 + 2.60
    /// = 20.10, its standard cost. Stock: 1,000 R1, 500 R2, 500 R4.
    /// </summary>
    public static async Task OneLevelAsync(TaktHost host, string p)
    {
        await ImportAsync(host, new MasterDataDocument(
            Items:
            [
                new ItemRecord($"{p}-R1", "Granulate", "raw", "KGM", "RAW"),
                new ItemRecord($"{p}-R2", "Insert", "raw", "H87", "RAW"),
                new ItemRecord($"{p}-R4", "Insert, alternate", "raw", "H87", "RAW"),
                new ItemRecord($"{p}-V", "Housing", "finished", "H87", "FIN"),
            ],
            Boms:
            [
                new BomRecord("PA01", $"{p}-V", 1, new(2026, 1, 1), null, 1m, "released",
                [
                    new BomLineRecord($"{p}-R1", 2m, "KGM"),
                    new BomLineRecord($"{p}-R2", 1m, "H87", AlternateGroup: "INS"),
                    new BomLineRecord($"{p}-R4", 1m, "H87", AlternateGroup: "INS", AlternateRank: 1),
                ]),
            ],
            Routings: [new RoutingRecord("PA01", $"{p}-V", [new OperationRecord("0010", "PA01-CNC2", "Mill", 0m, 0.1m, 0.05m)])],
            StandardCosts:
            [
                new StandardCostRecord("PA01", $"{p}-R1", 2.00m),
                new StandardCostRecord("PA01", $"{p}-R2", 5.00m),
                new StandardCostRecord("PA01", $"{p}-R4", 6.00m),
                new StandardCostRecord("PA01", $"{p}-V", 20.10m),
            ]));
        await StockAsync(host, "PA01", $"{p}-R1", 1000m, 2.00m, "RAW", "KGM");
        await StockAsync(host, "PA01", $"{p}-R2", 500m, 5.00m, "RAW", "H87");
        await StockAsync(host, "PA01", $"{p}-R4", 500m, 6.00m, "RAW", "H87");
    }
}
