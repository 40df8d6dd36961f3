using System.Net;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// CSV uploads from legacy plants (docs/adapters.md): one canonical event per line; every bad line is reported at
/// <c>/lines/{line}/{column}</c> with its rule, and a file with any bad line imports nothing. Each test uses its own orders.
/// </summary>
public abstract class ShopFloorCsvContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AdapterHost
{
    private const string Path = "/api/v1/adapters/csv/v1/shop-floor-events";

    private static string Today => TimeProvider.System.GetUtcNow().AddMinutes(-10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task a_good_file_posts_one_event_per_line()
    {
        // PB01-100001 assembles pumps in Brno (0010 on PB01-ASM1); quoted fields, CRLF, a blank line, a BOM.
        var csv = "\uFEFFevent,time,plant,order,item,operation,work_center,quantity,unit,scrap_quantity,machine_time,labour_time,time_unit\r\n" +
            $"material-issued,{Today},PB01,PB01-100001,SF-2000,,,3,EA,,,,\r\n" +
            $"operation-confirmed,{Today},PB01,PB01-100001,,0010,PB01-ASM1,3,H87,,30,\"1.5\",MIN\r\n" +
            "\r\n" +
            $"\"yield-reported\",{Today},PB01,PB01-100001,\"FG-1000\",,,2,H87,,,,\r\n";

        var document = await AcceptedDocument.ReadAsync(await Documents.PostAsync(fixture.Host, Path, csv, "text/csv"));

        Assert.Equal([EventTypes.MaterialIssued, EventTypes.OperationConfirmed, EventTypes.YieldReported], document.Events.Select(e => e.Type));
        Assert.Equal(["/lines/2", "/lines/3", "/lines/5"], document.Events.Select(e => e.Origin));
        Assert.Equal(
            """{"plant":"PB01","order":"PB01-100001","operation":"0010","workCenter":"PB01-ASM1","goodQuantity":{"value":3,"unit":"H87"},"machineTime":{"value":30,"unit":"MIN"},"labourTime":{"value":1.5,"unit":"MIN"}}""",
            await DataAsync(document.Events[1]));
        var order = await fixture.Host.OrderAsync("PB01-100001");
        Assert.Equal((3m, 2m), (order.Components.Single(c => c.Item == "SF-2000").Issued, order.Yield));
        Assert.Equal(3m, order.Operations.Single(o => o.Operation == "0010").Good);

        var again = await AcceptedDocument.ReadAsync(await Documents.PostAsync(fixture.Host, Path, csv, "text/csv"));
        Assert.Equal((0, 3), (again.Accepted, again.Replayed));
    }

    [Fact]
    public async Task one_malformed_line_imports_nothing_and_names_the_line_and_the_rule()
    {
        var before = await fixture.Host.SettledSnapshotAsync();
        var csv = "event,time,plant,order,item,quantity,unit\n" +
            $"material-issued,{Today},PB01,PB01-100003,RM-3002,2,H87\n" +
            $"material-issued,{Today},PB01,PB01-100003,RM-3003,2.5.1,H87\n" +
            $"material-issued,{Today},PB01,PB01-100003,RM-3004,1,LTR\n";

        using var response = await Documents.PostAsync(fixture.Host, Path, csv, "text/csv");

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "/lines/3/quantity", "csv.number-invalid");
        before.AssertUnchanged(await Tables.SnapshotAsync(fixture.Host.Store));
    }

    [Fact]
    public async Task one_line_the_gateway_rejects_imports_nothing_and_names_the_line_and_the_rule()
    {
        // Lines 2 and 4 are fine alone; line 3's unit does not measure pieces; line 5's order does not exist.
        var before = await fixture.Host.SettledSnapshotAsync();
        var csv = "event,time,plant,order,item,quantity,unit\n" +
            $"material-issued,{Today},PB01,PB01-100005,RM-3002,2,H87\n" +
            $"material-issued,{Today},PB01,PB01-100005,RM-3003,2,KGM\n" +
            $"material-issued,{Today},PB01,PB01-100005,RM-3004,1,LTR\n" +
            $"material-issued,{Today},PB01,PB01-999999,RM-3004,1,LTR\n";

        using var response = await Documents.PostAsync(fixture.Host, Path, csv, "text/csv");

        var problem = await Problems.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal([("/lines/3/unit", "quantity.unit-not-convertible"), ("/lines/5/order", "order.unknown")], Problems.Errors(problem));
        before.AssertUnchanged(await Tables.SnapshotAsync(fixture.Host.Store));
    }

