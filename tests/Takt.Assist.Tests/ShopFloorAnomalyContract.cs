using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>
/// Production anomalies found in posted shop-floor events (issue 15), over real HTTP on both engines: operation
/// confirmations go through the event API into the process log; a scan compares each work center's scrap rate and
/// machine time per unit with its own history. A planted scrap spike and a machine-time level shift at one work center
/// are found and explained (metric, value, baseline, deviation); a normal history raises no alarm.
/// </summary>
public abstract class ShopFloorAnomalyContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AssistHost
{
    private TaktHost Host => fixture.Host;

    private static DateTimeOffset T(int hour) => AssistHost.Start.AddHours(-100 + hour);

    [Fact]
    public async Task a_planted_scrap_spike_and_machine_time_shift_are_found_and_explained_and_a_normal_history_raises_nothing()
    {
        var random = new Random(7);
        var events = new List<JsonObject>();
        for (var i = 0; i < 80; i++)
        {
            // Rough machining at CNC1 (order PA01-100002): 100 good, 1–4 scrapped, 28–32 machine minutes. From event 60 on the
            // machine needs 45 minutes (a level shift); event 70 scraps 30 (a spike). Finish machining at CNC2 stays normal.
            var scrap = i == 70 ? 30m : 1 + random.Next(4);
            var minutes = (i >= 60 ? 45m : 30m) + random.Next(-2, 3);
            events.Add(Events.OperationConfirmed("PA01", "PA01-100002", "0010", "PA01-CNC1", 100m, "H87", scrap, (minutes, "MIN"), time: T(i)));
            events.Add(Events.OperationConfirmed("PA01", "PA01-100002", "0020", "PA01-CNC2", 100m, "H87", 1 + random.Next(4), (20m + random.Next(-2, 3), "MIN"), time: T(i).AddMinutes(30)));
        }

        foreach (var batch in events.Chunk(40))
        {
            using var posted = await Host.PostBatchAsync(batch);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        // The history before the plant: nothing at either work center.
        using (var normal = await fixture.PostAsync("/api/v1/assist/anomalies/shop-floor-scan", new { plant = "PA01", from = T(0), to = T(59).AddMinutes(45) }))
        {
            Assert.Equal(HttpStatusCode.Created, normal.StatusCode);
            var report = await TaktHost.JsonAsync(normal);
            Assert.Equal(120, report.GetProperty("events").GetInt32());
            var centers = report.GetProperty("workCenters").EnumerateArray().ToList();
            Assert.Equal(["PA01-CNC1", "PA01-CNC2"], centers.Select(c => c.GetProperty("workCenter").GetString()));
            Assert.All(centers, c => Assert.Empty(c.GetProperty("anomalies").EnumerateArray()));
        }

        Assert.Equal(0, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion"));

        // The whole history, reporting from event 55 on: CNC1's spike and shift, nothing at CNC2.
        using var scanned = await fixture.PostAsync("/api/v1/assist/anomalies/shop-floor-scan", new { plant = "PA01", from = T(0), to = T(80), since = T(55) });
        Assert.Equal(HttpStatusCode.Created, scanned.StatusCode);
        var full = await TaktHost.JsonAsync(scanned);
        var byCenter = full.GetProperty("workCenters").EnumerateArray().ToDictionary(c => c.GetProperty("workCenter").GetString()!, c => c.GetProperty("anomalies").EnumerateArray().ToList());
        Assert.Empty(byCenter["PA01-CNC2"]);
        var found = byCenter["PA01-CNC1"];
        var spike = Assert.Single(found, a => a.GetProperty("output").GetProperty("kind").GetString() == "spike" && a.GetProperty("output").GetProperty("metric").GetString() == "scrapRate");
        var output = spike.GetProperty("output");
        Assert.Equal(T(70), output.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(30.0 / 130, output.GetProperty("value").GetDouble(), 6);
        Assert.InRange(output.GetProperty("baseline").GetDouble(), 0.009, 0.04); // the work center's usual 1–4 in 101–104
        Assert.True(output.GetProperty("score").GetDouble() > 5, output.ToString());
        Assert.Equal("scrapRate", spike.GetProperty("explanation")[0].GetProperty("feature").GetString());
        var shift = Assert.Single(found, a => a.GetProperty("output").GetProperty("kind").GetString() == "level-shift" && a.GetProperty("output").GetProperty("metric").GetString() == "cycleTimeSeconds");
        Assert.InRange(shift.GetProperty("output").GetProperty("baseline").GetDouble(), 17.0, 19.0); // 30 minutes for 101–104 units
        Assert.InRange(shift.GetProperty("output").GetProperty("at").GetDateTimeOffset(), T(60), T(66));
        Assert.DoesNotContain(found, a => a.GetProperty("output").GetProperty("at").GetDateTimeOffset() < T(55));
        // Each is recorded, and announced as an advisory event; nothing else.
        Assert.Equal(found.Count, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'production-anomalies' AND subject_id = 'PA01-CNC1'"));
        Assert.Equal(found.Count, await fixture.CountAsync("SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.assist.anomaly-detected.v1'"));

        // A bad scan names its fields and writes nothing.
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/anomalies/shop-floor-scan", new { plant = "PA01", from = T(10), to = T(5) }), HttpStatusCode.UnprocessableEntity, "/to", "assist.range-order");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/anomalies/shop-floor-scan", new { plant = "PA01", to = T(5) }), HttpStatusCode.UnprocessableEntity, "/from", "assist.from-required");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/anomalies/shop-floor-scan", new { plant = "PA01", from = T(0), to = T(80), since = T(90) }), HttpStatusCode.UnprocessableEntity, "/since", "assist.since-outside-range");
        Assert.Equal(found.Count, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion"));
    }
}

public sealed class ShopFloorSqliteHost() : AssistHost("sqlite");

public sealed class ShopFloorPostgresHost() : AssistHost("postgres");

public sealed class ShopFloorSqlite(ShopFloorSqliteHost fixture) : ShopFloorAnomalyContract<ShopFloorSqliteHost>(fixture);

public sealed class ShopFloorPostgres(ShopFloorPostgresHost fixture) : ShopFloorAnomalyContract<ShopFloorPostgresHost>(fixture);
