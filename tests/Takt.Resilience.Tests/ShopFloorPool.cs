using System.Text.Json.Nodes;
using Takt.Production;
using Takt.Server;
using Takt.Store;
using Takt.Testing;

namespace Takt.Resilience.Tests;

/// <summary>A journal line an event must post (amounts in 1/10,000 EUR).</summary>
internal sealed record ExpectedLine(string Account, long DebitE4, long CreditE4, string Order);

/// <summary>What one accepted shop-floor event must change, worked out here from the event and the demo master data.</summary>
internal sealed record ExpectedEffect(
    string Plant,
    string Order,
    IReadOnlyList<ExpectedLine> Lines,
    string? StockItem,
    long StockQuantityE6,
    long StockValueE4,
    long WipE4,
    long YieldE6,
    long ScrapE6);

/// <summary>One event of the pool: its id, its exact JSON (sent byte-identical every time) and its expected effect.</summary>
internal sealed record PlannedEvent(int Index, string Id, string Type, string Json, ExpectedEffect Effect);

/// <summary>
/// Generates a fixed pool of shop-floor events for the server's released orders, in units whose conversions are
/// exact (MLT→LTR, GRM→KGM, MIN in tenths of an hour), and the effect each must have at standard cost and
/// activity rates (DESIGN §3). The expectations come from the demo's published costs, rates and account
/// determination, not from the server's code.
/// </summary>
internal static class ShopFloorPool
{
    // DESIGN §3 with the demo's account determination.
    private const string Wip = "145000";
    private const string RawMaterials = "140000";
    private const string SemiFinished = "141000";
    private const string FinishedGoods = "142000";
    private const string AbsorbedMachine = "510000";
    private const string AbsorbedLabour = "511000";
    private const string ScrapExpense = "520000";

    public static IReadOnlyList<PlannedEvent> Generate(IReadOnlyList<ProductionOrderView> orders, int count, DateTimeOffset time, int seed)
    {
        var random = new Random(seed);
        // The pool computes each event's effect from the foundation's demo items and work centers; other demo orders
        // (the planning scenario's) are left out.
        bool Known(string item) => DemoData.Items.Any(i => i.Number == item);
        orders = [.. orders.Where(o => Known(o.Item) && o.Components.All(c => Known(c.Item)) && o.Operations.All(op => DemoData.WorkCenters.Any(w => w.Code == op.WorkCenter)))];
        var pool = new List<PlannedEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var order = orders[random.Next(orders.Count)];
            var roll = random.Next(100);
            var id = $"crash-{seed}-{i:D5}-{Guid.NewGuid():N}";
            var (json, effect) = roll < 30 ? Issue(order, random, time, id)
                : roll < 85 ? Confirmation(order, random, time, id)
                : Yield(order, random, time, id);
            pool.Add(new PlannedEvent(i, id, json["type"]!.GetValue<string>(), json.ToJsonString(), effect));
        }

        return pool;
    }

    private static (JsonObject, ExpectedEffect) Issue(ProductionOrderView order, Random random, DateTimeOffset time, string id)
    {
        var component = order.Components[random.Next(order.Components.Count)].Item;
        var item = DemoData.Items.Single(i => i.Number == component);
        var k = 1 + random.Next(8);
        var (sent, unit, quantity) = item.Unit switch
        {
            "LTR" => (250m * k, "MLT", 0.25m * k),
            "KGM" when k % 2 == 0 => (1250m * k, "GRM", 1.25m * k),
            "KGM" => (1.5m * k, "KGM", 1.5m * k),
            _ => ((decimal)k, item.Unit, (decimal)k),
        };
        var value = Round(Cost(order.Plant, item.Number) * quantity);
        var stockAccount = item.Class == "SEMI" ? SemiFinished : RawMaterials;
        var json = Events.MaterialIssued(order.Plant, order.Number, item.Number, sent, unit, time, id);
        return (json, new ExpectedEffect(order.Plant, order.Number,
            [new ExpectedLine(Wip, E4(value), 0, order.Number), new ExpectedLine(stockAccount, 0, E4(value), order.Number)],
            item.Number, -Fixed.ToE6(quantity), -E4(value), E4(value), 0, 0));
    }

    private static (JsonObject, ExpectedEffect) Confirmation(ProductionOrderView order, Random random, DateTimeOffset time, string id)
    {
        var operation = order.Operations[random.Next(order.Operations.Count)];
        var workCenter = DemoData.WorkCenters.Single(w => w.Code == operation.WorkCenter);
        var good = 1 + random.Next(5);
        decimal? scrap = random.Next(10) == 0 ? 1 + random.Next(2) : null;
        var tenths = 1 + random.Next(15);
        (decimal Value, string Unit) machine = random.Next(2) == 0 ? (6m * tenths, "MIN") : (0.1m * tenths, "HUR");
        var machineHours = 0.1m * tenths;
        var labourHours = 0.1m * good;
        var product = DemoData.Items.Single(i => i.Number == order.Item);

        var machineValue = Round(workCenter.MachineRatePerHour * machineHours);
        var labourValue = Round(workCenter.LabourRatePerHour * labourHours);
        var scrapValue = scrap is { } s ? Round(Cost(order.Plant, product.Number) * s) : 0m;
        var lines = new List<ExpectedLine>
        {
            new(Wip, E4(machineValue), 0, order.Number), new(AbsorbedMachine, 0, E4(machineValue), order.Number),
            new(Wip, E4(labourValue), 0, order.Number), new(AbsorbedLabour, 0, E4(labourValue), order.Number),
        };
        if (scrapValue > 0)
            lines.AddRange([new(ScrapExpense, E4(scrapValue), 0, order.Number), new(Wip, 0, E4(scrapValue), order.Number)]);

        var json = Events.OperationConfirmed(order.Plant, order.Number, operation.Operation, workCenter.Code, good, order.Unit,
            scrap, machine, (labourHours, "HUR"), time, id);
        return (json, new ExpectedEffect(order.Plant, order.Number, lines, null, 0, 0,
            E4(machineValue + labourValue - scrapValue), 0, Fixed.ToE6(scrap ?? 0m)));
    }

    private static (JsonObject, ExpectedEffect) Yield(ProductionOrderView order, Random random, DateTimeOffset time, string id)
    {
        var product = DemoData.Items.Single(i => i.Number == order.Item);
        var quantity = (decimal)(1 + random.Next(3));
        var value = Round(Cost(order.Plant, product.Number) * quantity);
        var stockAccount = product.Class == "FIN" ? FinishedGoods : SemiFinished;
        var json = Events.YieldReported(order.Plant, order.Number, product.Number, quantity, order.Unit, time, id);
        return (json, new ExpectedEffect(order.Plant, order.Number,
            [new ExpectedLine(stockAccount, E4(value), 0, order.Number), new ExpectedLine(Wip, 0, E4(value), order.Number)],
            product.Number, Fixed.ToE6(quantity), E4(value), -E4(value), Fixed.ToE6(quantity), 0));
    }

    /// <summary>The accounts that hold stock value (the inventory subledger reconciles to them).</summary>
    public static IReadOnlySet<string> InventoryAccounts { get; } = new HashSet<string>(StringComparer.Ordinal) { RawMaterials, SemiFinished, FinishedGoods };

    public const string WipAccount = Wip;

    private static decimal Cost(string plant, string item)
    {
        var row = DemoData.Items.Single(i => i.Number == item);
        return plant == DemoData.PlantA ? row.CostA : row.CostB;
    }

    // Money.RoundToMinorUnits for EUR: commercial rounding to cents.
    private static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    private static long E4(decimal amount) => Fixed.ToE4(amount);
}
