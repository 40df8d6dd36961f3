using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// The object-centric directly-follows graph of one object type: for each object, its events in time order (ties
/// in commit order); each pair of consecutive events is an edge from the first's activity (event type) to the
/// second's, with the time between them. An edge's frequency counts such pairs over all objects; its durations are
/// the median and the 90th percentile (nearest rank: the smallest duration with at least half, or 90 %, of the
/// pairs at or below it). An activity counts the objects' passes through it, and how many objects start and end there.
/// </summary>
internal static class DirectlyFollows
{
    /// <summary>How many of the slowest transitions a map names as bottlenecks.</summary>
    public const int Bottlenecks = 5;

    /// <summary>One pass of an object through an activity; <c>Order</c> breaks ties in time (commit order).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
    internal readonly record struct Step(string Object, string Activity, long TimeUs, long Order);

    public static async Task<ProcessMap> FromLogAsync(TaktStore store, ProcessMapQuery query, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var plantFilter = query.Plant is null ? "" : " AND plant = $4";
        // One range of the index by object (migration 005: it carries activity, time and plant), in key order.
        await using var command = LogQuery.Command(connection, store.Engine,
            $"SELECT object_id, event_seq, activity, occurred_at_us FROM intel_event_object WHERE object_type = $1 AND occurred_at_us >= $2 AND occurred_at_us < $3{plantFilter} ORDER BY object_id, event_seq",
            [query.ObjectType, LogQuery.FromUs(query.From), LogQuery.ToUs(query.To), .. query.Plant is null ? Array.Empty<object?>() : [query.Plant]]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var builder = new Builder();
        var activities = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var activity = reader.GetString(2);
            if (!activities.TryGetValue(activity, out var interned))
                activities[activity] = interned = activity;
            builder.Add(new Step(reader.GetString(0), interned, reader.GetInt64(3), reader.GetInt64(1)));
        }

        return builder.Build(query);
    }

    /// <summary>The same map over an imported OCEL 2.0 log (objects of the type, through their event-to-object relations).</summary>
    public static ProcessMap FromOcel(OcelLog log, ProcessMapQuery query)
    {
        var types = log.Objects.ToDictionary(o => o.Id, o => o.Type, StringComparer.Ordinal);
        var steps = new List<Step>();
        for (var i = 0; i < log.Events.Count; i++)
        {
            var e = log.Events[i];
            if (e.Time < (query.From ?? DateTimeOffset.MinValue) || e.Time >= (query.To ?? DateTimeOffset.MaxValue))
                continue;
            foreach (var r in e.Relationships)
            {
                if (types.GetValueOrDefault(r.ObjectId) == query.ObjectType)
                    steps.Add(new Step(r.ObjectId, e.Type, e.Time.ToUnixMicroseconds(), i));
            }
        }

        var builder = new Builder();
        foreach (var step in steps.OrderBy(s => s.Object, StringComparer.Ordinal).ThenBy(s => s.Order))
            builder.Add(step);
        return builder.Build(query);
    }

    /// <summary>Takes each object's steps together (in any order within the object) and folds them into the graph.</summary>
    internal sealed class Builder
    {
        private readonly List<Step> current = [];
        private readonly Dictionary<string, (long Passes, long Starts, long Ends)> nodes = new(StringComparer.Ordinal);
        private readonly Dictionary<(string From, string To), List<long>> edges = [];
        private long objects;
        private long events;

        public void Add(Step step)
        {
            if (current.Count > 0 && current[0].Object != step.Object)
                Flush();
            // The same event linked to one object twice (two qualifiers) is one pass.
            if (current.Count == 0 || current[^1].Order != step.Order)
                current.Add(step);
        }

        private void Flush()
        {
            if (current.Count == 0)
                return;
            current.Sort((a, b) => a.TimeUs != b.TimeUs ? a.TimeUs.CompareTo(b.TimeUs) : a.Order.CompareTo(b.Order));
            objects++;
            events += current.Count;
            for (var i = 0; i < current.Count; i++)
            {
                var (passes, starts, ends) = nodes.GetValueOrDefault(current[i].Activity);
                nodes[current[i].Activity] = (passes + 1, starts + (i == 0 ? 1 : 0), ends + (i == current.Count - 1 ? 1 : 0));
                if (i == 0)
                    continue;
                var key = (current[i - 1].Activity, current[i].Activity);
                if (!edges.TryGetValue(key, out var durations))
                    edges[key] = durations = [];
                durations.Add(current[i].TimeUs - current[i - 1].TimeUs);
            }

            current.Clear();
        }

        public ProcessMap Build(ProcessMapQuery query)
        {
            Flush();
            var edgeList = edges
                .Select(e =>
                {
                    var sorted = e.Value.ToArray();
                    Array.Sort(sorted);
                    return new DirectlyFollowsEdge(e.Key.From, e.Key.To, sorted.Length, Seconds(Percentile(sorted, 0.5)), Seconds(Percentile(sorted, 0.9)));
                })
                .OrderByDescending(e => e.Count).ThenBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)
                .ToList();
            return new ProcessMap(
                query.ObjectType, query.From, query.To, query.Plant, objects, events,
                [.. nodes.OrderByDescending(n => n.Value.Passes).ThenBy(n => n.Key, StringComparer.Ordinal).Select(n => new ActivityNode(n.Key, n.Value.Passes, n.Value.Starts, n.Value.Ends))],
                edgeList,
                [.. edgeList.Where(e => e.MedianSeconds > 0).OrderByDescending(e => e.MedianSeconds).ThenByDescending(e => e.P90Seconds).ThenByDescending(e => e.Count).Take(Bottlenecks)]);
        }
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="p"/> of the values at or below it.</summary>
    internal static long Percentile(long[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Seconds(long microseconds) => microseconds / 1_000_000.0;
}
