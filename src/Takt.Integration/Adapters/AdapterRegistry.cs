using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts.Events;

namespace Takt.Integration.Adapters;

/// <summary>
/// A versioned mapping between a plant system's format and Takt's canonical events. A changed mapping is a new
/// version (a new route); a published one keeps its meaning, as event types do.
/// </summary>
/// <param name="Name">Stable name, e.g. <c>b2mml-v0401-production-performance</c>.</param>
/// <param name="Version">Version of the mapping (not of the format), e.g. <c>1</c>.</param>
/// <param name="Direction"><c>in</c> (documents to canonical events) or <c>out</c> (Takt's state to documents).</param>
/// <param name="Format">The plant format, e.g. <c>ISA-95 B2MML V0401 ProductionPerformance</c>.</param>
/// <param name="MediaType">Media type of the document.</param>
/// <param name="Method">HTTP method of its endpoint.</param>
/// <param name="Path">Its endpoint.</param>
/// <param name="EventTypes">Canonical event types it produces (in) or reads (out).</param>
/// <param name="Documentation">Where the mapping is described.</param>
public sealed record AdapterDescriptor(
    string Name,
    string Version,
    string Direction,
    string Format,
    string MediaType,
    string Method,
    string Path,
    IReadOnlyList<string> EventTypes,
    string Documentation);

/// <summary>Every adapter Takt has, and <c>GET /api/v1/adapters</c>.</summary>
public static class AdapterRegistry
{
    private static readonly string[] ShopFloorEvents = [EventTypes.MaterialIssued, EventTypes.OperationConfirmed, EventTypes.YieldReported];
    private const string Mapping = "docs/adapters.md";

    public static AdapterDescriptor ProductionPerformanceV0401 { get; } = new(
        "b2mml-v0401-production-performance", "1", "in", "ISA-95 B2MML V0401 ProductionPerformance (bare or Sync/Process/Show BOD)",
        "application/xml", "POST", "/api/v1/adapters/b2mml/v0401/production-performance", ShopFloorEvents, Mapping);

    public static AdapterDescriptor OperationsPerformanceV0701 { get; } = new(
        "b2mml-v0701-operations-performance", "1", "in", "ISA-95 B2MML V0701 OperationsPerformance (bare or Sync/Process/Show BOD)",
        "application/xml", "POST", "/api/v1/adapters/b2mml/v0701/operations-performance", ShopFloorEvents, Mapping);

    public static AdapterDescriptor ShopFloorCsv { get; } = new(
        "csv-shop-floor-events", "1", "in", "CSV, one canonical shop-floor event per line (RFC 4180, header row)",
        "text/csv", "POST", "/api/v1/adapters/csv/v1/shop-floor-events", ShopFloorEvents, Mapping);

    public static AdapterDescriptor ProductionScheduleV0401 { get; } = new(
        "b2mml-v0401-production-schedule", "1", "out", "ISA-95 B2MML V0401 SyncProductionSchedule",
        "application/xml", "GET", "/api/v1/adapters/b2mml/v0401/production-schedule", [], Mapping);

    public static AdapterDescriptor OperationsScheduleV0701 { get; } = new(
        "b2mml-v0701-operations-schedule", "1", "out", "ISA-95 B2MML V0701 SyncOperationsSchedule",
        "application/xml", "GET", "/api/v1/adapters/b2mml/v0701/operations-schedule", [], Mapping);

    public static IReadOnlyList<AdapterDescriptor> All { get; } =
        [ProductionPerformanceV0401, OperationsPerformanceV0701, ShopFloorCsv, ProductionScheduleV0401, OperationsScheduleV0701];

    internal static void Map(RouteGroupBuilder api) => api.MapGet("/adapters", () => Results.Ok(All))
        .Produces<IReadOnlyList<AdapterDescriptor>>(200)
        .WithName("ListAdapters")
        .WithSummary("The adapters between plant formats (B2MML, CSV) and canonical events, with their versions.");
}
