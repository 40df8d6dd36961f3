using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Integration.Access;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// B2MML performance in: the published COURBON message and the documents written for Takt map to the canonical
/// events docs/adapters.md describes, which the gateway applies (journal entries, stock movements, process log),
/// whole or not at all, once however often the document comes. Each test uses its own order.
/// </summary>
public abstract class B2mmlPerformanceContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AdapterHost
{
    private const string V0401 = "/api/v1/adapters/b2mml/v0401/production-performance";
    private const string V0701 = "/api/v1/adapters/b2mml/v0701/operations-performance";

    [Fact]
    public async Task the_published_courbon_message_issues_0_41_kg_of_crbn0001_to_order_53107()
    {
        // COURBON's MES reports ProductionResponse 53107, SegmentResponse "Weighing": CRBN0001, lot CRBN0001_LOT01,
        // MaterialUse Consumed, 0.41 KG. It names no site: the plant comes from the request. It has a UTF-8 BOM and
        // lacks the releaseID the XSD requires; neither stops it. 0.41 KGM × 7.50 EUR = 3.075 → 3.08 EUR.
        var host = await fixture.SeededAsync();
        var document = await AcceptedDocument.ReadAsync(await Documents.PostAsync(host, V0401 + "?plant=PA01", Fixture.Bytes("PES-20121229115825-53107.xml"), "application/xml"));

        var e = Assert.Single(document.Events);
        Assert.Equal((EventTypes.MaterialIssued, 1, 0), (e.Type, document.Accepted, document.Replayed));
        Assert.Equal("/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]/ProductionResponse[1]/SegmentResponse[1]/MaterialActual[1]", e.Origin);
        Assert.StartsWith("sha256:", e.Id, StringComparison.Ordinal);
        Assert.EndsWith(e.Origin, e.Id, StringComparison.Ordinal);
        Assert.Equal(V0401 + "?client=" + TaktHost.SuiteClientId, e.Source);
        Assert.Equal("""{"plant":"PA01","order":"53107","item":"CRBN0001","quantity":{"value":0.41,"unit":"KGM"}}""", await DataAsync(host, e));
        Assert.Equal("2012-11-29T10:58:25.3149550Z", await OccurredAsync(host, e));
        Assert.Single(e.JournalEntries);
        Assert.Single(e.StockMovements);
        var order = await host.OrderAsync("53107");
        Assert.Equal(0.41m, order.Components.Single(c => c.Item == "CRBN0001").Issued);
        Assert.Equal(3.08m, order.Wip);
    }

    [Fact]
    public async Task posting_the_same_document_again_replays_its_events_and_writes_nothing()
    {
        // The Takt V0401 document for another pump order (PA01-100005), as another BOD.
        var host = await fixture.SeededAsync();
        var body = Encoding.UTF8.GetBytes(Fixture.Text("takt-v0401-production-performance.xml")
            .Replace("PA01-PERF-000417", "PA01-PERF-000418", StringComparison.Ordinal)
            .Replace("PA01-100001", "PA01-100005", StringComparison.Ordinal));
        var first = await AcceptedDocument.ReadAsync(await Documents.PostAsync(host, V0401, body, "application/xml"));
        var before = await host.SettledSnapshotAsync();

        var again = await AcceptedDocument.ReadAsync(await Documents.PostAsync(host, V0401, body, "text/xml"));

        Assert.Equal((0, 5), (again.Accepted, again.Replayed));
        Assert.Equal(first.Events.Select(e => (e.Id, e.ProcessEventId)), again.Events.Select(e => (e.Id, e.ProcessEventId)));
        Assert.All(again.Events, e => Assert.True(e.Replayed));
        before.AssertUnchanged(await Tables.SnapshotAsync(host.Store));
    }

