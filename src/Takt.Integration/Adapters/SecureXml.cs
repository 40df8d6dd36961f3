using System.Xml;
using System.Xml.Linq;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Adapters;

/// <summary>
/// Reads an XML document from a plant system without trusting it: no DTD at all (so no external entities, no
/// entity expansion bombs such as "billion laughs"), no resolver (nothing is fetched: no schemaLocation, no
/// XInclude), at most <see cref="AdapterOptions.MaxDocumentBytes"/> characters and
/// <see cref="AdapterOptions.MaxXmlDepth"/> levels. A first streaming pass enforces all of it before the
/// document is built in memory. Public so that other modules reading documents from outside (supplier invoices)
/// read them the same way.
/// </summary>
public static class SecureXml
{
    /// <summary>The document, or the problem that stopped reading it (400 or 413).</summary>
    public static (XDocument? Document, Problem? Problem) Load(byte[] body, AdapterOptions options) =>
        Load(body, options.MaxDocumentBytes, options.MaxXmlDepth);

    /// <summary>The document, or the problem that stopped reading it (400 or 413), within the given limits.</summary>
    public static (XDocument? Document, Problem? Problem) Load(byte[] body, int maxCharacters, int maxDepth)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        try
        {
            using (var scan = XmlReader.Create(new MemoryStream(body, writable: false), settings))
            {
                while (scan.Read())
                {
                    if (scan.Depth > maxDepth)
                    {
                        return (null, Problem.Malformed([new Violation("", "xml.too-deep", $"Elements nest deeper than {maxDepth} levels.")]));
                    }
                }
            }

            using var reader = XmlReader.Create(new MemoryStream(body, writable: false), settings);
            return (XDocument.Load(reader, LoadOptions.None), null);
        }
        catch (XmlException ex)
        {
            return (null, Classify(body, ex));
        }
    }

    private static Problem Classify(byte[] body, XmlException ex)
    {
        // The reader says why in its message only; a DOCTYPE in the bytes is the unambiguous sign of a DTD.
        if (ex.Message.Contains("DTD", StringComparison.Ordinal) || body.AsSpan().IndexOf("<!DOCTYPE"u8) >= 0)
        {
            return Problem.Malformed([new Violation("", "xml.dtd-prohibited",
                "Documents may not contain a DTD (<!DOCTYPE …>): Takt resolves no entities and fetches nothing.")]);
        }

        if (ex.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal))
            return Problem.TooLarge(new Violation("", "xml.too-large", "The document has more characters than Takt reads from one document."));
        return Problem.Malformed([new Violation("", "xml.malformed", $"The body is not well-formed XML: {ex.Message}")]);
    }

    /// <summary>
    /// A readable, unique path to an element: names from the root, with 1-based positions among same-named
    /// siblings (<c>/SyncProductionPerformance/DataArea[1]/ProductionPerformance[1]</c>). Violations point here.
    /// </summary>
    public static string PathOf(XElement element)
    {
        var parts = new Stack<string>();
        for (var e = element; e is not null; e = e.Parent)
        {
            if (e.Parent is null)
            {
                parts.Push(e.Name.LocalName);
                break;
            }

            var position = 1 + e.ElementsBeforeSelf(e.Name).Count();
            parts.Push($"{e.Name.LocalName}[{position}]");
        }

        return "/" + string.Join('/', parts);
    }
}
