using System.Globalization;
using System.Text.Json.Nodes;

namespace Takt.Testing;

/// <summary>Hand-written CloudEvents for tests (structured JSON), so each field can be broken on purpose.</summary>
public static class Events
{
    public static JsonObject Envelope(string type, JsonObject data, DateTimeOffset? time = null, string? id = null, string source = "/mes/pa01/line-1") => new()
    {
        ["specversion"] = "1.0",
        ["id"] = id ?? Guid.NewGuid().ToString(),
        ["source"] = source,
        ["type"] = type,
        ["time"] = (time ?? TimeProvider.System.GetUtcNow()).ToString("O", CultureInfo.InvariantCulture),
        ["datacontenttype"] = "application/json",
        ["data"] = data,
    };

    public static JsonObject Quantity(decimal value, string unit) => new() { ["value"] = value, ["unit"] = unit };

    public static JsonObject MaterialIssued(string plant, string order, string item, decimal quantity, string unit, DateTimeOffset? time = null, string? id = null) =>
        Envelope("takt.production.material-issued.v1", new JsonObject
        {
            ["plant"] = plant, ["order"] = order, ["item"] = item, ["quantity"] = Quantity(quantity, unit),
        }, time, id);

    public static JsonObject OperationConfirmed(
        string plant, string order, string operation, string workCenter, decimal good, string unit,
        decimal? scrap = null, (decimal Value, string Unit)? machine = null, (decimal Value, string Unit)? labour = null,
        DateTimeOffset? time = null, string? id = null)
    {
        var data = new JsonObject
        {
            ["plant"] = plant, ["order"] = order, ["operation"] = operation, ["workCenter"] = workCenter,
            ["goodQuantity"] = Quantity(good, unit),
        };
        if (scrap is { } s)
            data["scrapQuantity"] = Quantity(s, unit);
        if (machine is { } m)
            data["machineTime"] = Quantity(m.Value, m.Unit);
        if (labour is { } l)
            data["labourTime"] = Quantity(l.Value, l.Unit);
        return Envelope("takt.production.operation-confirmed.v1", data, time, id);
    }

    public static JsonObject YieldReported(string plant, string order, string item, decimal quantity, string unit, DateTimeOffset? time = null, string? id = null) =>
        Envelope("takt.production.yield-reported.v1", new JsonObject
        {
            ["plant"] = plant, ["order"] = order, ["item"] = item, ["quantity"] = Quantity(quantity, unit),
        }, time, id);
}
