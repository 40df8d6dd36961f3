using System.Net;
using System.Text.Json.Nodes;
using Takt.Intelligence;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// DESIGN §5, production-to-posting latency: from an event's CloudEvents time to the commit of its journal entry,
/// p50/p95/p99 by plant. Only events that posted count: not confirmations that valued nothing, not rejections,
/// not replays.
/// </summary>
public abstract class LatencyKpiContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task latency_by_plant_counts_each_posting_event_once_and_matches_its_journal_entries()
    {
        // A window three to two hours ago that only this test's events fall in.
        var from = PlantCalendar.Now.AddHours(-3);
        var to = from.AddHours(1);
        JsonObject[] postingA =
        [
            Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 1m, "H87", from.AddMinutes(10)),
            Events.OperationConfirmed("PA01", "PA01-100002", "0010", "PA01-CNC1", 1m, "H87", machine: (6m, "MIN"), time: from.AddMinutes(20)),
            Events.YieldReported("PA01", "PA01-100002", "SF-2000", 1m, "H87", from.AddMinutes(30)),
        ];
        JsonObject[] postingB =
        [
            Events.MaterialIssued("PB01", "PB01-100002", "RM-3001", 1m, "H87", from.AddMinutes(15)),
            Events.MaterialIssued("PB01", "PB01-100002", "RM-3005", 2m, "KGM", from.AddMinutes(25)),
        ];
        var journalEntries = new List<string>();
        foreach (var cloudEvent in postingA.Concat(postingB))
            journalEntries.Add(Assert.Single((await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent))).JournalEntries));

        // Not counted: a confirmation of good quantity alone (no entry), a rejection, a replay, an event outside the window.
        Assert.Empty((await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(
            Events.OperationConfirmed("PA01", "PA01-100002", "0020", "PA01-CNC2", 1m, "H87", time: from.AddMinutes(40))))).JournalEntries);
        using (var rejected = await Host.PostStructuredAsync(Events.MaterialIssued("PA01", "PA01-999999", "RM-3001", 1m, "H87", from.AddMinutes(45))))
            await Problems.AssertAsync(rejected, HttpStatusCode.UnprocessableEntity, "/data/order", "order.unknown");
        Assert.True((await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(postingA[0]))).Replayed);
        await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 1m, "H87", to.AddMinutes(10))));

        var report = await Host.GetAsync<IntelligenceModule.LatencyReport>(
            $"/api/v1/kpis/production-to-posting-latency?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");

        Assert.Equal("ms", report.Unit);
        Assert.Equal(["PA01", "PB01"], report.Plants.Select(p => p.Plant));
        await AssertPlantAsync(report.Plants[0], journalEntries[..3]);
        await AssertPlantAsync(report.Plants[1], journalEntries[3..]);
    }

    /// <summary>
    /// The plant's count is its number of entries; its percentiles are the nearest-rank percentiles of each entry's
    /// event time → commit, read from the ledger and the commit log rather than from the process log the KPI uses,
    /// as the KPI reports a latency (docs: whole milliseconds rounded down, four significant figures from 10 s on).
    /// </summary>
    private async Task AssertPlantAsync(LatencyPercentiles plant, List<string> journalEntries)
    {
        var latencies = new List<double>();
        foreach (var entry in journalEntries)
        {
            latencies.Add(Reported(Assert.Single(await Tables.QueryAsync<long>(Host.Store,
                "SELECT c.committed_at_us - e.event_time_us FROM ledger_journal_entry e JOIN store_commit c ON c.id = e.commit_id WHERE e.id = @entry",
                new { entry }))));
        }

        latencies.Sort();
        static double Reported(long microseconds)
        {
            var ms = microseconds / 1000; // every latency here is positive: hours
            long step = 1;
            for (var size = ms; size >= 10_000; size /= 10)
                step *= 10;
            return ms / step * step;
        }

        double Rank(double p) => latencies[(int)Math.Ceiling(p * latencies.Count) - 1];
        Assert.Equal(journalEntries.Count, plant.Count);
        Assert.Equal((Rank(0.50), Rank(0.95), Rank(0.99), latencies[^1]), (plant.P50, plant.P95, plant.P99, plant.Max));

        // Every event occurred more than two hours before it was sent, so before it was committed.
        Assert.True(plant.P50 > TimeSpan.FromHours(2).TotalMilliseconds, $"p50 {plant.P50} ms");
    }
}

public sealed class LatencyKpiOnSqlite(SqliteHost fixture) : LatencyKpiContract<SqliteHost>(fixture);

public sealed class LatencyKpiOnPostgres(PostgresHost fixture) : LatencyKpiContract<PostgresHost>(fixture);
