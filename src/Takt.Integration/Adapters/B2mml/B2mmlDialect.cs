using System.Xml.Linq;

namespace Takt.Integration.Adapters.B2mml;

/// <summary>
/// Where two B2MML generations keep the same thing. V0401 (2008, ISA-95 2005) calls it ProductionPerformance;
/// V0701 (2023, ISA-95 2018) renamed it OperationsPerformance and some of its parts. The mapping to canonical
/// events is the same for both (docs/adapters.md); only these names differ.
/// </summary>
internal sealed record B2mmlDialect(
    string Version,
    XNamespace Namespace,
    string Performance,
    string Response,
    string RequestId,
    string PerformanceEndTime,
    string Scope,
    string ScopeChild,
    string ChildSegment,
    string SegmentData,
    string? SegmentRequirementId,
    bool LegacyMaterialElements)
{
    /// <summary>V0401: <c>http://www.wbf.org/xml/B2MML-V0401</c>, the version of the published ERP↔MES examples.</summary>
    public static B2mmlDialect V0401 { get; } = new(
        "V0401",
        "http://www.wbf.org/xml/B2MML-V0401",
        Performance: "ProductionPerformance",
        Response: "ProductionResponse",
        RequestId: "ProductionRequestID",
        PerformanceEndTime: "EndTime",
        Scope: "Location",
        ScopeChild: "Location",
        ChildSegment: "SegmentResponse",
        SegmentData: "ProductionData",
        SegmentRequirementId: null,
        LegacyMaterialElements: true);

    /// <summary>V0701: <c>http://www.mesa.org/xml/B2MML</c>. (Its schema spells the performance's end "Endtime".)</summary>
    public static B2mmlDialect V0701 { get; } = new(
        "V0701",
        "http://www.mesa.org/xml/B2MML",
        Performance: "OperationsPerformance",
        Response: "OperationsResponse",
        RequestId: "OperationsRequestID",
        PerformanceEndTime: "Endtime",
        Scope: "HierarchyScope",
        ScopeChild: "HierarchyScopeChild",
        ChildSegment: "SegmentResponseChild",
        SegmentData: "SegmentData",
        SegmentRequirementId: "SegmentRequirementID",
        LegacyMaterialElements: false);

    public XName N(string local) => Namespace + local;
}
