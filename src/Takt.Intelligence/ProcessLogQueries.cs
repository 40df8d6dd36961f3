using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>Reads of the process log: events by period and plant, an object's history; keyset-paginated.</summary>
internal static class ProcessLogQueries
{
    private const string Columns = "e.seq, e.id, e.type, e.source, e.source_id, e.plant, e.occurred_at_us, e.recorded_at_us, e.journal_entries, e.data, e.objects, e.actor_kind, e.actor_id";

    /// <summary>A page's end: the last event's time and place in the log, as <c>{microseconds}.{seq}</c>.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
    internal readonly record struct Cursor(long OccurredUs, long Seq)
    {
        public static Cursor Start { get; } = new(long.MinValue, long.MinValue);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{OccurredUs}.{Seq}");

        public static bool TryParse(string? text, out Cursor cursor)
        {
            cursor = Start;
            if (text is null)
                return true;
            var parts = text.Split('.');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var us)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                cursor = new Cursor(us, seq);
                return true;
            }

            return false;
        }
    }

    public static async Task<EventPage> EventsAsync(TaktStore store, ProcessLogRange range, EventFilter filter, string? after, int limit, CancellationToken ct)
    {
        var cursor = Cursor.TryParse(after, out var c) ? c : throw new ArgumentException("Not a cursor.", nameof(after));
        await using var connection = await store.OpenConnectionAsync(ct);
        var args = new List<object?> { LogQuery.FromUs(range.From), LogQuery.ToUs(range.To), cursor.OccurredUs, cursor.Seq, (long)limit + 1 };
        var filters = "";
        if (range.Plant is not null)
        {
            args.Add(range.Plant);
            filters += $" AND e.plant = ${args.Count}";
        }

        if (filter.Type is { } type)
        {
            args.Add(type);
            filters += $" AND e.type = ${args.Count}";
        }

        if (filter.ActorKind is { } kind)
        {
            args.Add(kind);
            filters += $" AND e.actor_kind = ${args.Count}";
        }

        if (filter.Actor is { } actor)
        {
            args.Add(actor);
            filters += $" AND e.actor_id = ${args.Count}";
        }

        await using var command = LogQuery.Command(connection, store.Engine,
            $"SELECT {Columns} FROM intel_event e WHERE e.occurred_at_us >= $1 AND e.occurred_at_us < $2 AND (e.occurred_at_us > $3 OR (e.occurred_at_us = $3 AND e.seq > $4)){filters} ORDER BY e.occurred_at_us, e.seq LIMIT $5",
            [.. args]);
        var (events, next) = await PageAsync(command, limit, ct);
        return new EventPage(events, next);
    }

    public static async Task<ObjectHistory> ObjectHistoryAsync(TaktStore store, string type, string id, string? plant, string? after, int limit, CancellationToken ct)
    {
        var cursor = Cursor.TryParse(after, out var c) ? c : throw new ArgumentException("Not a cursor.", nameof(after));
        await using var connection = await store.OpenConnectionAsync(ct);
        var args = new List<object?> { type, id, cursor.OccurredUs, cursor.Seq, (long)limit + 1 };
        var filters = "";
        if (plant is not null)
        {
            args.Add(plant);
            filters = $" AND e.plant = ${args.Count}";
        }

        // The index by object finds the events (an object linked twice to one event is one event of its history).
        await using var command = LogQuery.Command(connection, store.Engine,
            $"SELECT {Columns} FROM intel_event e WHERE e.seq IN (SELECT o.event_seq FROM intel_event_object o WHERE o.object_type = $1 AND o.object_id = $2) AND (e.occurred_at_us > $3 OR (e.occurred_at_us = $3 AND e.seq > $4)){filters} ORDER BY e.occurred_at_us, e.seq LIMIT $5",
            [.. args]);
        var (events, next) = await PageAsync(command, limit, ct);
        return new ObjectHistory(type, id, events, next, await ObjectIndexer.BehindAsync(store, ct));
    }

    private static async Task<(List<LoggedEvent> Events, string? Next)> PageAsync(DbCommand command, int limit, CancellationToken ct)
    {
        var events = new List<LoggedEvent>(Math.Min(limit, 1000));
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (events.Count == limit)
            {
                more = true;
                break;
            }

            using var data = JsonDocument.Parse(reader.GetString(9));
            events.Add(new LoggedEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                Instants.FromUnixMicroseconds(reader.GetInt64(6)),
                Instants.FromUnixMicroseconds(reader.GetInt64(7)),
                reader.GetInt64(8),
                data.RootElement.Clone(),
                JsonSerializer.Deserialize(reader.GetString(10), IntelligenceJson.Default.ObjectLinkArray) ?? [],
                reader.IsDBNull(11) ? null : new EventActor(reader.GetString(11), reader.GetString(12))));
        }

        return (events, more ? new Cursor(events[^1].OccurredAt.ToUnixMicroseconds(), events[^1].Seq).ToString() : null);
    }
}
