using System.Globalization;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Production;

namespace Takt.Server;

/// <summary>
/// A plausible MES: for released orders, issues components (sometimes in another unit of the same
/// dimension), confirms operations with machine and labour time and occasional scrap, and reports yield.
/// Produces CloudEvents in structured JSON. Used by <c>takt demo shopfloor</c>, <c>takt bench</c> and tests.
/// </summary>
public sealed class ShopFloorSimulator(IReadOnlyList<ProductionOrderView> orders, TimeProvider clock, int seed = 42)
{
    private readonly Random random = new(seed);
    private int sequence;

    /// <summary>
    /// Orders progress lot by lot, as on a real line: the lot's components are issued (in proportion to the
    /// bill of material), each operation is confirmed with its time and now and then a scrapped piece, then the
    /// good pieces are received. Orders take turns; an order stops at its planned quantity, and the stream ends
    /// early when every order is complete.
    /// </summary>
    public IEnumerable<JsonObject> Mixed(int count)
    {
        var remaining = orders.ToDictionary(o => o.Number, o => o.Quantity - o.Yield, StringComparer.Ordinal);
        var sent = 0;
        while (sent < count)
        {
            var progressed = false;
            foreach (var order in orders)
            {
                if (remaining[order.Number] <= 0)
                    continue;
                var lot = Math.Min(remaining[order.Number], 1 + Next(5));
                remaining[order.Number] -= lot;
                progressed = true;
                foreach (var e in Lot(order, lot))
                {
                    if (sent++ == count)
                        yield break;
                    yield return e;
                }
            }

            if (!progressed)
                yield break;
        }
    }

    private IEnumerable<JsonObject> Lot(ProductionOrderView order, decimal lot)
    {
        foreach (var component in order.Components)
        {
            var perPiece = component.Required / order.Quantity;
            yield return Issue(order, component.Item, perPiece * lot);
        }

        foreach (var operation in order.Operations)
        {
            var scrap = Next(12) == 0 ? 1 : 0;
            yield return Confirmation(order, operation, lot, scrap);
        }

        yield return Envelope(EventTypes.YieldReported, order, new JsonObject
        {
            ["plant"] = order.Plant,
            ["order"] = order.Number,
            ["item"] = order.Item,
            ["quantity"] = Quantity(lot, order.Unit),
        });
    }

    /// <summary>Operation confirmations only (the benchmark's unit of work).</summary>
    public IEnumerable<JsonObject> Confirmations(int count)
    {
        for (var i = 0; i < count; i++)
            yield return Confirmation(orders[i % orders.Count]);
    }

    private JsonObject Issue(ProductionOrderView order, string item, decimal quantity) =>
        Envelope(EventTypes.MaterialIssued, order, new JsonObject
        {
            ["plant"] = order.Plant,
            ["order"] = order.Number,
            ["item"] = item,
            ["quantity"] = item switch
            {
                // Oil is kept in litres and bar stock in kilograms; the line meters millilitres and weighs grams.
                "RM-3004" => Quantity(quantity * 1000m, "MLT"),
                "RM-3005" => Quantity(quantity * 1000m, "GRM"),
                _ => Quantity(quantity, "H87"),
            },
        });

    private JsonObject Confirmation(ProductionOrderView order) =>
        Confirmation(order, order.Operations[Next(order.Operations.Count)], 1 + Next(5), Next(10) == 0 ? 1 : 0);

    private JsonObject Confirmation(ProductionOrderView order, OperationView operation, decimal good, decimal scrap)
    {
        var data = new JsonObject
        {
            ["plant"] = order.Plant,
            ["order"] = order.Number,
            ["operation"] = operation.Operation,
            ["workCenter"] = operation.WorkCenter,
            ["goodQuantity"] = Quantity(good, order.Unit),
            ["machineTime"] = Quantity(good * (6 + Next(10)), "MIN"),
            ["labourTime"] = Quantity(good * 0.1m, "HUR"),
        };
        if (scrap > 0)
            data["scrapQuantity"] = Quantity(scrap, order.Unit);
        return Envelope(EventTypes.OperationConfirmed, order, data);
    }

    private JsonObject Envelope(string type, ProductionOrderView order, JsonObject data)
    {
        var n = Interlocked.Increment(ref sequence);
        return new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.CreateVersion7(clock.GetUtcNow()).ToString(),
            ["source"] = $"/mes/{order.Plant.ToLowerInvariant()}/line-{1 + (n % 3)}",
            ["type"] = type,
            ["time"] = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["subject"] = order.Number,
            ["datacontenttype"] = "application/json",
            ["data"] = data,
        };
    }

    private static JsonObject Quantity(decimal value, string unit) => new() { ["value"] = value, ["unit"] = unit };

    private int Next(int max)
    {
        lock (random)
            return random.Next(max);
    }
}