    [Fact]
    public async Task every_bad_line_is_reported_at_once()
    {
        var csv = "event,time,plant,order,item,operation,work_center,quantity,unit\n" +
            $"scrapped,{Today},PB01,PB01-100007,RM-3002,,,2,H87\n" +
            $"material-issued,yesterday,PB01,PB01-100007,RM-3002,,,2,H87\n" +
            $"material-issued,{Today},PB01,PB01-100007,,0010,,2,H87\n" +
            $"operation-confirmed,{Today},PB01,PB01-100007,,0010,PB01-CNC1\n";

        using var response = await Documents.PostAsync(fixture.Host, Path, csv, "text/csv");

        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(
            [
                ("/lines/2/event", "csv.event-unknown"),
                ("/lines/3/time", "csv.time-invalid"),
                ("/lines/4/item", "csv.value-required"),
                ("/lines/4/operation", "csv.value-not-applicable"),
                ("/lines/5", "csv.field-count"),
            ],
            Problems.Errors(problem));
    }

    [Fact]
    public async Task a_semicolon_file_with_decimal_commas_is_read_as_a_spreadsheet_writes_it()
    {
        var csv = "Event;Time;Plant;Order;Item;Quantity;Unit\n" +
            $"material-issued;{Today};PB01;PB01-100009;RM-3004;\"1,25\";l\n";

        var document = await AcceptedDocument.ReadAsync(await Documents.PostAsync(fixture.Host, Path, csv, "text/csv; charset=utf-8"));

        Assert.Equal("""{"plant":"PB01","order":"PB01-100009","item":"RM-3004","quantity":{"value":1.25,"unit":"LTR"}}""", await DataAsync(Assert.Single(document.Events)));
    }

    [Theory]
    [InlineData("event,time,plant,order,quantity,unit,colour\n", "/lines/1/colour", "csv.column-unknown")]
    [InlineData("event,time,plant,order,quantity\n", "/lines/1/unit", "csv.column-required")]
    [InlineData("event,time,\"plant,order,quantity,unit\n", "/lines/1", "csv.quote-unterminated")]
    [InlineData("event,time,pl\"ant,order,quantity,unit\n", "/lines/1", "csv.quote-invalid")]
    public async Task a_bad_header_or_quoting_is_refused(string csv, string field, string rule)
    {
        using var response = await Documents.PostAsync(fixture.Host, Path, csv, "text/csv");
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, field, rule);
    }

    [Fact]
    public async Task a_clients_uploads_count_in_its_integration_health()
    {
        // Two good lines accepted, then a file refused for its bad line: one rejection with the line's rule.
        var key = await fixture.Host.RegisterClientAsync("legacy-pb01", [Takt.Integration.Access.Scopes.EventsProductionWrite], ["PB01"]);
        var legacy = fixture.Host.HttpWith(key.ApiKey);
        var good = "event,time,plant,order,item,quantity,unit\n" +
            $"material-issued,{Today},PB01,PB01-100011,RM-3002,1,H87\nmaterial-issued,{Today},PB01,PB01-100011,RM-3003,1,H87\n";
        var bad = "event,time,plant,order,item,quantity,unit\n" + $"material-issued,{Today},PB01,PB01-100011,RM-3002,one,H87\n";

        using (var accepted = await legacy.PostAsync(Path, new StringContent(good, System.Text.Encoding.UTF8, "text/csv"), TestContext.Current.CancellationToken))
            await AcceptedDocument.ReadAsync(accepted);
        using (var refused = await legacy.PostAsync(Path, new StringContent(bad, System.Text.Encoding.UTF8, "text/csv"), TestContext.Current.CancellationToken))
            await Problems.AssertAsync(refused, HttpStatusCode.BadRequest, "/lines/2/quantity", "csv.number-invalid");

        var health = await fixture.Host.GetAsync<JsonObject>("/api/v1/integration/health");
        var client = health["clients"]!.AsArray().Single(c => c!["clientId"]!.GetValue<string>() == "legacy-pb01")!;
        Assert.Equal((2, 1), (client["eventsAccepted"]!.GetValue<long>(), client["eventsRejected"]!.GetValue<long>()));
        Assert.Equal(1, client["rejectedByRule"]!["csv.number-invalid"]!.GetValue<long>());
    }

    [Fact]
    public async Task a_file_that_is_not_utf8_is_refused()
    {
        using var response = await Documents.PostAsync(fixture.Host, Path, [0x65, 0x76, 0xFF, 0xFE, 0x0A], "text/csv");
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "", "csv.encoding-invalid");
    }

    private async Task<string> DataAsync(AcceptedDocumentEvent e)
    {
        var data = Assert.Single(await Tables.QueryAsync<string>(fixture.Host.Store, "SELECT data FROM intel_event WHERE id = @id", new { id = e.ProcessEventId }));
        return JsonNode.Parse(data)!.ToJsonString();
    }
}

public sealed class ShopFloorCsvOnSqlite(AdapterSqliteHost fixture) : ShopFloorCsvContract<AdapterSqliteHost>(fixture);

public sealed class ShopFloorCsvOnPostgres(AdapterPostgresHost fixture) : ShopFloorCsvContract<AdapterPostgresHost>(fixture);
