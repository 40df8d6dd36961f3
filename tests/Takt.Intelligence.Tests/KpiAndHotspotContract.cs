using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// Exception hotspots, the actor of each event and the KPI overview on a real server and database. Hotspots and
/// actors read a history appended through the module's own <see cref="IIntelligence.Append"/> in windows of 2021
/// that nothing else writes to; the KPI overview reads events posted through the API.
/// </summary>
public abstract class KpiAndHotspotContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private async Task AppendAsync(params ProcessEventDraft[] drafts)
    {
        var intelligence = Host.Service<IIntelligence>();
        await using var session = await Host.Store.OpenSessionAsync(TimeProvider.System, Ct);
        await using var tx = await session.BeginAsync(Ct);
        foreach (var draft in drafts)
            intelligence.Append(tx, draft);
        await tx.CommitAsync(Ct);
    }

    private static ProcessEventDraft Draft(string type, string plant, string time, string data, params ObjectLink[] links) =>
        new(type, "/takt/test", Guid.NewGuid().ToString(), plant, At(time), data, 0, [new ObjectLink("plant", plant, "at"), .. links]);

    /// <summary>
    /// March 2021: five exceptions and two events that are not (an issue, and an exception after the window).
    /// <code>
    /// Tue 03-02 PA01 invoice exception  supplier S-100 category price      week of 03-01
    /// Wed 03-03 PA01 invoice exception  supplier S-100 category quantity   week of 03-01
    /// Tue 03-09 PB01 invoice exception  supplier S-200 category price      week of 03-08
    /// Wed 03-10 PA01 machine down       work center PA01-CNC1              week of 03-08
    /// Tue 03-16 PA01 scrap recorded     item RM-3001, work center PA01-CNC1 week of 03-15
    /// </code>
    /// </summary>
    private async Task SeedHotspotsAsync()
    {
        const string Window = "from=2021-03-01&to=2021-03-22";
        if ((await Host.GetAsync<ExceptionHotspots>($"/api/v1/process-log/exception-hotspots?{Window}")).Exceptions > 0)
            return;
        await AppendAsync(
            Draft("takt.payables.invoice-exception-raised.v1", "PA01", "2021-03-02T10:00:00Z", """{"supplier":"S-100","category":"price"}""", new ObjectLink("supplier-invoice", "INV-1", "blocked")),
            Draft("takt.payables.invoice-exception-raised.v1", "PA01", "2021-03-03T10:00:00Z", """{"supplier":"S-100","category":"quantity"}""", new ObjectLink("supplier-invoice", "INV-2", "blocked")),
            Draft("takt.payables.invoice-exception-raised.v1", "PB01", "2021-03-09T10:00:00Z", """{"supplier":"S-200","category":"price"}""", new ObjectLink("supplier-invoice", "INV-3", "blocked")),
            Draft("takt.production.machine-down.v1", "PA01", "2021-03-10T10:00:00Z", """{"workCenter":"PA01-CNC1","reason":"spindle"}""", new ObjectLink("work-center", "PA01-CNC1", "down")),
            Draft("takt.production.scrap-recorded.v1", "PA01", "2021-03-16T10:00:00Z", """{"order":"PA01-1"}""", new ObjectLink("item", "RM-3001", "scrapped"), new ObjectLink("work-center", "PA01-CNC1", "at")),
            Draft("takt.production.material-issued.v1", "PA01", "2021-03-04T10:00:00Z", """{"item":"RM-3001"}""", new ObjectLink("item", "RM-3001", "issued")),
            Draft("takt.production.machine-down.v1", "PA01", "2021-03-25T10:00:00Z", """{"workCenter":"PA01-CNC2"}""", new ObjectLink("work-center", "PA01-CNC2", "down")));
    }

    private static string[] Rows(IReadOnlyList<Hotspot> hotspots) => [.. hotspots.Select(h => $"{h.Key} {h.Exceptions} {h.Share.ToString(CultureInfo.InvariantCulture)}")];

    [Fact]
    public async Task hotspots_count_exceptions_by_plant_supplier_item_work_center_and_category_and_per_week()
    {
        await SeedHotspotsAsync();
        var all = await Host.GetAsync<ExceptionHotspots>("/api/v1/process-log/exception-hotspots?from=2021-03-01&to=2021-03-22&period=week");

        Assert.Equal(5, all.Exceptions);
        Assert.Equal(["PA01 4 0.8", "PB01 1 0.2"], Rows(all.ByPlant));
        Assert.Equal(["S-100 2 0.4", "S-200 1 0.2"], Rows(all.BySupplier));
        Assert.Equal(["RM-3001 1 0.2"], Rows(all.ByItem));
        Assert.Equal(["PA01-CNC1 2 0.4"], Rows(all.ByWorkCenter));
        Assert.Equal(["price 2 0.4", "machine-down 1 0.2", "quantity 1 0.2", "scrap-recorded 1 0.2"], Rows(all.ByCategory));
        Assert.Equal(
            ["2021-03-01 2 price=1,quantity=1", "2021-03-08 2 machine-down=1,price=1", "2021-03-15 1 scrap-recorded=1"],
            all.Trend.Select(t => $"{t.Start:yyyy-MM-dd} {t.Exceptions} {string.Join(',', t.ByCategory.Select(c => $"{c.Key}={c.Value}"))}"));

        // One plant: its four; per month one period.
        var pa01 = await Host.GetAsync<ExceptionHotspots>("/api/v1/process-log/exception-hotspots?from=2021-03-01&to=2021-03-22&plant=PA01&period=month");
        Assert.Equal(4, pa01.Exceptions);
        Assert.Equal(["S-100 2 0.5"], Rows(pa01.BySupplier));
        Assert.Equal(["2021-03-01 4"], pa01.Trend.Select(t => $"{t.Start:yyyy-MM-dd} {t.Exceptions}"));
    }

    [Theory]
    [InlineData("/api/v1/process-log/exception-hotspots?period=year", "/query/period", "query.period-unknown")]
    [InlineData("/api/v1/process-log/exception-hotspots?from=2021-03-22&to=2021-03-01", "/query/to", "query.range-invalid")]
    [InlineData("/api/v1/process-log/events?actorKind=robot", "/query/actorKind", "query.actor-kind-unknown")]
    [InlineData("/api/v1/kpis?period=year", "/query/period", "query.period-unknown")]
    [InlineData("/api/v1/kpis?periods=25", "/query/periods", "query.periods-invalid")]
    [InlineData("/api/v1/kpis?periods=0", "/query/periods", "query.periods-invalid")]
    [InlineData("/api/v1/kpis?from=yesterday", "/query/from", "query.time-invalid")]
    [InlineData("/api/v1/kpis?from=2021-03-22&to=2021-03-01", "/query/to", "query.range-invalid")]
    public async Task a_bad_query_is_a_problem_naming_the_parameter_and_the_rule(string path, string field, string rule)
    {
        using var response = await Host.Http.GetAsync(path, Ct);
        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, field, rule);
        Problems.AssertShape(problem, 400);
    }

    [Fact]
    public async Task each_event_carries_its_actor_a_person_a_client_or_the_system_and_is_found_by_it()
    {
        const string Window = "from=2021-04-01&to=2021-04-02";
        if ((await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}")).Events.Count == 0)
        {
            await AppendAsync(
                new ProcessEventDraft("takt.test.decided.v1", "/takt/orchestration", "a1", "PA01", At("2021-04-01T08:00:00Z"), "{}", 0, [], new EventActor(EventActor.Person, "ana")),
                new ProcessEventDraft("takt.test.posted.v1", "/takt/payables", "a2", "PA01", At("2021-04-01T09:00:00Z"), "{}", 0, []),
                new ProcessEventDraft("takt.production.material-issued.v1", "urn:mes:pa01", "a3", "PA01", At("2021-04-01T10:00:00Z"), "{}", 0, []));
        }

        var all = await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}");
        Assert.Equal(["a1 person ana", "a2 system /takt/payables", "a3 client urn:mes:pa01"], all.Events.Select(e => $"{e.SourceId} {e.Actor?.Kind} {e.Actor?.Id}"));
        Assert.Equal(["a1"], (await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}&actorKind=person")).Events.Select(e => e.SourceId));
        Assert.Equal(["a3"], (await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}&actorKind=client")).Events.Select(e => e.SourceId));
        Assert.Equal(["a2"], (await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}&actor=%2Ftakt%2Fpayables")).Events.Select(e => e.SourceId));
        Assert.Empty((await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}&actorKind=person&actor=bob")).Events);
    }

    [Fact]
    public async Task the_kpi_overview_names_all_eight_and_carries_each_modules_figure_with_its_trend()
    {
        var now = TimeProvider.System.GetUtcNow();
        var from = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-5);
        var to = from.AddHours(1);
        JsonObject[] events =
        [
            Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 1m, "H87", from.AddMinutes(10), "kpi-a1"),
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 1m, "H87", from.AddMinutes(20), "kpi-a2"),
        ];
        foreach (var e in events)
        {
            using var posted = await Host.PostStructuredAsync(e);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(Ct));
        }

        await Host.DrainOutboxAsync();
        string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        var report = await Host.GetAsync<KpiReport>($"/api/v1/kpis?from={Q(from)}&to={Q(to)}&plant=PA01&period=day&periods=2");

        Assert.Equal(
            ["production-to-posting-latency", "schedule-change-cycle-time", "inventory-accuracy", "invoice-exception-rate", "touchless-rate", "approval-turnaround", "close-readiness", "integration-failure-frequency", "standardized-resolution-rate"],
            report.Kpis);
        Assert.Equal(("day", 2, "PA01"), (report.Period, report.Periods, report.Plant));

        // The latency figures are the process log's own KPI for the same period and plant.
        var latency = (await Host.GetAsync<IntelligenceModule.LatencyReport>($"/api/v1/kpis/production-to-posting-latency?from={Q(from)}&to={Q(to)}&plant=PA01")).Plants.Single();
        Assert.Equal(2, latency.Count);
        var figures = report.Figures.Where(f => f.Kpi == "production-to-posting-latency").ToList();
        Assert.Equal([$"PA01 p50 {latency.P50} 2", $"PA01 p95 {latency.P95} 2", $"PA01 p99 {latency.P99} 2"], figures.Select(f => $"{f.Key} {f.Measure} {f.Value} {f.Cases}"));
        var lastDay = DateOnly.FromDateTime(to.AddTicks(-1).UtcDateTime);
        Assert.All(figures, f => Assert.Equal([lastDay.AddDays(-1), lastDay], f.Trend.Select(t => t.Start)));
        Assert.All(figures, f => Assert.True(f.Trend[^1].Cases >= 2));

        // Figures of other modules: one plant only; schedule change cycle time per plant (none re-planned: no value).
        Assert.All(report.Figures.Where(f => f.By == "plant"), f => Assert.Equal("PA01", f.Key));
        Assert.Equal(["PA01 p50 0", "PA01 p95 0"], report.Figures.Where(f => f.Kpi == "schedule-change-cycle-time").Select(f => $"{f.Key} {f.Measure} {f.Cases}"));
        Assert.All(report.Figures.Where(f => f.Kpi == "schedule-change-cycle-time"), f => Assert.Null(f.Value));

        // Close readiness: the ledger's close status of the plant's company for each month, the last one the figure.
        var readiness = Assert.Single(report.Figures, f => f.Kpi == "close-readiness");
        var month = new DateOnly(lastDay.Year, lastDay.Month, 1);
        Assert.Equal([month.AddMonths(-1), month], readiness.Trend.Select(t => t.Start));
        var status = await Host.GetAsync<Takt.Ledger.CloseStatus>($"/api/v1/close/{readiness.Key}/{month.Year * 100 + month.Month}");
        Assert.Equal(((double)status.Readiness, (long)status.Applicable), (readiness.Value, readiness.Cases));
    }
}

public sealed class KpiAndHotspotsOnSqlite(SqliteHost fixture) : KpiAndHotspotContract<SqliteHost>(fixture);

public sealed class KpiAndHotspotsOnPostgres(PostgresHost fixture) : KpiAndHotspotContract<PostgresHost>(fixture);