    [Fact]
    public async Task a_v0401_performance_confirms_operations_issues_components_reports_yield_and_ignores_consumables()
    {
        // takt-v0401-production-performance.xml, order PA01-100001 (pumps), site PA01 in the document.
        var host = await fixture.SeededAsync();
        var document = await AcceptedDocument.ReadAsync(await Documents.PostAsync(host, V0401, Fixture.Bytes("takt-v0401-production-performance.xml"), "application/xml"));

        Assert.Equal("bod:MES-PA01:PA01-PERF-000417", document.Document);
        Assert.Equal(
            [EventTypes.OperationConfirmed, EventTypes.MaterialIssued, EventTypes.MaterialIssued, EventTypes.OperationConfirmed, EventTypes.YieldReported],
            document.Events.Select(e => e.Type));
        const string segment = "/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]/ProductionResponse[1]/SegmentResponse";
        Assert.Equal(
            [$"{segment}[1]", $"{segment}[1]/MaterialActual[1]", $"{segment}[1]/MaterialActual[2]", $"{segment}[2]", $"{segment}[2]/MaterialActual[1]"],
            document.Events.Select(e => e.Origin));
        Assert.Equal([
            """{"plant":"PA01","order":"PA01-100001","operation":"0010","workCenter":"PA01-ASM1","goodQuantity":{"value":2,"unit":"H87"},"machineTime":{"value":90,"unit":"MIN"},"labourTime":{"value":1.5,"unit":"HUR"}}""",
            """{"plant":"PA01","order":"PA01-100001","item":"SF-2000","quantity":{"value":2,"unit":"H87"}}""",
            """{"plant":"PA01","order":"PA01-100001","item":"RM-3004","quantity":{"value":1500,"unit":"MLT"}}""",
            """{"plant":"PA01","order":"PA01-100001","operation":"0020","workCenter":"PA01-TST1","goodQuantity":{"value":2,"unit":"H87"},"machineTime":{"value":0.5,"unit":"HUR"}}""",
            """{"plant":"PA01","order":"PA01-100001","item":"FG-1000","quantity":{"value":2,"unit":"H87"}}""",
        ], await Task.WhenAll(document.Events.Select(e => DataAsync(host, e))));
        var ignored = Assert.Single(document.Ignored);
        Assert.Equal($"{segment}[1]/MaterialActual[3]", ignored.Origin);
        Assert.Contains("Consumable", ignored.Reason, StringComparison.Ordinal);

        var order = await host.OrderAsync("PA01-100001");
        Assert.Equal(new OperationView("0010", "PA01-ASM1", "Assemble pump", 2m, 0m, 1.5m, 1.5m), order.Operations.Single(o => o.Operation == "0010"));
        Assert.Equal(new OperationView("0020", "PA01-TST1", "Pressure test", 2m, 0m, 0.5m, 0m), order.Operations.Single(o => o.Operation == "0020"));
        Assert.Equal((2m, 1.5m), (order.Components.Single(c => c.Item == "SF-2000").Issued, order.Components.Single(c => c.Item == "RM-3004").Issued));
        Assert.Equal(2m, order.Yield);
        // WIP: ASM1 1.5 h × (20.00 + 48.00) + SF-2000 2 × 96.20 + RM-3004 1.5 l × 3.20 + TST1 0.5 h × 35.00 − FG-1000 2 × 138.90
        //    = 102.00 + 192.40 + 4.80 + 17.50 − 277.80 = 38.90
        Assert.Equal(38.90m, order.Wip);
        Assert.All(document.Events, e => Assert.NotEmpty(e.JournalEntries));
    }

    [Fact]
    public async Task a_v0701_operations_performance_maps_like_v0401_with_segment_requirement_ids_and_scrap()
    {
        // takt-v0701-operations-performance.xml, order PA01-100004 (housings); its segments name the operation in
        // SegmentRequirementID (their own IDs are SR-…). "Yield Produced" is the produced quantity; kg is KGM.
        var host = await fixture.SeededAsync();
        var document = await AcceptedDocument.ReadAsync(await Documents.PostAsync(host, V0701, Fixture.Bytes("takt-v0701-operations-performance.xml"), "application/xml"));

        Assert.Equal((5, 0), (document.Accepted, document.Replayed));
        Assert.Equal([
            """{"plant":"PA01","order":"PA01-100004","operation":"0010","workCenter":"PA01-CNC1","goodQuantity":{"value":10,"unit":"H87"},"scrapQuantity":{"value":1,"unit":"H87"},"machineTime":{"value":2,"unit":"HUR"},"labourTime":{"value":45,"unit":"MIN"}}""",
            """{"plant":"PA01","order":"PA01-100004","item":"RM-3001","quantity":{"value":11,"unit":"H87"}}""",
            """{"plant":"PA01","order":"PA01-100004","item":"RM-3005","quantity":{"value":26.4,"unit":"KGM"}}""",
            """{"plant":"PA01","order":"PA01-100004","operation":"0020","workCenter":"PA01-CNC2","goodQuantity":{"value":10,"unit":"H87"},"machineTime":{"value":1.25,"unit":"HUR"}}""",
            """{"plant":"PA01","order":"PA01-100004","item":"SF-2000","quantity":{"value":10,"unit":"H87"}}""",
        ], await Task.WhenAll(document.Events.Select(e => DataAsync(host, e))));
        Assert.Equal("2025-06-13T08:00:00.0000000Z", await OccurredAsync(host, document.Events[0]));
        var order = await host.OrderAsync("PA01-100004");
        Assert.Equal((10m, 1m), (order.Yield, order.Scrap));
        Assert.Equal(new OperationView("0010", "PA01-CNC1", "Rough machining", 10m, 1m, 2m, 0.75m), order.Operations.Single(o => o.Operation == "0010"));
    }

