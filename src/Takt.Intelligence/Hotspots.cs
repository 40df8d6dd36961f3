using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>The length of the periods of a trend: UTC days, ISO weeks (from Monday) or calendar months.</summary>
public enum HotspotPeriod
{
    Day,
    Week,
    Month,
}

/// <summary>One place exceptions come from: a plant, supplier, item, work center or category, with its count and share of all exceptions.</summary>
public sealed record Hotspot(string Key, long Exceptions, double Share);

/// <summary>Exceptions of one period (starting on <c>Start</c>), in all and by category.</summary>
public sealed record HotspotTrendPoint(DateOnly Start, long Exceptions, IReadOnlyDictionary<string, long> ByCategory);

/// <summary>
/// Where exceptions come from in [From, To) (at one plant or all): each dimension most exceptions first (ties by key),
/// events without the dimension left out of it; <c>Trend</c> per period, oldest first (periods without exceptions left out).
/// </summary>
public sealed record ExceptionHotspots(
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? Plant,
    string Period,
    long Exceptions,
    IReadOnlyList<Hotspot> ByPlant,
    IReadOnlyList<Hotspot> BySupplier,
    IReadOnlyList<Hotspot> ByItem,
    IReadOnlyList<Hotspot> ByWorkCenter,
    IReadOnlyList<Hotspot> ByCategory,
    IReadOnlyList<HotspotTrendPoint> Trend);

/// <summary>
/// Exception hotspots from the process log: the events that report an exception (a blocked invoice, an order held,
/// scrap, a machine down, a count difference waiting for approval, an expected cost variance, an anomaly, a silent
/// client), read by time range (the time index) and type. Supplier, item and work center come from the event's
/// object links, else from its data (<c>supplier</c>, <c>item</c>, <c>workCenter</c>); the category from its data
/// (<c>category</c>), else the kind of event (<c>machine-down</c>, <c>scrap-recorded</c>, …).
/// </summary>
internal static class Hotspots
{
    /// <summary>The event types that report an exception.</summary>
    public static IReadOnlyList<string> ExceptionTypes { get; } =
    [
        EventTypes.InvoiceExceptionRaised,
        EventTypes.ProductionOrderHeld,
        EventTypes.ProductionScrapRecorded,
        EventTypes.MachineDown,
        EventTypes.StockAdjustmentRequested,
        EventTypes.CostVarianceExpected,
        EventTypes.AnomalyDetected,
        EventTypes.ClientSilent,
    ];

    public static async Task<ExceptionHotspots> ReadAsync(TaktStore store, ProcessLogRange range, HotspotPeriod period, CancellationToken ct)
    {
        var rows = new List<(string? Plant, string? Supplier, string? Item, string? WorkCenter, string Category, DateOnly Start)>();
        await using (var connection = await store.OpenConnectionAsync(ct))
        {
            var condition = LogQuery.Range(range, out var args);
            var types = string.Join(", ", ExceptionTypes.Select((_, i) => "$" + (args.Length + i + 1).ToString(CultureInfo.InvariantCulture)));
            await using var command = LogQuery.Command(connection, store.Engine,
                $"SELECT type, plant, occurred_at_us, data, objects FROM intel_event e WHERE {condition} AND e.type IN ({types})",
                [.. args, .. ExceptionTypes]);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var type = reader.GetString(0);
                var links = JsonSerializer.Deserialize(reader.GetString(4), IntelligenceJson.Default.ObjectLinkArray) ?? [];
                using var data = JsonDocument.Parse(reader.GetString(3));
                string? Field(string name) =>
                    data.RootElement.ValueKind == JsonValueKind.Object && data.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                string? Linked(string objectType, string field) => Array.Find(links, l => l.Type == objectType)?.Id ?? Field(field);
                rows.Add((
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    Linked("supplier", "supplier"),
                    Linked("item", "item"),
                    Linked("work-center", "workCenter"),
                    Field("category") ?? Kind(type),
                    Start(Instants.FromUnixMicroseconds(reader.GetInt64(2)), period)));
            }
        }

        long total = rows.Count;
        IReadOnlyList<Hotspot> By(Func<(string? Plant, string? Supplier, string? Item, string? WorkCenter, string Category, DateOnly Start), string?> key) =>
            [.. rows.Select(key).OfType<string>().GroupBy(k => k, StringComparer.Ordinal)
                .Select(g => new Hotspot(g.Key, g.LongCount(), Math.Round((double)g.LongCount() / total, 4)))
                .OrderByDescending(h => h.Exceptions).ThenBy(h => h.Key, StringComparer.Ordinal)];
        return new ExceptionHotspots(
            range.From, range.To, range.Plant, period.ToString().ToLowerInvariant(), total,
            By(r => r.Plant), By(r => r.Supplier), By(r => r.Item), By(r => r.WorkCenter), By(r => r.Category),
            [.. rows.GroupBy(r => r.Start).OrderBy(g => g.Key).Select(g => new HotspotTrendPoint(g.Key, g.LongCount(),
                g.GroupBy(r => r.Category, StringComparer.Ordinal).OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.LongCount(), StringComparer.Ordinal)))]);
    }

    /// <summary>The kind of an event type: <c>takt.production.machine-down.v1</c> → <c>machine-down</c>.</summary>
    internal static string Kind(string type)
    {
        var parts = type.Split('.');
        return parts.Length >= 4 ? parts[^2] : type;
    }

    /// <summary>The first day of the period (UTC) the instant falls in.</summary>
    public static DateOnly Start(DateTimeOffset at, HotspotPeriod period)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return period switch
        {
            HotspotPeriod.Day => day,
            HotspotPeriod.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            _ => new DateOnly(day.Year, day.Month, 1),
        };
    }

    public static bool TryParse(string? text, out HotspotPeriod period)
    {
        period = text switch
        {
            null or "" or "day" => HotspotPeriod.Day,
            "week" => HotspotPeriod.Week,
            "month" => HotspotPeriod.Month,
            _ => (HotspotPeriod)(-1),
        };
        return Enum.IsDefined(period);
    }
}

/// <summary>The query-text rules of the process-log endpoints, for hosts that compose other reports with them.</summary>
public static class ProcessLogQueryText
{
    /// <summary>An RFC 3339 timestamp with an offset, or a date (midnight UTC); a violation (rule <c>query.time-invalid</c>) otherwise.</summary>
    public static DateTimeOffset? Time(string? text, string field, ICollection<Violation> errors)
    {
        var found = new List<Violation>();
        var time = ProcessLogEndpoints.Time(text, field, found);
        foreach (var error in found)
            errors.Add(error);
        return time;
    }

    /// <summary><c>day</c> (also when empty), <c>week</c> or <c>month</c>.</summary>
    public static bool TryParsePeriod(string? text, out HotspotPeriod period) => Hotspots.TryParse(text, out period);

    /// <summary>The first day of the period the instant falls in (UTC).</summary>
    public static DateOnly PeriodStart(DateTimeOffset at, HotspotPeriod period) => Hotspots.Start(at, period);
}
