using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// KPIs on two nodes (issue 14, docs/scaling.md): two servers on one PostgreSQL, each with all its background work
/// (outbox dispatcher with the plant-activity projection, object indexer, flow worker, and whatever maintains KPI
/// aggregates), take shop-floor events alternately. Afterwards each fact is counted once — in the production-to-posting
/// latency KPI (its cases equal the posted events of the process log, each pool event logged once) and in the
/// plant-activity projection (its entries equal the journal-entry-posted messages) — and both nodes report the same
/// KPI values for the same history and range.
/// </summary>
public sealed class TwoNodeKpiContract
{
    private const int PoolSize = 600;
    private const int BatchSize = 20;

    [Fact]
    public async Task two_nodes_on_one_postgresql_count_each_fact_once_and_report_the_same_kpis()
    {
        await using var database = await TaktDatabase.CreateAsync("postgres");
        var store = database.Store;
        await using var nodeA = await TaktHost.StartAsync(database);
        await using var nodeB = await TaktHost.StartAsync(database);

        var time = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        var pool = ShopFloorPool.Generate(await nodeA.OrdersAsync(), PoolSize, time, seed: 29);
        var batches = pool.Chunk(BatchSize).ToArray();
        for (var i = 0; i < batches.Length; i++)
        {
            using var response = await (i % 2 == 0 ? nodeA : nodeB).PostBatchAsync(batches[i].Select(e => JsonNode.Parse(e.Json)!));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // Both nodes' background work catches up on the shared database.
        await nodeA.DrainOutboxAsync();
        await nodeB.DrainOutboxAsync();

        // Each pool event is in the process log once, posted when its expected effect posts lines.
        var ids = pool.Select(e => e.Id).ToArray();
        Assert.Equal(PoolSize, await Db.ScalarAsync(store, "SELECT COUNT(*) FROM intel_event WHERE source_id = ANY(@ids)", new { ids }));
        Assert.Equal(pool.Count(e => e.Effect.Lines.Count > 0), await Db.ScalarAsync(store, "SELECT COUNT(*) FROM intel_event WHERE source_id = ANY(@ids) AND journal_entries > 0", new { ids }));

        // The plant-activity projection counted every journal entry once, though two dispatchers ran it.
        Assert.Equal(
            await Db.ScalarAsync(store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = @type", new { type = EventTypes.JournalEntryPosted }),
            await Db.ScalarAsync(store, "SELECT COALESCE(SUM(entries), 0) FROM intel_plant_activity"));

        // The latency KPI's cases per plant are the posted events of the log in the range, on either node.
        var (from, to) = (time.AddHours(-2), time.AddHours(2));
        var posted = await Db.MapAsync(store,
            "SELECT e.plant, COUNT(*) FROM intel_event e JOIN store_commit c ON c.id = e.commit_id WHERE e.journal_entries > 0 AND e.plant IS NOT NULL AND e.occurred_at_us >= @from AND e.occurred_at_us < @to GROUP BY e.plant",
            new { from = from.ToUnixTimeMilliseconds() * 1000, to = to.ToUnixTimeMilliseconds() * 1000 });
        Assert.True(posted.Values.Sum() >= pool.Count(e => e.Effect.Lines.Count > 0));
        var range = $"from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}";
        var latencyA = await nodeA.GetAsync<JsonElement>($"/api/v1/kpis/production-to-posting-latency?{range}");
        var latencyB = await nodeB.GetAsync<JsonElement>($"/api/v1/kpis/production-to-posting-latency?{range}");
        Assert.Equal(latencyA.ToString(), latencyB.ToString());
        var cases = latencyA.GetProperty("plants").EnumerateArray().ToDictionary(p => p.GetProperty("plant").GetString()!, p => p.GetProperty("count").GetInt64(), StringComparer.Ordinal);
        Assert.Equal(posted.OrderBy(p => p.Key, StringComparer.Ordinal), cases.OrderBy(p => p.Key, StringComparer.Ordinal));

        // All KPIs of the overview, for the same range and trend periods: the same figures from both nodes.
        var overviewA = await nodeA.GetAsync<JsonElement>($"/api/v1/kpis?{range}&period=day&periods=2");
        var overviewB = await nodeB.GetAsync<JsonElement>($"/api/v1/kpis?{range}&period=day&periods=2");
        Assert.Equal(overviewA.GetProperty("figures").ToString(), overviewB.GetProperty("figures").ToString());
        var latencyFigures = overviewA.GetProperty("figures").EnumerateArray().Where(f => f.GetProperty("kpi").GetString() == "production-to-posting-latency").ToList();
        Assert.NotEmpty(latencyFigures);
        Assert.All(latencyFigures, f => Assert.Equal(posted[f.GetProperty("key").GetString()!], f.GetProperty("cases").GetInt64()));
    }
}