    [Fact]
    public async Task a_document_with_one_event_the_gateway_rejects_writes_nothing_and_points_at_the_element()
    {
        // Order PA01-100006 machines housings: its operation 0010 runs on PA01-CNC1, not PA01-ASM1 (and pump parts
        // are not its components), while the issue of RM-3001 is fine alone. All or nothing: nothing is applied.
        var host = await fixture.SeededAsync();
        var xml = Fixture.Text("takt-v0401-production-performance.xml")
            .Replace("PA01-PERF-000417", "PA01-PERF-BAD-1", StringComparison.Ordinal)
            .Replace("<ProductionRequestID>PA01-100001</ProductionRequestID>", "<ProductionRequestID>PA01-100006</ProductionRequestID>", StringComparison.Ordinal)
            .Replace("<MaterialDefinitionID>SF-2000</MaterialDefinitionID>", "<MaterialDefinitionID>RM-3001</MaterialDefinitionID>", StringComparison.Ordinal);
        var before = await host.SettledSnapshotAsync();

        var response = await Documents.PostAsync(host, V0401, xml, "application/xml");

        var problem = await Problems.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        var errors = Problems.Errors(problem);
        Assert.Contains(("/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]/ProductionResponse[1]/SegmentResponse[1]/EquipmentActual[1]/EquipmentID[1]", "operation.work-center-mismatch"), errors);
        Assert.DoesNotContain(errors, e => e.Rule == "document.rolled-back");
        before.AssertUnchanged(await Tables.SnapshotAsync(host.Store));
    }

