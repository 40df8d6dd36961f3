using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// Schedules out: a plant's released orders as B2MML V0401 SyncProductionSchedule and V0701 SyncOperationsSchedule,
/// valid against the published XSDs, one request per order and one segment per operation; and the registry.
/// </summary>
public abstract class ScheduleContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AdapterHost
{
    private static readonly XNamespace V0401 = "http://www.wbf.org/xml/B2MML-V0401";
    private static readonly XNamespace V0701 = "http://www.mesa.org/xml/B2MML";

    [Fact]
    public async Task the_v0401_production_schedule_lists_every_released_order_of_the_plant_and_is_valid()
    {
        var xml = await GetXmlAsync("/api/v1/adapters/b2mml/v0401/production-schedule?plant=PB01");

        B2mmlSchemas.AssertValid(xml, B2mmlSchemas.V0401);
        var released = (await fixture.Host.OrdersAsync()).Where(o => o.Plant == "PB01" && o.Status == "released").ToList();
        var requests = xml.Descendants(V0401 + "ProductionRequest").ToList();
        Assert.Equal(released.Select(o => o.Number), requests.Select(r => r.Element(V0401 + "ID")!.Value));
        Assert.Equal("PB01", xml.Root!.Element(V0401 + "DataArea")!.Element(V0401 + "ProductionSchedule")!.Element(V0401 + "Location")!.Element(V0401 + "EquipmentID")!.Value);

        // PB01-100001: pumps; 0010 on PB01-ASM1 consumes the components, 0020 on PB01-TST1 produces the pump.
        var order = released.Single(o => o.Number == "PB01-100001");
        var request = requests.Single(r => r.Element(V0401 + "ID")!.Value == order.Number);
        var segments = request.Elements(V0401 + "SegmentRequirement").ToList();
        Assert.Equal(["0010", "0020"], segments.Select(s => s.Element(V0401 + "ID")!.Value));
        Assert.Equal(["PB01-ASM1", "PB01-TST1"], segments.Select(s => s.Element(V0401 + "EquipmentRequirement")!.Element(V0401 + "EquipmentID")!.Value));
        Assert.Equal(Materials(order, "Consumed"), Materials(segments[0], V0401));
        Assert.Equal([("FG-1000", "Produced", order.Quantity, "H87")], Materials(segments[1], V0401));
        Assert.Equal(order.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Element(V0401 + "Priority")!.Value);
        // Due date, end of the day in Brno.
        var end = DateTimeOffset.Parse(request.Element(V0401 + "EndTime")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(order.DueDate.ToDateTime(new TimeOnly(23, 59, 59)), end.DateTime);
        Assert.Equal(TimeZoneInfo.FindSystemTimeZoneById("Europe/Prague").GetUtcOffset(end), end.Offset);
    }

    [Fact]
    public async Task the_v0701_operations_schedule_says_the_same_in_v0701_and_is_valid()
    {
        await fixture.SeededAsync(); // adds order 53107 at PA01, which has no routing
        var xml = await GetXmlAsync("/api/v1/adapters/b2mml/v0701/operations-schedule?plant=PA01");

        B2mmlSchemas.AssertValid(xml, B2mmlSchemas.V0701);
        var released = (await fixture.Host.OrdersAsync()).Where(o => o.Plant == "PA01" && o.Status == "released").ToList();
        var requests = xml.Descendants(V0701 + "OperationsRequest").ToList();
        Assert.Equal(released.Select(o => o.Number), requests.Select(r => r.Element(V0701 + "ID")!.Value));
        var order = released.Single(o => o.Number == "PA01-100002");
        var segments = requests.Single(r => r.Element(V0701 + "ID")!.Value == order.Number).Elements(V0701 + "SegmentRequirement").ToList();
        Assert.Equal(["0010", "0020"], segments.Select(s => s.Element(V0701 + "ID")!.Value));
        Assert.Equal(Materials(order, "Consumed"), Materials(segments[0], V0701));
        Assert.Equal([("SF-2000", "Produced", order.Quantity, "H87")], Materials(segments[1], V0701));

        // An order without a routing is one segment, named by the order, with all of its material.
        var whole = Assert.Single(requests.Single(r => r.Element(V0701 + "ID")!.Value == "53107").Elements(V0701 + "SegmentRequirement"));
        Assert.Equal("53107", whole.Element(V0701 + "ID")!.Value);
        Assert.Null(whole.Element(V0701 + "EquipmentRequirement"));
        Assert.Equal([("CRBN0001", "Consumed", 5m, "KGM"), ("SO1215", "Produced", 1m, "KGM")], Materials(whole, V0701));
    }

    [Fact]
    public async Task what_the_mes_answers_to_a_schedule_comes_back_as_performance_of_the_same_order_and_operations()
    {
        // The round trip: echo the schedule's request and segment IDs in a V0701 performance.
        var host = await fixture.SeededAsync();
        var schedule = await GetXmlAsync("/api/v1/adapters/b2mml/v0701/operations-schedule?plant=PB01");
        var request = schedule.Descendants(V0701 + "OperationsRequest").Single(r => r.Element(V0701 + "ID")!.Value == "PB01-100006");
        var segment = request.Elements(V0701 + "SegmentRequirement").First();
        var performance = $"""
            <OperationsPerformance xmlns="{V0701.NamespaceName}">
              <ID>echo-1</ID>
              <OperationsResponse><ID>r-1</ID><OperationsRequestID>{request.Element(V0701 + "ID")!.Value}</OperationsRequestID>
                <SegmentResponse><ID>s-1</ID><ActualEndTime>{TimeProvider.System.GetUtcNow().AddMinutes(-5):yyyy-MM-dd'T'HH:mm:ss'Z'}</ActualEndTime>
                  <SegmentRequirementID>{segment.Element(V0701 + "ID")!.Value}</SegmentRequirementID>
                  <SegmentData><ID>GoodQuantity</ID><Value><ValueString>4</ValueString><UnitOfMeasure>H87</UnitOfMeasure></Value></SegmentData>
                  <EquipmentActual><ID>e-1</ID><EquipmentID>{segment.Element(V0701 + "EquipmentRequirement")!.Element(V0701 + "EquipmentID")!.Value}</EquipmentID>
                    <Quantity><QuantityString>20</QuantityString><UnitOfMeasure>MIN</UnitOfMeasure></Quantity></EquipmentActual>
                </SegmentResponse>
              </OperationsResponse>
            </OperationsPerformance>
            """;
        B2mmlSchemas.AssertValid(XDocument.Parse(performance), B2mmlSchemas.V0701);

        await AcceptedDocument.ReadAsync(await Documents.PostAsync(host, "/api/v1/adapters/b2mml/v0701/operations-performance?plant=PB01", performance, "application/xml"));

        Assert.Equal(new OperationView("0010", "PB01-CNC1", "Rough machining", 4m, 0m, 0.333333m, 0m),
            (await host.OrderAsync("PB01-100006")).Operations.Single(o => o.Operation == "0010"));
    }

    [Fact]
    public async Task a_client_gets_the_schedule_of_its_own_plant_only()
    {
        var key = await fixture.Host.RegisterClientAsync("mes-pa01-schedule", [Takt.Integration.Access.Scopes.ProductionRead], ["PA01"]);
        var mes = fixture.Host.HttpWith(key.ApiKey);

        // Its one plant is filled in when it names none; another plant is refused.
        using var own = await mes.GetAsync("/api/v1/adapters/b2mml/v0401/production-schedule", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var xml = XDocument.Parse(await own.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("PA01", xml.Descendants(V0401 + "ProductionSchedule").Single().Element(V0401 + "Location")!.Element(V0401 + "EquipmentID")!.Value);
        Assert.DoesNotContain(xml.Descendants(V0401 + "ProductionRequest"), r => r.Element(V0401 + "ID")!.Value.StartsWith("PB01-", StringComparison.Ordinal));
        using var other = await mes.GetAsync("/api/v1/adapters/b2mml/v0701/operations-schedule?plant=PB01", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Fact]
    public async Task a_schedule_needs_a_plant_that_exists()
    {
        using var missing = await fixture.Host.Http.GetAsync("/api/v1/adapters/b2mml/v0401/production-schedule", TestContext.Current.CancellationToken);
        await Problems.AssertAsync(missing, HttpStatusCode.BadRequest, "/plant", "adapter.plant-required");
        using var unknown = await fixture.Host.Http.GetAsync("/api/v1/adapters/b2mml/v0701/operations-schedule?plant=XX99", TestContext.Current.CancellationToken);
        await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/plant", "plant.unknown");
    }

    [Fact]
    public async Task the_registry_lists_each_adapter_with_its_version_format_and_events()
    {
        using var response = await fixture.Host.Http.GetAsync("/api/v1/adapters", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var adapters = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.EnumerateArray()
            .Select(a => (Name: a.GetProperty("name").GetString(), Version: a.GetProperty("version").GetString(), Direction: a.GetProperty("direction").GetString(),
                Path: a.GetProperty("path").GetString(), Events: a.GetProperty("eventTypes").GetArrayLength()))
            .ToList();
        Assert.Equal(
            [
                ("b2mml-v0401-production-performance", "1", "in", "/api/v1/adapters/b2mml/v0401/production-performance", 3),
                ("b2mml-v0701-operations-performance", "1", "in", "/api/v1/adapters/b2mml/v0701/operations-performance", 3),
                ("csv-shop-floor-events", "1", "in", "/api/v1/adapters/csv/v1/shop-floor-events", 3),
                ("b2mml-v0401-production-schedule", "1", "out", "/api/v1/adapters/b2mml/v0401/production-schedule", 0),
                ("b2mml-v0701-operations-schedule", "1", "out", "/api/v1/adapters/b2mml/v0701/operations-schedule", 0),
            ],
            adapters);
    }

    private async Task<XDocument> GetXmlAsync(string path)
    {
        using var response = await fixture.Host.Http.GetAsync(path, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        return XDocument.Load(reader);
    }

    private static List<(string Item, string Use, decimal Quantity, string Unit)> Materials(ProductionOrderView order, string use) =>
        [.. order.Components.Select(c => (c.Item, use, c.Required, Unit(c.Item)))];

    private static List<(string Item, string Use, decimal Quantity, string Unit)> Materials(XElement segment, XNamespace b) =>
        [.. segment.Elements(b + "MaterialRequirement").Select(m => (
            m.Element(b + "MaterialDefinitionID")!.Value,
            m.Element(b + "MaterialUse")!.Value,
            decimal.Parse(m.Element(b + "Quantity")!.Element(b + "QuantityString")!.Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Element(b + "Quantity")!.Element(b + "UnitOfMeasure")!.Value))];

    private static string Unit(string item) => Takt.Server.DemoData.Items.Single(i => i.Number == item).Unit;
}

public sealed class ScheduleOnSqlite(AdapterSqliteHost fixture) : ScheduleContract<AdapterSqliteHost>(fixture);

public sealed class ScheduleOnPostgres(AdapterPostgresHost fixture) : ScheduleContract<AdapterPostgresHost>(fixture);
