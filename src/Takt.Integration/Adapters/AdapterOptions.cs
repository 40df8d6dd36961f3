namespace Takt.Integration.Adapters;

/// <summary>Limits of the document adapters (B2MML, CSV).</summary>
public sealed class AdapterOptions
{
    /// <summary>Largest document body, in bytes (413 <c>payload.too-large</c> beyond). Default 4 MiB.</summary>
    public int MaxDocumentBytes { get; set; } = 4 << 20;

    /// <summary>Most canonical events one document may produce (413 <c>document.too-many-events</c> beyond). Default 5,000.</summary>
    public int MaxDocumentEvents { get; set; } = 5_000;

    /// <summary>Deepest element nesting an XML document may have (400 <c>xml.too-deep</c> beyond). Default 64.</summary>
    public int MaxXmlDepth { get; set; } = 64;
}