    [Fact]
    public async Task a_site_that_is_not_the_requested_plant_is_rejected()
    {
        var host = await fixture.SeededAsync();
        var before = await host.SettledSnapshotAsync();

        var response = await Documents.PostAsync(host, V0401 + "?plant=PB01", Fixture.Bytes("takt-v0401-production-performance.xml"), "application/xml");

        await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity,
            "/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]/Location[1]/EquipmentID[1]", "adapter.plant-mismatch");
        before.AssertUnchanged(await Tables.SnapshotAsync(host.Store));
    }

    [Fact]
    public async Task a_client_restricted_to_another_plant_is_refused_the_whole_document()
    {
        // A Plant B MES may not report for Plant A's site, even in a document; nothing of it is applied.
        var host = await fixture.SeededAsync();
        var key = await host.RegisterClientAsync("mes-pb01-b2mml", [Scopes.EventsProductionWrite], ["PB01"]);
        var before = await host.SettledSnapshotAsync();

        var response = await host.HttpWith(key.ApiKey).PostAsync(V0401, new ByteArrayContent(Fixture.Bytes("takt-v0401-production-performance.xml"))
        {
            Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml") },
        }, TestContext.Current.CancellationToken);

        await Problems.AssertAsync(response, HttpStatusCode.Forbidden,
            "/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]/Location[1]/EquipmentID[1]", "client.plant-forbidden");
        before.AssertUnchanged(await Tables.SnapshotAsync(host.Store));
    }

    [Fact]
    public async Task a_document_without_site_or_plant_parameter_is_rejected()
    {
        var host = await fixture.SeededAsync();
        var response = await Documents.PostAsync(host, V0401, Fixture.Bytes("PES-20121229115825-53107.xml"), "application/xml");
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest,
            "/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]/ProductionResponse[1]/SegmentResponse[1]/MaterialActual[1]", "adapter.plant-required");
    }

    [Fact]
    public async Task missing_parts_are_each_reported_where_they_are_missing()
    {
        var host = await fixture.SeededAsync();
        const string xml = """
            <ProductionPerformance xmlns="http://www.wbf.org/xml/B2MML-V0401">
              <ProductionResponse>
                <ID>PA01-100008</ID>
                <SegmentResponse>
                  <ID>0010</ID>
                  <ActualEndTime>2025-06-12T10:00:00</ActualEndTime>
                  <PersonnelActual><Quantity><QuantityString>2</QuantityString><DataType>decimal</DataType><UnitOfMeasure>EA</UnitOfMeasure></Quantity></PersonnelActual>
                  <MaterialActual><MaterialUse>Consumed</MaterialUse><Quantity><QuantityString>two</QuantityString><DataType>decimal</DataType><UnitOfMeasure>EA</UnitOfMeasure></Quantity></MaterialActual>
                </SegmentResponse>
              </ProductionResponse>
            </ProductionPerformance>
            """;
        var response = await Documents.PostAsync(host, V0401 + "?plant=PA01", xml, "application/xml");

        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        const string s = "/ProductionPerformance/ProductionResponse[1]/SegmentResponse[1]";
        Assert.Equal(
            [
                (s, "b2mml.work-center-required"),
                ($"{s}/PersonnelActual[1]/Quantity[1]/UnitOfMeasure[1]", "b2mml.time-unit-required"),
                (s, "b2mml.good-quantity-required"),
                ($"{s}/ActualEndTime[1]", "b2mml.time-invalid"),
                ($"{s}/MaterialActual[1]", "b2mml.material-required"),
                ($"{s}/MaterialActual[1]/Quantity[1]/QuantityString[1]", "b2mml.quantity-invalid"),
            ],
            Problems.Errors(problem));
    }

    [Theory]
    [InlineData("<GetProductionPerformance xmlns=\"http://www.wbf.org/xml/B2MML-V0401\"/>", "b2mml.verb-unsupported")]
    [InlineData("<SyncProductionSchedule xmlns=\"http://www.wbf.org/xml/B2MML-V0401\"/>", "b2mml.document-unsupported")]
    [InlineData("<ProductionPerformance xmlns=\"http://www.mesa.org/xml/B2MML\"/>", "b2mml.namespace-unsupported")]
    public async Task documents_that_are_not_a_v0401_performance_report_are_refused(string xml, string rule)
    {
        var host = await fixture.SeededAsync();
        var response = await Documents.PostAsync(host, V0401 + "?plant=PA01", xml, "application/xml");
        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(rule, Assert.Single(Problems.Errors(problem)).Rule);
    }

    [Fact]
    public async Task a_performance_that_reports_nothing_mappable_is_refused_with_what_was_ignored()
    {
        var host = await fixture.SeededAsync();
        const string xml = """
            <ProductionPerformance xmlns="http://www.wbf.org/xml/B2MML-V0401">
              <ProductionResponse><ID>PA01-100008</ID><SegmentResponse><ID>0010</ID>
                <MaterialActual><MaterialDefinitionID>RM-3001</MaterialDefinitionID><MaterialUse>Consumable</MaterialUse><Quantity><QuantityString>1</QuantityString><DataType>decimal</DataType><UnitOfMeasure>EA</UnitOfMeasure></Quantity></MaterialActual>
              </SegmentResponse></ProductionResponse>
            </ProductionPerformance>
            """;
        var response = await Documents.PostAsync(host, V0401 + "?plant=PA01", xml, "application/xml");
        var problem = await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, "", "document.no-events");
        Assert.Contains("Consumable", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The canonical data the process log recorded for an accepted event (as the gateway stored it).</summary>
    private static async Task<string> DataAsync(TaktHost host, AcceptedDocumentEvent e)
    {
        var data = Assert.Single(await Tables.QueryAsync<string>(host.Store, "SELECT data FROM intel_event WHERE id = @id", new { id = e.ProcessEventId }));
        return JsonNode.Parse(data)!.ToJsonString();
    }

    private static async Task<string> OccurredAsync(TaktHost host, AcceptedDocumentEvent e)
    {
        var at = Assert.Single(await Tables.QueryAsync<long>(host.Store, "SELECT occurred_at_us FROM intel_event WHERE id = @id", new { id = e.ProcessEventId }));
        return Takt.Store.Instants.FromUnixMicroseconds(at).ToString("O", System.Globalization.CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal);
    }
}

public sealed class B2mmlPerformanceOnSqlite(AdapterSqliteHost fixture) : B2mmlPerformanceContract<AdapterSqliteHost>(fixture);

public sealed class B2mmlPerformanceOnPostgres(AdapterPostgresHost fixture) : B2mmlPerformanceContract<AdapterPostgresHost>(fixture);
