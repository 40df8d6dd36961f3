namespace Takt.Payables;

/// <summary>Limits and windows of supplier invoice intake.</summary>
public sealed class PayablesOptions
{
    /// <summary>Largest invoice document, in bytes (413 <c>payload.too-large</c> beyond). Default 8 MiB.</summary>
    public int MaxDocumentBytes { get; set; } = 8 << 20;

    /// <summary>Deepest element nesting an invoice may have (400 <c>xml.too-deep</c> beyond). Default 64.</summary>
    public int MaxXmlDepth { get; set; } = 64;

    /// <summary>Most lines one invoice may have (413 <c>invoice.too-many-lines</c> beyond). Default 10,000.</summary>
    public int MaxLines { get; set; } = 10_000;

    /// <summary>
    /// Days between issue dates within which another invoice of the same supplier, kind and amount due is a
    /// suspected duplicate. Default 7.
    /// </summary>
    public int SuspectedDuplicateDays { get; set; } = 7;
}
