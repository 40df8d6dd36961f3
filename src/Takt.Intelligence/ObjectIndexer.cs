using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// Files each process-log event under every object it touches (<c>intel_event_object</c>, keyed by object, then by the event's place in the log), reading the log
/// in commit order from its position. It runs in large batches a moment behind the writer: an index by object
/// maintained inside each posting spread every batch's inserts over as many pages as there were orders in it,
/// the most expensive write of a posting; a batch of thousands of events touches the same pages once. The links
/// and the new position commit together, so every event is indexed exactly once, across crashes.
/// </summary>
internal sealed partial class ObjectIndexer(TaktStore store, OutboxSignal signal, TimeProvider clock, ILogger<ObjectIndexer> logger) : BackgroundService
{
    /// <summary>How long the indexer lets events gather after a commit wakes it.</summary>
    public static TimeSpan Gather { get; } = TimeSpan.FromMilliseconds(200);

    private const int MaxEvents = 2_500;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundTurns.RunAsync(store, clock, () => signal.Next, async (session, ct) => await IndexOnceAsync(session, ct) >= MaxEvents,
            TimeSpan.FromSeconds(1), ex => LogFailed(logger, ex), stoppingToken, gather: Gather, alsoFailure: ex => ex is JsonException);

    /// <summary>
    /// Indexes the events after the position (up to 2,500) in one transaction (on SQLite in several if commands wait
    /// for the writer meanwhile); returns how many. The events are
    /// read and decoded before the write lock is taken (on SQLite the lock is the foreground writer's too); in the
    /// transaction the position is read again (locked on PostgreSQL, where nodes share the log), and if another
    /// turn moved it meanwhile this turn writes nothing and the next one starts from the new position.
    /// </summary>
    public static async Task<int> IndexOnceAsync(StoreSession session, CancellationToken ct)
    {
        var position = await LogReaderPosition.ReadAsync(session, "objects", ct);
        var links = new List<(long Seq, string Activity, long OccurredAtUs, string? Plant, ObjectLink[] Objects)>();
        await using (var reader = await session.Read($"SELECT seq, type, occurred_at_us, plant, objects FROM intel_event WHERE seq > $1 ORDER BY seq LIMIT $2", position, (long)MaxEvents).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                links.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    JsonSerializer.Deserialize(reader.GetString(4), IntelligenceJson.Default.ObjectLinkArray) ?? []));
            }
        }

        if (links.Count == 0)
            return 0;
        var indexed = 0;
        while (indexed < links.Count)
        {
            var done = await IndexAsync(session, links, indexed, position, ct);
            if (done == 0)
                break;
            indexed += done;
            position = links[indexed - 1].Seq;
        }

        return indexed;
    }

    /// <summary>The events of a turn a transaction files before it checks whether a command waits for the SQLite writer.</summary>
    private const int Chunk = 250;

    /// <summary>
    /// Files <paramref name="links"/> from <paramref name="from"/> on in one transaction, a chunk at a time; on SQLite,
    /// when a command waits for the writer after a chunk, it commits there (the position with it) and returns how
    /// many it filed, so a command waits for one chunk, not for a turn of thousands of events.
    /// </summary>
    private static async Task<int> IndexAsync(StoreSession session, List<(long Seq, string Activity, long OccurredAtUs, string? Plant, ObjectLink[] Objects)> links, int from, long position, CancellationToken ct)
    {
        await using var tx = await session.BeginAsync(ct);
        if (!await LogReaderPosition.StillAtAsync(tx, "objects", position, advisoryLock: null, ct))
            return 0; // rolled back on dispose: another turn (a node on the same PostgreSQL) indexed these
        var end = from;
        while (end < links.Count)
        {
            var next = Math.Min(links.Count, end + Chunk);
            Stage(tx, links, end, next);
            end = next;
            await tx.FlushAsync(ct);
            if (tx.CommandWaiting)
                break;
        }

        LogReaderPosition.Stage(tx, "objects", links[end - 1].Seq);
        await tx.CommitAsync(ct, recordCommit: false);
        return end - from;
    }

    private static void Stage(StoreTransaction tx, List<(long Seq, string Activity, long OccurredAtUs, string? Plant, ObjectLink[] Objects)> links, int from, int to)
    {
        // In the index's key order: each leaf page of the B-tree is then visited once per chunk, not once per event
        // that touches it (the events of a turn name a few hundred orders, items and work centers over and over).
        var rows = links.Skip(from).Take(to - from).SelectMany(e => e.Objects.Select(link => (Link: link, Event: e))).ToList();
        rows.Sort((a, b) =>
        {
            var order = string.CompareOrdinal(a.Link.Type, b.Link.Type);
            if (order == 0)
                order = string.CompareOrdinal(a.Link.Id, b.Link.Id);
            if (order == 0)
                order = a.Event.Seq.CompareTo(b.Event.Seq);
            return order != 0 ? order : string.CompareOrdinal(a.Link.Qualifier, b.Link.Qualifier);
        });
        foreach (var (link, e) in rows)
        {
            // The activity, time and plant ride along so a process map reads the index alone (migration 005).
            tx.Stage(
                "INSERT INTO intel_event_object (object_type, object_id, event_seq, qualifier, activity, occurred_at_us, plant) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                link.Type, link.Id, e.Seq, link.Qualifier, e.Activity, e.OccurredAtUs, e.Plant);
        }
    }

    /// <summary>Events the index has not filed yet (0: every committed event is findable by its objects).</summary>
    public static async Task<long> BehindAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM intel_event WHERE seq > (SELECT position FROM intel_indexer WHERE name = 'objects')";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The object index could not read or write the process log; retrying")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
