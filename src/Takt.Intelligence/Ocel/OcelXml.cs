using System.Xml;
using System.Xml.Linq;

namespace Takt.Intelligence;

/// <summary>
/// The OCEL 2.0 XML form (ocel20-schema-xml.xsd), read without trusting the file: no DTD (so no entity
/// expansion, no external entities), no resolver (nothing fetched), at most <see cref="MaxCharacters"/> characters
/// and <see cref="MaxDepth"/> levels, checked in a streaming pass before the document is built. Relations are read
/// in both spellings found in published logs: the XSD's <c>&lt;object object-id qualifier&gt;</c> and pm4py's
/// <c>&lt;relationship object-id qualifier&gt;</c>.
/// </summary>
internal static class OcelXml
{
    public const long MaxCharacters = 512L * 1024 * 1024;

    public const int MaxDepth = 16;

    public static OcelLog Read(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        XDocument document;
        try
        {
            buffer.Position = 0;
            using (var scan = XmlReader.Create(buffer, settings))
            {
                while (scan.Read())
                {
                    if (scan.Depth > MaxDepth)
                        throw new OcelFormatException("", $"Elements nest deeper than {MaxDepth} levels.");
                }
            }

            buffer.Position = 0;
            using var reader = XmlReader.Create(buffer, settings);
            document = XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException ex)
        {
            throw new OcelFormatException("", ex.Message.Contains("DTD", StringComparison.Ordinal)
                ? "OCEL XML may not contain a DTD (<!DOCTYPE …>): Takt resolves no entities and fetches nothing."
                : $"Not well-formed XML: {ex.Message}");
        }

        var log = document.Root is { Name.LocalName: "log" } root ? root : throw new OcelFormatException("/log", "An OCEL 2.0 XML log has a <log> root.");
        return new OcelLog(
            [.. Children(log, "event-types", "event-type").Select(Type)],
            [.. Children(log, "object-types", "object-type").Select(Type)],
            [.. Children(log, "events", "event").Select(e => new OcelEvent(
                Required(e, "id"), Required(e, "type"), OcelTime.Parse(Required(e, "time")),
                [.. Children(e, "attributes", "attribute").Select(a => new OcelEventAttribute(Required(a, "name"), a.Value))],
                Relationships(e)))],
            [.. Children(log, "objects", "object").Select(o => new OcelObject(
                Required(o, "id"), Required(o, "type"),
                [.. Children(o, "attributes", "attribute").Select(a => new OcelObjectAttribute(Required(a, "name"), a.Value,
                    a.Attribute("time") is { } t ? OcelTime.Parse(t.Value) : DateTimeOffset.UnixEpoch))],
                Relationships(o)))]);
    }

    private static OcelType Type(XElement type) =>
        new(Required(type, "name"), [.. Children(type, "attributes", "attribute").Select(a => new OcelAttributeDeclaration(Required(a, "name"), a.Attribute("type")?.Value ?? "string"))]);

    private static List<OcelRelationship> Relationships(XElement parent) =>
        [.. parent.Elements().Where(c => c.Name.LocalName == "objects").Elements()
            .Where(r => r.Name.LocalName is "relationship" or "object")
            .Select(r => new OcelRelationship(Required(r, "object-id"), r.Attribute("qualifier")?.Value ?? ""))];

    private static IEnumerable<XElement> Children(XElement parent, string list, string item) =>
        parent.Elements().Where(c => c.Name.LocalName == list).Elements().Where(c => c.Name.LocalName == item);

    private static string Required(XElement element, string attribute) =>
        element.Attribute(attribute)?.Value ?? throw new OcelFormatException($"{element.Name.LocalName}/@{attribute}", $"<{element.Name.LocalName}> needs the attribute '{attribute}'.");
}
