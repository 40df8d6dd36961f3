using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Takt.Testing;

namespace Takt.Api.Tests;

/// <summary>Requests with an explicit credential and Idempotency-Key.</summary>
internal static class Calls
{
    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient http, string path, object? body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return http.SendAsync(request, Xunit.TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostEventAsync(HttpClient http, JsonNode cloudEvent) =>
        http.PostAsync("/api/v1/events", new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Xunit.TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> PostBatchAsync(HttpClient http, IEnumerable<JsonNode> cloudEvents) =>
        http.PostAsync("/api/v1/events", new StringContent(new JsonArray([.. cloudEvents]).ToJsonString(), Encoding.UTF8, "application/cloudevents-batch+json"), Xunit.TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> GetAsync(HttpClient http, string path) =>
        http.GetAsync(path, Xunit.TestContext.Current.CancellationToken);

    /// <summary>An issue of one piece of RM-3001 (on the bill of both plants' housing orders), a minute ago.</summary>
    public static JsonObject Issue(string plant) =>
        Events.MaterialIssued(plant, $"{plant}-100002", "RM-3001", 1m, "H87", TimeProvider.System.GetUtcNow().AddMinutes(-1));

    /// <summary>The same issue as a B2MML V0401 ProductionPerformance of the plant's site.</summary>
    public static Task<HttpResponseMessage> PostPerformanceV0401Async(HttpClient http, string plant) => PostDocumentAsync(http,
        "/api/v1/adapters/b2mml/v0401/production-performance", "application/xml", $"""
        <ProductionPerformance xmlns="http://www.wbf.org/xml/B2MML-V0401">
          <Location><EquipmentID>{plant}</EquipmentID><EquipmentElementLevel>Site</EquipmentElementLevel></Location>
          <ProductionResponse><ID>{plant}-100002</ID><SegmentResponse><ID>0010</ID><ActualEndTime>{Now}</ActualEndTime>
            <MaterialActual><MaterialDefinitionID>RM-3001</MaterialDefinitionID><MaterialUse>Consumed</MaterialUse>
              <Quantity><QuantityString>1</QuantityString><DataType>decimal</DataType><UnitOfMeasure>EA</UnitOfMeasure></Quantity></MaterialActual>
          </SegmentResponse></ProductionResponse>
        </ProductionPerformance>
        """);

    /// <summary>The same issue as a B2MML V0701 OperationsPerformance of the plant's site.</summary>
    public static Task<HttpResponseMessage> PostPerformanceV0701Async(HttpClient http, string plant) => PostDocumentAsync(http,
        "/api/v1/adapters/b2mml/v0701/operations-performance", "application/xml", $"""
        <OperationsPerformance xmlns="http://www.mesa.org/xml/B2MML">
          <ID>p</ID><HierarchyScope><EquipmentID>{plant}</EquipmentID><EquipmentElementLevel>Site</EquipmentElementLevel></HierarchyScope>
          <OperationsResponse><ID>r</ID><OperationsRequestID>{plant}-100002</OperationsRequestID><SegmentResponse><ID>s</ID><ActualEndTime>{Now}</ActualEndTime>
            <MaterialActual><ID>m</ID><MaterialDefinitionID>RM-3001</MaterialDefinitionID><MaterialUse>Consumed</MaterialUse>
              <Quantity><QuantityString>1</QuantityString><UnitOfMeasure>EA</UnitOfMeasure></Quantity></MaterialActual>
          </SegmentResponse></OperationsResponse>
        </OperationsPerformance>
        """);

    /// <summary>The same issue as a CSV upload.</summary>
    public static Task<HttpResponseMessage> PostCsvAsync(HttpClient http, string plant) => PostDocumentAsync(http,
        "/api/v1/adapters/csv/v1/shop-floor-events", "text/csv", $"event,time,plant,order,item,quantity,unit\nmaterial-issued,{Now},{plant},{plant}-100002,RM-3001,1,H87\n");

    /// <summary>A one-line supplier invoice (Peppol BIS 3.0 UBL) for the plant, numbered <paramref name="number"/>.</summary>
    public static Task<HttpResponseMessage> PostInvoiceAsync(HttpClient http, string plant, string number) => PostDocumentAsync(http,
        $"/api/v1/payables/invoices?plant={plant}", "application/xml",
        Encoding.UTF8.GetString(Takt.Payables.Invoices.InvoiceSamples.ToUblBytes(Takt.Payables.Invoices.InvoiceSamples.Invoice(number, new DateOnly(2026, 11, 2), 1, price: 100m, supplierVat: "DE-MATRIX-" + number))));

    private static string Now => TimeProvider.System.GetUtcNow().AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static Task<HttpResponseMessage> PostDocumentAsync(HttpClient http, string path, string contentType, string body) =>
        http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType), Xunit.TestContext.Current.CancellationToken);

    public static object NewClient(string id, string[] scopes, string[] plants) =>
        new { id, name = "Client " + id, owner = "tests", scopes, plants };
}
