using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Adapters.B2mml;

/// <summary>
/// The B2MML endpoints: performance in (V0401 ProductionPerformance, V0701 OperationsPerformance) and schedules
/// out (V0401 ProductionSchedule, V0701 OperationsSchedule).
/// </summary>
internal static class B2mmlEndpoints
{
    private static readonly string[] XmlTypes = ["application/xml", "text/xml"];

    public static void Map(RouteGroupBuilder api)
    {
        MapPerformance(api, AdapterRegistry.ProductionPerformanceV0401, B2mmlDialect.V0401, "ReceiveB2mmlV0401ProductionPerformance");
        MapPerformance(api, AdapterRegistry.OperationsPerformanceV0701, B2mmlDialect.V0701, "ReceiveB2mmlV0701OperationsPerformance");
        MapSchedule(api, AdapterRegistry.ProductionScheduleV0401, ScheduleDocuments.ProductionScheduleV0401, "GetB2mmlV0401ProductionSchedule");
        MapSchedule(api, AdapterRegistry.OperationsScheduleV0701, ScheduleDocuments.OperationsScheduleV0701, "GetB2mmlV0701OperationsSchedule");
    }

    private static string Route(AdapterDescriptor adapter) => adapter.Path["/api/v1".Length..];

    private static void MapPerformance(RouteGroupBuilder api, AdapterDescriptor adapter, B2mmlDialect dialect, string name) => api.MapPost(Route(adapter),
            (HttpContext http, string? plant, EventValidation validation, IngestPipeline pipeline, AdapterOptions options, CancellationToken ct) =>
                DocumentIngest.TallyAsync(http, ReceivePerformanceAsync(http, string.IsNullOrWhiteSpace(plant) ? null : plant, adapter, dialect, validation, pipeline, options, ct)))
        .WithName(name)
        .WithSummary($"Receive B2MML {dialect.Version} {dialect.Performance}: its actuals become canonical shop-floor events, applied all or nothing (docs/adapters.md).")
        .Accepts<string>(XmlTypes[0], XmlTypes[1..])
        .Produces<DocumentAccepted>(200)
        .ProducesProblem(400)
        .ProducesProblem(403)
        .ProducesProblem(409)
        .ProducesProblem(413)
        .ProducesProblem(415)
        .ProducesProblem(422);

    /// <summary>Body → secure XML → envelope → canonical events → gateway checks → one all-or-nothing commit.</summary>
    public static async Task<IResult> ReceivePerformanceAsync(
        HttpContext http, string? plant, AdapterDescriptor adapter, B2mmlDialect dialect,
        EventValidation validation, IngestPipeline pipeline, AdapterOptions options, CancellationToken ct)
    {
        var (body, refusal) = await DocumentIngest.ReadAsync(http.Request, options, IsXml, "application/xml", ct);
        if (refusal is not null)
            return refusal;
        var (xml, xmlProblem) = SecureXml.Load(body!, options);
        if (xmlProblem is not null)
            return DocumentIngest.Respond(xmlProblem);
        var (document, documentProblem) = PerformanceDocument.Read(xml!, body!, dialect);
        if (documentProblem is not null)
            return DocumentIngest.Respond(documentProblem);
        var (mapped, mappingProblem) = PerformanceMapping.Map(dialect, document!, plant);
        if (mappingProblem is not null)
            return DocumentIngest.Respond(mappingProblem);
        return await DocumentIngest.SubmitAsync(http, adapter, mapped!, validation, pipeline, options, ct);
    }

    private static bool IsXml(string mediaType) => XmlTypes.Contains(mediaType) || mediaType.EndsWith("+xml", StringComparison.Ordinal);

    private static void MapSchedule(RouteGroupBuilder api, AdapterDescriptor adapter, Func<PlantSchedule, DateTimeOffset, string, XDocument> write, string name) => api.MapGet(Route(adapter),
            async (string? plant, IProductionSchedule schedules, TimeProvider clock, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(plant))
                    return DocumentIngest.Respond(Problem.Malformed([new Violation("/plant", "adapter.plant-required", "Name the plant: ?plant=PA01.")]));
                if (await schedules.ReleasedOrdersAsync(plant, ct) is not { } schedule)
                    return DocumentIngest.Respond(Problem.NotFound(new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.")));
                var now = clock.GetUtcNow();
                var xml = write(schedule, now, Guid.CreateVersion7(now).ToString());
                return Results.Text(Serialize(xml), "application/xml", Encoding.UTF8, 200);
            })
        .WithName(name)
        .WithSummary($"The plant's released production orders as {adapter.Format} for the MES (docs/adapters.md).")
        .Produces<string>(200, "application/xml")
        .ProducesProblem(400)
        .ProducesProblem(403)
        .ProducesProblem(404);

    private static string Serialize(XDocument xml)
    {
        using var writer = new Utf8StringWriter();
        using (var xmlWriter = XmlWriter.Create(writer, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
            xml.Save(xmlWriter);
        return writer.ToString();
    }

    /// <summary>A StringWriter that declares UTF-8, the encoding the response is sent in.</summary>
    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter()
            : base(System.Globalization.CultureInfo.InvariantCulture)
        {
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}
