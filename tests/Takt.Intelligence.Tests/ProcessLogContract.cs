using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Takt.Testing;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// The process log through the API on a real server and database: a process map, an object's history, events by
/// period and plant, the OCEL 2.0 export. Every test posts the same events with fixed ids (a repeat is a replay and
/// changes nothing), in a window three hours ago that only they fall in:
/// <code>
/// PA01-100002: material-issued +10 min → operation-confirmed +20 min → yield-reported +30 min (and one issue after the window)
/// PA01-100004: material-issued +5 min → material-issued +35 min
/// PB01-100002: material-issued +15 min (another plant)
/// </code>
/// </summary>
public abstract class ProcessLogContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Issued = "takt.production.material-issued.v1";
    private const string Confirmed = "takt.production.operation-confirmed.v1";
    private const string Yielded = "takt.production.yield-reported.v1";

    private static readonly DateTimeOffset From = Minute(TimeProvider.System.GetUtcNow().AddHours(-3));
    private static readonly DateTimeOffset To = From.AddHours(1);

    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset Minute(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero);

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    private static string Window => $"from={Q(From)}&to={Q(To)}";

    private async Task SeedAsync()
    {
        JsonObject[] events =
        [
            Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 1m, "H87", From.AddMinutes(10), "intel-a1"),
            Events.OperationConfirmed("PA01", "PA01-100002", "0010", "PA01-CNC1", 1m, "H87", machine: (6m, "MIN"), time: From.AddMinutes(20), id: "intel-a2"),
            Events.YieldReported("PA01", "PA01-100002", "SF-2000", 1m, "H87", From.AddMinutes(30), "intel-a3"),
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 1m, "H87", From.AddMinutes(5), "intel-b1"),
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 2m, "H87", From.AddMinutes(35), "intel-b2"),
            Events.MaterialIssued("PB01", "PB01-100002", "RM-3001", 1m, "H87", From.AddMinutes(15), "intel-c1"),
            Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 1m, "H87", To.AddMinutes(10), "intel-d1"),
        ];
        foreach (var e in events)
        {
            using var response = await Host.PostStructuredAsync(e);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        await Host.DrainOutboxAsync();
    }

    [Fact]
    public async Task the_map_of_a_plants_orders_counts_and_times_each_transition_of_the_period()
    {
        await SeedAsync();
        var map = await Host.GetAsync<ProcessMap>($"/api/v1/process-log/map?objectType=production-order&plant=PA01&{Window}");

        // 100002: issue → confirm (10 min) → yield (10 min); 100004: issue → issue (30 min). PB01 and the late issue are out.
        Assert.Equal((2, 5), (map.Objects, map.Events));
        Assert.Equal(
            [$"{Issued}→{Issued} 1 1800/1800", $"{Issued}→{Confirmed} 1 600/600", $"{Confirmed}→{Yielded} 1 600/600"],
            map.Edges.Select(e => $"{e.From}→{e.To} {e.Count} {e.MedianSeconds}/{e.P90Seconds}").Order(StringComparer.Ordinal));
        Assert.Equal([$"{Issued} 3 2 1", $"{Confirmed} 1 0 0", $"{Yielded} 1 0 1"], map.Activities.Select(a => $"{a.Activity} {a.Events} {a.Starts} {a.Ends}").Order(StringComparer.Ordinal));
        Assert.Equal($"{Issued}→{Issued}", $"{map.Bottlenecks[0].From}→{map.Bottlenecks[0].To}");

        using var svg = await Host.Http.GetAsync($"/api/v1/process-log/map?objectType=production-order&plant=PA01&{Window}&format=svg", Ct);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        var picture = System.Xml.Linq.XDocument.Parse(await svg.Content.ReadAsStringAsync(Ct));
        XNamespaceHelper.AssertSvg(picture);
        Assert.Equal(
            ["material-issued", "operation-confirmed", "yield-reported"],
            picture.Descendants().Where(g => (string?)g.Attribute("class") == "activity").Select(g => g.Elements().Where(e => e.Name.LocalName == "text").First().Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task an_objects_history_lists_its_events_in_time_order_with_their_objects_page_by_page()
    {
        await SeedAsync();
        var first = await Host.GetAsync<ObjectHistory>("/api/v1/process-log/objects/production-order/PA01-100002?limit=2");
        Assert.NotNull(first.Next);
        var second = await Host.GetAsync<ObjectHistory>($"/api/v1/process-log/objects/production-order/PA01-100002?limit=2&after={Uri.EscapeDataString(first.Next!)}");

        Assert.Null(second.Next);
        Assert.Equal(0, second.IndexBehind);
        var events = first.Events.Concat(second.Events).ToList();
        Assert.Equal(["intel-a1", "intel-a2", "intel-a3", "intel-d1"], events.Select(e => e.SourceId));
        Assert.Equal(
            ["plant PA01 at", "production-order PA01-100002 issued-to", "item RM-3001 component", "journal-entry posted-as", "stock-movement moved-as"],
            events[0].Objects.Select(o => o.Type is "journal-entry" or "stock-movement" ? $"{o.Type} {o.Qualifier}" : $"{o.Type} {o.Id} {o.Qualifier}"));
        Assert.Equal("RM-3001", events[0].Data.GetProperty("item").GetString());
        Assert.Contains(events[1].Objects, o => o is { Type: "work-center", Id: "PA01-CNC1", Qualifier: "worked-at" });

        // The journal entry of the first issue has the issue in its own history; another plant sees nothing of the order.
        var entry = events[0].Objects.Single(o => o.Type == "journal-entry").Id;
        Assert.Equal(["intel-a1"], (await Host.GetAsync<ObjectHistory>($"/api/v1/process-log/objects/journal-entry/{entry}")).Events.Select(e => e.SourceId));
        Assert.Empty((await Host.GetAsync<ObjectHistory>("/api/v1/process-log/objects/production-order/PA01-100002?plant=PB01")).Events);
    }

    [Fact]
    public async Task events_of_a_period_plant_and_type_come_in_time_order_page_by_page()
    {
        await SeedAsync();
        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}&plant=PA01&limit=2{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}");
            seen.AddRange(page.Events.Select(e => e.SourceId));
            after = page.Next;
            pages++;
        }
        while (after is not null);

        Assert.Equal(["intel-b1", "intel-a1", "intel-a2", "intel-a3", "intel-b2"], seen);
        Assert.Equal(3, pages);
        var issues = await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}&type={Issued}");
        Assert.Equal(["intel-b1", "intel-a1", "intel-c1", "intel-b2"], issues.Events.Select(e => e.SourceId));
        Assert.Null(issues.Next);
    }

    [Theory]
    [InlineData("/api/v1/process-log/events?from=yesterday", "/query/from", "query.time-invalid")]
    [InlineData("/api/v1/process-log/events?to=2026-11-26T08:00:00", "/query/to", "query.time-invalid")]
    [InlineData("/api/v1/process-log/events?from=2026-11-26&to=2026-11-25", "/query/to", "query.range-invalid")]
    [InlineData("/api/v1/process-log/events?limit=0", "/query/limit", "query.limit-invalid")]
    [InlineData("/api/v1/process-log/events?limit=1001", "/query/limit", "query.limit-invalid")]
    [InlineData("/api/v1/process-log/events?after=page-2", "/query/after", "query.cursor-invalid")]
    [InlineData("/api/v1/process-log/objects/production-order/PA01-100002?limit=x", "/query/limit", "query.limit-invalid")]
    [InlineData("/api/v1/process-log/map?plant=PA01", "/query/objectType", "query.required")]
    [InlineData("/api/v1/process-log/map?objectType=production-order&format=png", "/query/format", "query.format-unknown")]
    [InlineData("/api/v1/process-log/ocel?format=xml", "/query/format", "query.format-unknown")]
    [InlineData("/api/v1/process-log/ocel?from=2026-13-01", "/query/from", "query.time-invalid")]
    public async Task a_bad_query_parameter_is_a_problem_naming_the_parameter_and_the_rule(string path, string field, string rule)
    {
        using var response = await Host.Http.GetAsync(path, Ct);
        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, field, rule);
        Problems.AssertShape(problem, 400);
    }

    [Fact]
    public async Task the_ocel_export_of_a_period_is_valid_ocel_2_and_holds_exactly_its_events_and_their_objects()
    {
        await SeedAsync();
        using var response = await Host.Http.GetAsync($"/api/v1/process-log/ocel?{Window}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var json = JsonDocument.Parse(text).RootElement;

        var schema = JsonSchema.FromText(await File.ReadAllTextAsync(OcelData.Shared("schema/ocel20-schema-json.json"), Ct));
        var result = schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        // The period's six events (both plants, not the late one), each with the objects the log links it to.
        var logged = await Host.GetAsync<EventPage>($"/api/v1/process-log/events?{Window}");
        var events = json.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(logged.Events.Select(e => e.Id).Order(StringComparer.Ordinal), events.Select(e => e.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(
            logged.Events.SelectMany(e => e.Objects.Select(o => $"{e.Id} {o.Type}:{o.Id} {o.Qualifier}")).Order(StringComparer.Ordinal),
            events.SelectMany(e => e.GetProperty("relationships").EnumerateArray().Select(r => $"{e.GetProperty("id").GetString()} {r.GetProperty("objectId").GetString()} {r.GetProperty("qualifier").GetString()}")).Order(StringComparer.Ordinal));
        var objects = json.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("id").GetString()).ToList();
        Assert.Equal(logged.Events.SelectMany(e => e.Objects.Select(o => $"{o.Type}:{o.Id}")).Distinct().Order(StringComparer.Ordinal), objects.Order(StringComparer.Ordinal));
        var a1 = events.Single(e => e.GetProperty("attributes").EnumerateArray().Any(a => a.GetProperty("name").GetString() == "sourceId" && a.GetProperty("value").GetString() == "intel-a1"));
        Assert.Equal("1", a1.GetProperty("attributes").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "quantity.value").GetProperty("value").GetString());

        // Types are declared with their attributes; an order belongs to its plant (object-to-object).
        Assert.Equal([Issued, Confirmed, Yielded], json.GetProperty("eventTypes").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Contains("machineTime.value", json.GetProperty("eventTypes")[1].GetProperty("attributes").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["item", "journal-entry", "plant", "production-order", "stock-movement", "work-center"], json.GetProperty("objectTypes").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var order = json.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("id").GetString() == "production-order:PA01-100004");
        Assert.Equal(["plant:PA01 belongs-to"], order.GetProperty("relationships").EnumerateArray().Select(r => $"{r.GetProperty("objectId").GetString()} {r.GetProperty("qualifier").GetString()}"));
    }

    [Fact]
    public async Task the_sqlite_export_and_the_json_export_are_the_same_log_and_map_as_the_database_does()
    {
        await SeedAsync();
        var dir = Directory.CreateTempSubdirectory("takt-ocel-export-");
        try
        {
            var logs = new List<OcelLog>();
            foreach (var (format, file) in new[] { ("json", "export.jsonocel"), ("sqlite", "export.sqlite") })
            {
                using var response = await Host.Http.GetAsync($"/api/v1/process-log/ocel?{Window}&plant=PA01&format={format}", Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await File.WriteAllBytesAsync(Path.Combine(dir.FullName, file), await response.Content.ReadAsByteArrayAsync(Ct), Ct);
                logs.Add(await Module.Intelligence().ReadOcelAsync(Path.Combine(dir.FullName, file), Ct));
            }

            Assert.Equal(5, logs[0].Stats().Events);
            Assert.Equal(logs[0].Stats(), logs[1].Stats());
            Assert.Equal(logs[0].Events.Select(OcelFormsTests.Describe).Order(StringComparer.Ordinal), logs[1].Events.Select(OcelFormsTests.Describe).Order(StringComparer.Ordinal));

            // Imported for analysis, the export maps as the database does.
            var fromDatabase = await Host.GetAsync<ProcessMap>($"/api/v1/process-log/map?objectType=production-order&plant=PA01&{Window}");
            var fromExport = Module.Intelligence().ProcessMapOf(logs[1], new ProcessMapQuery("production-order", null, null, null));
            Assert.Equal(fromDatabase.Edges, fromExport.Edges);
            Assert.Equal(fromDatabase.Activities, fromExport.Activities);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }
}

public sealed class ProcessLogOnSqlite(SqliteHost fixture) : ProcessLogContract<SqliteHost>(fixture);

public sealed class ProcessLogOnPostgres(PostgresHost fixture) : ProcessLogContract<PostgresHost>(fixture);
