using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// Production-to-posting latency (DESIGN §5): from an event's CloudEvents time to the commit of its journal entry,
/// in whole milliseconds (rounded down; four significant figures from 10 s on), nearest-rank p50/p95/p99 and the maximum per plant, for events that
/// occurred in [from, to). <see cref="ReadAsync"/> reads the counts the <see cref="KpiProjector"/> maintains for
/// the whole UTC days of the range, and the log only for the part of a day at either end of the range and for the
/// events the projector has not counted yet, all in one snapshot; <see cref="RecomputeAsync"/> scans the log, the
/// reference the maintained figures must equal.
/// </summary>
internal static class LatencyKpi
{
    /// <summary>
    /// A latency in whole milliseconds, rounded down; from 10 s on to four significant figures (at most 0.1 % off), so
    /// the counts of a plant and day stay a few thousand rows however widely latencies spread.
    /// </summary>
    public static long Milliseconds(long latencyUs)
    {
        var ms = KpiProjector.FloorDiv(latencyUs, 1000);
        long step = 1;
        for (var size = Math.Abs(ms); size >= 10_000; size /= 10)
            step *= 10;
        return KpiProjector.FloorDiv(ms, step) * step;
    }

    private const string Cases =
        "SELECT e.plant, c.committed_at_us - e.occurred_at_us FROM intel_event e JOIN store_commit c ON c.id = e.commit_id WHERE e.journal_entries > 0 AND e.plant IS NOT NULL AND e.occurred_at_us >= @from AND e.occurred_at_us < @to";

    /// <summary>The reference: every case of the range read from the log.</summary>
    public static async Task<IReadOnlyList<LatencyPercentiles>> RecomputeAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var counts = new Histograms();
        await AddCasesAsync(connection, null, Cases, new { from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue }, counts, ct);
        return counts.Percentiles();
    }

    /// <summary>The maintained counts for whole days, plus the log for partial days and for the events not counted yet.</summary>
    public static async Task<IReadOnlyList<LatencyPercentiles>> ReadAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        // One snapshot: the position, the counts up to it and the events after it must agree (SQLite: a deferred
        // transaction takes its snapshot at the first read and never blocks the writer).
        await using DbTransaction tx = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var position = await connection.ExecuteScalarAsync<long>(new CommandDefinition(KpiProjector.PositionSql, transaction: tx, cancellationToken: ct));
        var fromUs = from?.ToUnixMicroseconds() ?? long.MinValue;
        var toUs = to?.ToUnixMicroseconds() ?? long.MaxValue;
        // Whole days [firstDay, endDay): a day counts whole when the range holds all of it.
        var firstDay = from is null ? long.MinValue : -KpiProjector.FloorDiv(-fromUs, KpiProjector.DayUs);
        var endDay = to is null ? long.MaxValue : KpiProjector.FloorDiv(toUs, KpiProjector.DayUs);
        var counts = new Histograms();
        const string Counted = Cases + " AND e.seq <= @position";
        if (firstDay < endDay)
        {
            var rows = await connection.QueryAsync<(string Plant, long Ms, long Cases)>(new CommandDefinition(
                "SELECT plant, latency_ms, CAST(SUM(cases) AS bigint) FROM intel_kpi_latency WHERE day >= @firstDay AND day < @endDay GROUP BY plant, latency_ms",
                new { firstDay, endDay }, tx, cancellationToken: ct));
            foreach (var (plant, ms, cases) in rows)
                counts.Add(plant, ms, cases);
            if (from is not null)
                await AddCasesAsync(connection, tx, Counted, new { from = fromUs, to = firstDay * KpiProjector.DayUs, position }, counts, ct);
            if (to is not null)
                await AddCasesAsync(connection, tx, Counted, new { from = endDay * KpiProjector.DayUs, to = toUs, position }, counts, ct);
        }
        else
        {
            await AddCasesAsync(connection, tx, Counted, new { from = fromUs, to = toUs, position }, counts, ct);
        }

        // The tail the projector has not reached (read by the log's sequence, not by time).
        await AddCasesAsync(connection, tx,
            "SELECT e.plant, c.committed_at_us - e.occurred_at_us FROM intel_event e JOIN store_commit c ON c.id = e.commit_id WHERE e.seq > @position AND e.journal_entries > 0 AND e.plant IS NOT NULL AND e.occurred_at_us >= @from AND e.occurred_at_us < @to",
            new { from = fromUs, to = toUs, position }, counts, ct);
        await tx.CommitAsync(ct);
        return counts.Percentiles();
    }

    private static async Task AddCasesAsync(DbConnection connection, DbTransaction? tx, string sql, object args, Histograms counts, CancellationToken ct)
    {
        foreach (var (plant, us) in await connection.QueryAsync<(string Plant, long LatencyUs)>(new CommandDefinition(sql, args, tx, cancellationToken: ct)))
            counts.Add(plant, Milliseconds(us), 1);
    }

    /// <summary>Cases per plant and whole millisecond.</summary>
    private sealed class Histograms
    {
        private readonly Dictionary<string, SortedDictionary<long, long>> plants = new(StringComparer.Ordinal);

        public void Add(string plant, long ms, long cases)
        {
            if (!plants.TryGetValue(plant, out var counts))
                plants[plant] = counts = [];
            counts[ms] = counts.GetValueOrDefault(ms) + cases;
        }

        public IReadOnlyList<LatencyPercentiles> Percentiles() =>
            [.. plants.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
            {
                var n = p.Value.Values.Sum();
                return new LatencyPercentiles(p.Key, n, Rank(p.Value, n, 0.50), Rank(p.Value, n, 0.95), Rank(p.Value, n, 0.99), p.Value.Keys.Last());
            })];

        /// <summary>Nearest rank: the ⌈p·n⌉-th smallest case.</summary>
        private static double Rank(SortedDictionary<long, long> counts, long n, double p)
        {
            var rank = Math.Clamp((long)Math.Ceiling(p * n), 1, n);
            long seen = 0;
            foreach (var (ms, cases) in counts)
            {
                seen += cases;
                if (seen >= rank)
                    return ms;
            }

            return counts.Keys.Last();
        }
    }
}
