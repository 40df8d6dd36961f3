using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// Maintains the KPIs computed from the process log incrementally (issue 12: "KPIs are maintained incrementally,
/// not by rescanning history"): reads the log in commit order from its position (<c>intel_indexer</c> 'kpis') in
/// batches, a moment behind the writer, and adds each posted event's production-to-posting latency to the counts
/// per plant, UTC day and whole millisecond (<c>intel_kpi_latency</c>). The counts and the new position commit in
/// one transaction, so each event is counted exactly once across crashes; on PostgreSQL a transaction-scoped
/// advisory lock and the locked position row make one node's turn the only one, a second turn writes nothing.
/// The posting path pays nothing: it appends to the log as before.
/// </summary>
internal sealed partial class KpiProjector(TaktStore store, OutboxSignal signal, TimeProvider clock, ILogger<KpiProjector> logger) : BackgroundService
{
    /// <summary>
    /// Events read per turn (a row of four numbers each). Their counts are a few hundred upserts (latencies of a day
    /// repeat), so a turn holds the SQLite writer briefly; a command waits for at most one turn.
    /// </summary>
    public const int MaxEvents = 5_000;

    /// <summary>Microseconds in a UTC day.</summary>
    public const long DayUs = 86_400_000_000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundTurns.RunAsync(store, clock, () => signal.Next, async (session, ct) => await ProjectOnceAsync(session, ct) >= MaxEvents,
            TimeSpan.FromSeconds(1), ex => LogFailed(logger, ex), stoppingToken, gather: ObjectIndexer.Gather);

    /// <summary>
    /// Projects the events after the position (up to <see cref="MaxEvents"/>) in one transaction; returns how many
    /// it read. The events are read before the write lock is taken; in the transaction the position is read again
    /// (locked on PostgreSQL) and if another turn moved it meanwhile this turn writes nothing.
    /// </summary>
    public static async Task<int> ProjectOnceAsync(StoreSession session, CancellationToken ct)
    {
        var position = await LogReaderPosition.ReadAsync(session, "kpis", ct);
        var counts = new Dictionary<(string Plant, long Day, long Ms), long>();
        long last = position;
        var read = 0;
        await using (var reader = await session.Read(
            "SELECT e.seq, e.plant, e.occurred_at_us, e.journal_entries, c.committed_at_us FROM intel_event e LEFT JOIN store_commit c ON c.id = e.commit_id WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
            position, (long)MaxEvents).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                read++;
                last = reader.GetInt64(0);
                // The cases of the reference (LatencyKpi.RecomputeAsync): posted, at a plant, with a recorded commit.
                if (reader.IsDBNull(1) || reader.GetInt64(3) <= 0 || reader.IsDBNull(4))
                    continue;
                var occurred = reader.GetInt64(2);
                var key = (reader.GetString(1), FloorDiv(occurred, DayUs), LatencyKpi.Milliseconds(reader.GetInt64(4) - occurred));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        if (read == 0)
            return 0;
        await using var tx = await session.BeginAsync(ct);
        if (!await LogReaderPosition.StillAtAsync(tx, "kpis", position, "takt.intelligence.kpis", ct))
            return 0; // rolled back on dispose: another turn projected these
        foreach (var ((plant, day, ms), cases) in counts.OrderBy(c => c.Key.Plant, StringComparer.Ordinal).ThenBy(c => c.Key.Day).ThenBy(c => c.Key.Ms))
        {
            tx.Stage(
                "INSERT INTO intel_kpi_latency (plant, day, latency_ms, cases) VALUES ($1, $2, $3, $4) ON CONFLICT (plant, day, latency_ms) DO UPDATE SET cases = intel_kpi_latency.cases + excluded.cases",
                plant, day, ms, cases);
        }

        LogReaderPosition.Stage(tx, "kpis", last);
        await tx.CommitAsync(ct, recordCommit: false);
        return read;
    }

    internal const string PositionSql = "SELECT position FROM intel_indexer WHERE name = 'kpis'";

    /// <summary>Events the KPI aggregates have not counted yet (reads add them from the log, so figures are never stale).</summary>
    public static async Task<long> BehindAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM intel_event WHERE seq > (" + PositionSql + ")";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>⌊a ÷ b⌋ for b &gt; 0 (C# division truncates toward zero).</summary>
    internal static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && a < 0) ? q - 1 : q;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The KPI projector could not read or write the process log; retrying")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
