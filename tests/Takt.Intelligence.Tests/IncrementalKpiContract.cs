using Dapper;
using Microsoft.Extensions.Time.Testing;
using Takt.Testing;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// Incremental KPIs equal a full recomputation (issue 12): production-to-posting latency read from the aggregates
/// the KPI projector maintains (plus the log for partial days and the events not yet counted) against the same KPI
/// recomputed from the whole log, on a crafted history (edge cases computed by hand) and a random one, for ranges
/// that start and end mid-day, on whole days, open-ended and empty, with the projector caught up and behind.
/// </summary>
public abstract class IncrementalKpiContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2019, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Appends events that each commit at <paramref name="committedAt"/> (the session's clock), in one transaction.</summary>
    private async Task AppendAsync(DateTimeOffset committedAt, IEnumerable<(string? Plant, DateTimeOffset Time, int Entries)> events)
    {
        var intelligence = Host.Service<IIntelligence>();
        await using var session = await Host.Store.OpenSessionAsync(new FakeTimeProvider(committedAt), Ct);
        await using var tx = await session.BeginAsync(Ct);
        foreach (var (plant, time, entries) in events)
            intelligence.Append(tx, new ProcessEventDraft("takt.production.material-issued.v1", "/takt/test", Guid.NewGuid().ToString(), plant, time, "{}", entries, []));
        await tx.CommitAsync(Ct);
    }

    private async Task CatchUpAsync()
    {
        var intelligence = Host.Service<IIntelligence>();
        while (await intelligence.ProjectKpisAsync(Host.Store, TimeProvider.System, Ct) > 0)
        {
        }

        Assert.Equal(0, await intelligence.KpiAggregatesBehindAsync(Host.Store, Ct));
    }

    private async Task AssertEqualToRecomputationAsync(IEnumerable<(DateTimeOffset? From, DateTimeOffset? To)> ranges)
    {
        var intelligence = Host.Service<IIntelligence>();
        foreach (var (from, to) in ranges)
        {
            var incremental = await intelligence.ProductionToPostingLatencyAsync(Host.Store, from, to, Ct);
            var full = await intelligence.RecomputeProductionToPostingLatencyAsync(Host.Store, from, to, Ct);
            Assert.True(full.SequenceEqual(incremental), $"[{from:O}, {to:O}): recomputed {string.Join("; ", full)} but maintained {string.Join("; ", incremental)}");
        }
    }

    [Fact]
    public async Task incremental_kpis_equal_a_full_recomputation_on_a_crafted_and_a_random_history()
    {
        // Crafted, plant PK1, all committing at 2019-05-02 00:00:00.005: events 1.5 ms, 2.999 ms, 0.999 ms earlier
        // (whole milliseconds rounded down: 1, 2, 0), one 0.001 ms in the future (clock skew: -1), one 10 ms earlier
        // (on 1 May, 23:59:59.995) and one at 1 May 23:00 (3,600,005 ms, to four significant figures 3,600,000); and two that are no case: not posted, no plant.
        var commit = Start.AddDays(1).AddTicks(50_000);
        await AppendAsync(commit,
        [
            ("PK1", commit.AddTicks(-15_000), 1), ("PK1", commit.AddTicks(-29_990), 1), ("PK1", commit.AddTicks(-9_990), 1),
            ("PK1", commit.AddTicks(10), 1), ("PK1", commit.AddTicks(-100_000), 1), ("PK1", Start.AddHours(23), 1),
            ("PK1", commit.AddTicks(-20_000), 0), (null, commit.AddTicks(-20_000), 1),
        ]);
        var intelligence = Host.Service<IIntelligence>();
        // Hand: 2 May holds 1, 2, 0, -1 (the others occurred on 1 May or are no cases): sorted -1, 0, 1, 2;
        // nearest rank p50 = ⌈2⌉ = 2nd = 0; p95 = ⌈3.8⌉ = 4th = 2; p99 = ⌈3.96⌉ = 4th = 2; max 2.
        var day2 = (Start.AddDays(1), Start.AddDays(2));
        Assert.Equal([new LatencyPercentiles("PK1", 4, 0, 2, 2, 2)], await intelligence.RecomputeProductionToPostingLatencyAsync(Host.Store, day2.Item1, day2.Item2, Ct));
        await AssertEqualToRecomputationAsync([day2]); // projector possibly behind: the log's tail
        await CatchUpAsync();
        Assert.Equal([new LatencyPercentiles("PK1", 4, 0, 2, 2, 2)], await intelligence.ProductionToPostingLatencyAsync(Host.Store, day2.Item1, day2.Item2, Ct));

        // The counts themselves: six cases of PK1 on two days, each counted once (a further turn adds nothing).
        Assert.Equal(0, await intelligence.ProjectKpisAsync(Host.Store, TimeProvider.System, Ct));
        await using (var connection = await Host.Store.OpenConnectionAsync(Ct))
        {
            var rows = await connection.QueryAsync<(long Day, long Ms, long Cases)>(new CommandDefinition("SELECT day, latency_ms, cases FROM intel_kpi_latency WHERE plant = 'PK1' ORDER BY day, latency_ms", cancellationToken: Ct));
            var day = (long)(Start.AddDays(1) - DateTimeOffset.UnixEpoch).TotalDays;
            Assert.Equal([(day - 1, 10, 1), (day - 1, 3_600_000, 1), (day, -1, 1), (day, 0, 1), (day, 1, 1), (day, 2, 1)], rows.Select(r => (r.Day, r.Ms, r.Cases)));
        }

        // Random: 40 commits over ten days at three plants, each of up to 30 events up to two days old (some not cases).
        var random = new Random(20190501);
        string?[] plants = ["PK1", "PK2", "PK3", null];
        async Task AddRandomAsync(int commits, int offsetDays)
        {
            for (var c = 0; c < commits; c++)
            {
                var at = Start.AddDays(offsetDays).AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 5));
                var events = Enumerable.Range(0, random.Next(1, 30))
                    .Select(_ => (plants[random.Next(plants.Length)], at.AddTicks(-(long)(random.NextDouble() * random.NextDouble() * TimeSpan.TicksPerDay * 2)), random.Next(4) == 0 ? 0 : 1))
                    .ToList();
                await AppendAsync(at, events);
            }
        }

        await AddRandomAsync(20, 2);
        await CatchUpAsync();
        await AddRandomAsync(20, 5); // and now, most likely, the projector is behind: read from aggregates and tail together

        var ranges = new List<(DateTimeOffset? From, DateTimeOffset? To)>
        {
            (null, null), (Start, null), (null, Start.AddDays(6)), (Start.AddDays(2), Start.AddDays(7)),
            (Start.AddDays(3), Start.AddDays(3)), (Start.AddDays(30), Start.AddDays(31)),
        };
        for (var i = 0; i < 12; i++)
        {
            var from = Start.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 10));
            ranges.Add((from, from.AddTicks(1 + (long)(random.NextDouble() * TimeSpan.TicksPerDay * (i < 4 ? 0.5 : 6)))));
        }

        await AssertEqualToRecomputationAsync(ranges);
        await CatchUpAsync();
        await AssertEqualToRecomputationAsync(ranges);
        Assert.Contains(await intelligence.ProductionToPostingLatencyAsync(Host.Store, null, null, Ct), l => l.Plant == "PK3" && l.Count > 20);
    }
}

public sealed class IncrementalKpiOnSqlite(SqliteHost fixture) : IncrementalKpiContract<SqliteHost>(fixture);

public sealed class IncrementalKpiOnPostgres(PostgresHost fixture) : IncrementalKpiContract<PostgresHost>(fixture);
