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

    /// <summary>A realistic mix: about 30 % issues, 55 % confirmations, 15 % yield reports.</summary>
    public IEnumerable<JsonObject> Mixed(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var order = orders[i % orders.Count];
            var roll = Next(100);
            yield return roll < 30 ? Issue(order) : roll < 85 ? Confirmation(order) : Yield(order);
        }
    }

    /// <summary>Operation confirmations only (the benchmark's unit of work).</summary>
    public IEnumerable<JsonObject> Confirmations(int count)
    {
        for (var i = 0; i < count; i++)
            yield return Confirmation(orders[i % orders.Count]);
    }

    public JsonObject Issue(ProductionOrderView order)
    {
        var component = order.Components[Next(order.Components.Count)];
        var quantity = Math.Max(1m, Math.Round(component.Required / 10m, 0));
        JsonObject value = component.Item switch
        {
            // Oil is kept in litres; the line meters it in millilitres.
            "RM-3004" => Quantity(quantity * 1000m, "MLT"),
            "RM-3005" => Quantity(quantity, "KGM"),
            _ => Quantity(quantity, "H87"),
        };
        return Envelope(EventTypes.MaterialIssued, order, new JsonObject
        {
            ["plant"] = order.Plant,
            ["order"] = order.Number,
            ["item"] = component.Item,
            ["quantity"] = value,
        });
    }

    public JsonObject Confirmation(ProductionOrderView order)
    {
        var operation = order.Operations[Next(order.Operations.Count)];
        var good = 1 + Next(5);
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
        if (Next(10) == 0)
            data["scrapQuantity"] = Quantity(1, order.Unit);
        return Envelope(EventTypes.OperationConfirmed, order, data);
    }

    public JsonObject Yield(ProductionOrderView order) =>
        Envelope(EventTypes.YieldReported, order, new JsonObject
        {
            ["plant"] = order.Plant,
            ["order"] = order.Number,
            ["item"] = order.Item,
            ["quantity"] = Quantity(1 + Next(4), order.Unit),
        });

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
