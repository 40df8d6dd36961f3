using System.Text.Json.Nodes;
using Takt.Assist.Anomalies;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>
/// The scheduled shop-floor anomaly scan (issue 15), on both engines: a turn reports the anomalies since the plant's
/// position and moves it in the same transaction, so a second turn suggests nothing new and a later anomaly is
/// suggested once; two nodes' turns at once make one scan; with an interval configured the hosted service runs turns
/// by itself on real time, its range on business time; takt run's demo shows a suggested scrap spike.
/// </summary>
public abstract class ScheduledScanContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ScheduledScanHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => AssistHost.Ct;

    private const string Center = "PB01-CNC1";

    private const string CountSuggestions = "SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'production-anomalies' AND subject_id = 'PB01-CNC1'";

    private const string CountAdvisories = "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.assist.anomaly-detected.v1'";

    [Fact]
    public async Task a_turn_suggests_each_anomaly_once_a_second_turn_nothing_new_and_two_nodes_at_once_scan_once()
    {
        var scanner = Host.Service<ShopFloorScanner>();
        var start = fixture.Clock.GetUtcNow();
        var random = new Random(11);
        // 60 hourly confirmations at PB01-CNC1 from 100 h before now: 100 good, 1–4 scrapped; event 50 scraps 30 (a spike).
        await PostAsync(Enumerable.Range(0, 60).Select(i => Confirmation(start.AddHours(-100 + i), i == 50 ? 30m : 1 + random.Next(4))));

        await using (var session = await fixture.Store.OpenSessionAsync(fixture.Clock, Ct))
        {
            Assert.Null(await ShopFloorScanner.PositionAsync(fixture.Store, fixture.Clock, "PB01", Ct));
            var first = await scanner.ScanAsync(session, "PB01", start, Ct);
            Assert.False(first.Skipped);
            Assert.Equal(start - TimeSpan.FromDays(14), first.Since); // the first scan reports over its whole history
            var spike = Assert.Single(first.Report!.WorkCenters.Single(w => w.WorkCenter == Center).Anomalies);
            Assert.Equal(("spike", "scrapRate"), (spike.Output["kind"]!.GetValue<string>(), spike.Output["metric"]!.GetValue<string>()));
            Assert.Equal(start.AddHours(-50), spike.Output["at"]!.GetValue<DateTimeOffset>());
            Assert.Equal(start, await ShopFloorScanner.PositionAsync(fixture.Store, fixture.Clock, "PB01", Ct));
        }

        Assert.Equal(1, await fixture.CountAsync(CountSuggestions));
        var advisories = await fixture.CountAsync(CountAdvisories);

        // A second turn an hour later: the same history, nothing new to suggest; the position moves on.
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await using (var session = await fixture.Store.OpenSessionAsync(fixture.Clock, Ct))
        {
            var second = await scanner.ScanAsync(session, "PB01", fixture.Clock.GetUtcNow(), Ct);
            Assert.Equal(start, second.Since);
            Assert.Equal(0, second.Anomalies);
        }

        Assert.Equal(1, await fixture.CountAsync(CountSuggestions));
        Assert.Equal(advisories, await fixture.CountAsync(CountAdvisories));

        // A new spike between the last scan and now: two nodes' turns at once suggest it once; the other node writes nothing.
        fixture.Clock.Advance(TimeSpan.FromHours(3));
        var now = fixture.Clock.GetUtcNow();
        await PostAsync([Confirmation(now.AddHours(-3), 2m), Confirmation(now.AddHours(-2), 40m), Confirmation(now.AddHours(-1), 3m)]);
        await using var nodeA = await fixture.Store.OpenSessionAsync(fixture.Clock, Ct);
        await using var nodeB = await fixture.Store.OpenSessionAsync(fixture.Clock, Ct);
        var turns = await Task.WhenAll(scanner.ScanAsync(nodeA, "PB01", now, Ct), scanner.ScanAsync(nodeB, "PB01", now, Ct));
        var done = Assert.Single(turns, t => !t.Skipped);
        Assert.Single(turns, t => t.Skipped && t.Report is null);
        Assert.Equal(start.AddHours(1), done.Since);
        var late = Assert.Single(done.Report!.WorkCenters.Single(w => w.WorkCenter == Center).Anomalies);
        Assert.Equal(now.AddHours(-2), late.Output["at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(2, await fixture.CountAsync(CountSuggestions));
        Assert.Equal(advisories + 1, await fixture.CountAsync(CountAdvisories));
        Assert.Equal(now, await ShopFloorScanner.PositionAsync(fixture.Store, fixture.Clock, "PB01", Ct));

        // Once more at the same business time: nothing to scan, nothing written.
        var again = await scanner.ScanAsync(nodeA, "PB01", now, Ct);
        Assert.True(again.Skipped);
        Assert.Equal(2, await fixture.CountAsync(CountSuggestions));
    }

    [Fact]
    public async Task the_demo_suggests_its_scrap_spike_once_and_the_hosted_service_scans_again_on_its_interval_suggesting_nothing_new()
    {
        // takt run's demo: 48 hourly confirmations at PA01-CNC1, the lot 40 h after the first scraps 24 (about 1–3 otherwise),
        // and the scan's first turn suggested it.
        var demo = (await fixture.InTransactionAsync(tx => Takt.Assist.Registry.SuggestionLog.ListAsync(tx, "production-anomalies", "PA01", 100, Ct)))
            .Where(s => s.SubjectId == DemoAssist.WorkCenter).ToList();
        var spike = Assert.Single(demo, s => s.Output["metric"]!.GetValue<string>() == "scrapRate");
        Assert.Equal("spike", spike.Output["kind"]!.GetValue<string>());
        Assert.Equal(AssistHost.Start.AddHours(-DemoAssist.Confirmations - 1 + DemoAssist.SpikeAt), spike.Output["at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(24.0 / 124, spike.Output["value"]!.GetValue<double>(), 6);
        Assert.DoesNotContain(demo, s => s.Output["metric"]!.GetValue<string>() != "scrapRate"); // machine time per piece stays usual
        var suggested = await fixture.CountAsync(DemoSuggestions);
        Assert.Equal(demo.Count, suggested);

        // The hosted service scans PA01 every 200 ms of real time up to business now: once the clock moves on, its position
        // follows, and the same history suggests nothing new.
        Assert.True(await ShopFloorScanner.PositionAsync(fixture.Store, fixture.Clock, "PA01", Ct) >= AssistHost.Start);
        fixture.Clock.Advance(TimeSpan.FromHours(2));
        var later = fixture.Clock.GetUtcNow();
        await Eventually(async () => await ShopFloorScanner.PositionAsync(fixture.Store, fixture.Clock, "PA01", Ct) == later);
        Assert.Equal(suggested, await fixture.CountAsync(DemoSuggestions));
        Assert.Null(await ShopFloorScanner.PositionAsync(fixture.Store, fixture.Clock, "PC99", Ct)); // only the configured plants
    }

    private const string DemoSuggestions = "SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'production-anomalies' AND subject_id = 'PA01-CNC1'";

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
                return;
            await Task.Delay(100, Ct);
        }

        Assert.Fail("The scheduled scan did not run within 30 s.");
    }

    private static JsonObject Confirmation(DateTimeOffset at, decimal scrap) =>
        Events.OperationConfirmed("PB01", "PB01-100002", "0010", Center, 100m, "H87", scrap, time: at); // no machine time: the scrap rate is the stream

    private async Task PostAsync(IEnumerable<JsonObject> events)
    {
        foreach (var batch in events.Chunk(40))
        {
            using var posted = await Host.PostBatchAsync(batch);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(Ct));
        }
    }
}

/// <summary>An assist host with takt run's anomaly demo whose scheduled scan runs every 200 ms for Plant A only (Plant B's turns are the test's).</summary>
public abstract class ScheduledScanHost(string engine) : AssistHost(engine)
{
    protected override void Configure(ServerSettings settings)
    {
        base.Configure(settings);
        settings.Assist.ShopFloorScanInterval = TimeSpan.FromMilliseconds(200);
        settings.Assist.ShopFloorScanPlants = ["PA01"];
        settings.DemoAnomalies = true;
    }
}

public sealed class ScheduledScanSqliteHost() : ScheduledScanHost("sqlite");

public sealed class ScheduledScanPostgresHost() : ScheduledScanHost("postgres");

public sealed class ScheduledScanSqlite(ScheduledScanSqliteHost fixture) : ScheduledScanContract<ScheduledScanSqliteHost>(fixture);

public sealed class ScheduledScanPostgres(ScheduledScanPostgresHost fixture) : ScheduledScanContract<ScheduledScanPostgresHost>(fixture);
