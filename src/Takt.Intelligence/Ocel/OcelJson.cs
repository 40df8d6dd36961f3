using System.Globalization;
using System.Text.Json;

namespace Takt.Intelligence;

/// <summary>
/// The OCEL 2.0 JSON form (ocel20-schema-json.json): <c>eventTypes</c>, <c>objectTypes</c>, <c>events</c>,
/// <c>objects</c>. Attribute values that are not strings (some tools write numbers) are read as their JSON text.
/// </summary>
internal static class OcelJson
{
    public static async Task<OcelLog> ReadAsync(Stream stream, CancellationToken ct)
    {
        using var document = await JsonDocument.ParseAsync(stream, new JsonDocumentOptions { MaxDepth = 16 }, ct);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new OcelFormatException("/", "An OCEL 2.0 JSON log is an object.");
        return new OcelLog(
            [.. Array(root, "eventTypes").Select(Type)],
            [.. Array(root, "objectTypes").Select(Type)],
            [.. Array(root, "events").Select(e => new OcelEvent(
                Text(e, "id"), Text(e, "type"), OcelTime.Parse(Text(e, "time")),
                [.. Array(e, "attributes").Select(a => new OcelEventAttribute(Text(a, "name"), Value(a)))],
                [.. Array(e, "relationships").Select(Relationship)]))],
            [.. Array(root, "objects").Select(o => new OcelObject(
                Text(o, "id"), Text(o, "type"),
                [.. Array(o, "attributes").Select(a => new OcelObjectAttribute(Text(a, "name"), Value(a), a.TryGetProperty("time", out var t) ? OcelTime.Parse(t.GetString() ?? "") : DateTimeOffset.UnixEpoch))],
                [.. Array(o, "relationships").Select(Relationship)]))]);
    }

    private static OcelType Type(JsonElement t) =>
        new(Text(t, "name"), [.. Array(t, "attributes").Select(a => new OcelAttributeDeclaration(Text(a, "name"), Text(a, "type")))]);

    private static OcelRelationship Relationship(JsonElement r) => new(Text(r, "objectId"), r.TryGetProperty("qualifier", out var q) ? q.GetString() ?? "" : "");

    private static JsonElement[] Array(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    private static string Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new OcelFormatException(name, $"'{name}' must be a string.");

    private static string Value(JsonElement attribute) =>
        attribute.TryGetProperty("value", out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : throw new OcelFormatException("value", "An attribute needs a 'value'.");

    public static async Task WriteAsync(OcelLog log, Stream stream, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        WriteTypes(json, "eventTypes", log.EventTypes);
        WriteTypes(json, "objectTypes", log.ObjectTypes);
        json.WriteStartArray("events");
        foreach (var e in log.Events)
        {
            WriteEvent(json, e.Id, e.Type, e.Time, e.Attributes.Select(a => (a.Name, a.Value)), e.Relationships);
            if (json.BytesPending > 1 << 16)
                await json.FlushAsync(ct);
        }

        json.WriteEndArray();
        json.WriteStartArray("objects");
        foreach (var o in log.Objects)
        {
            WriteObject(json, o);
            if (json.BytesPending > 1 << 16)
                await json.FlushAsync(ct);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    public static void WriteTypes(Utf8JsonWriter json, string name, IEnumerable<OcelType> types)
    {
        json.WriteStartArray(name);
        foreach (var type in types)
        {
            json.WriteStartObject();
            json.WriteString("name", type.Name);
            json.WriteStartArray("attributes");
            foreach (var a in type.Attributes)
            {
                json.WriteStartObject();
                json.WriteString("name", a.Name);
                json.WriteString("type", a.Type);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    public static void WriteEvent(Utf8JsonWriter json, string id, string type, DateTimeOffset time, IEnumerable<(string Name, string Value)> attributes, IEnumerable<OcelRelationship> relationships)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("type", type);
        json.WriteString("time", time.ToUniversalTime()); // RFC 3339 (ISO 8601 extended), written without a format string
        json.WriteStartArray("attributes");
        foreach (var (name, value) in attributes)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("value", value);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteRelationships(json, relationships);
        json.WriteEndObject();
    }

    public static void WriteObject(Utf8JsonWriter json, OcelObject o)
    {
        json.WriteStartObject();
        json.WriteString("id", o.Id);
        json.WriteString("type", o.Type);
        json.WriteStartArray("attributes");
        foreach (var a in o.Attributes)
        {
            json.WriteStartObject();
            json.WriteString("name", a.Name);
            json.WriteString("value", a.Value);
            json.WriteString("time", a.Time.ToUniversalTime());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteRelationships(json, o.Relationships);
        json.WriteEndObject();
    }

    private static void WriteRelationships(Utf8JsonWriter json, IEnumerable<OcelRelationship> relationships)
    {
        json.WriteStartArray("relationships");
        foreach (var r in relationships)
        {
            json.WriteStartObject();
            json.WriteString("objectId", r.ObjectId);
            json.WriteString("qualifier", r.Qualifier);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}

/// <summary>OCEL 2.0 times: RFC 3339 on output (UTC, <c>Z</c>); on input, a time without an offset is UTC.</summary>
internal static class OcelTime
{
    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new OcelFormatException("time", $"'{text}' is not a date and time.");

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The file is not an OCEL 2.0 log in the form it was read as; <c>Field</c> names where.</summary>
internal sealed class OcelFormatException(string field, string message) : FormatException(message)
{
    public string Field { get; } = field;
}
