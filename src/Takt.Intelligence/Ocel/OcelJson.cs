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

    // Property names encoded once: the writer copies their bytes instead of transcoding and checking each name per
    // event (an export of a million events writes some fifty million of them).
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText AttributesName = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText RelationshipsName = JsonEncodedText.Encode("relationships");
    private static readonly JsonEncodedText ObjectIdName = JsonEncodedText.Encode("objectId");
    private static readonly JsonEncodedText QualifierName = JsonEncodedText.Encode("qualifier");

    public static void WriteEvent(Utf8JsonWriter json, string id, string type, DateTimeOffset time, IEnumerable<(string Name, string Value)> attributes, IEnumerable<OcelRelationship> relationships) =>
        WriteEvent(json, id, type, time, attributes as (string Name, string Value)[] ?? [.. attributes], relationships as OcelRelationship[] ?? [.. relationships]);

    /// <summary>The same as the other overload, for the export's arrays (no enumerator boxed per event).</summary>
    public static void WriteEvent(Utf8JsonWriter json, string id, string type, DateTimeOffset time, ReadOnlySpan<(string Name, string Value)> attributes, ReadOnlySpan<OcelRelationship> relationships)
    {
        WriteEventStart(json, id, type, time);
        foreach (var (name, value) in attributes)
            WriteAttribute(json, name, value);
        json.WriteEndArray();
        json.WriteStartArray(RelationshipsName);
        foreach (var r in relationships)
            WriteRelationship(json, r);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteEventStart(Utf8JsonWriter json, string id, string type, DateTimeOffset time)
    {
        json.WriteStartObject();
        json.WriteString(IdName, id);
        json.WriteString(TypeName, type);
        json.WriteString(TimeName, time.ToUniversalTime()); // RFC 3339 (ISO 8601 extended), written without a format string
        json.WriteStartArray(AttributesName);
    }

    private static void WriteAttribute(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject();
        json.WriteString(NameName, name);
        json.WriteString(ValueName, value);
        json.WriteEndObject();
    }

    private static void WriteRelationship(Utf8JsonWriter json, OcelRelationship r)
    {
        json.WriteStartObject();
        json.WriteString(ObjectIdName, r.ObjectId);
        json.WriteString(QualifierName, r.Qualifier);
        json.WriteEndObject();
    }

    public static void WriteObject(Utf8JsonWriter json, OcelObject o)
    {
        json.WriteStartObject();
        json.WriteString(IdName, o.Id);
        json.WriteString(TypeName, o.Type);
        json.WriteStartArray(AttributesName);
        foreach (var a in o.Attributes)
        {
            json.WriteStartObject();
            json.WriteString(NameName, a.Name);
            json.WriteString(ValueName, a.Value);
            json.WriteString(TimeName, a.Time.ToUniversalTime());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteRelationships(json, o.Relationships);
        json.WriteEndObject();
    }

    private static void WriteRelationships(Utf8JsonWriter json, IEnumerable<OcelRelationship> relationships)
    {
        json.WriteStartArray(RelationshipsName);
        foreach (var r in relationships)
            WriteRelationship(json, r);
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

    /// <summary><c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c> in UTC, composed from the fields (a custom format string is parsed on every call).</summary>
    public static string Format(DateTimeOffset time)
    {
        var t = time.UtcDateTime;
        if (t.Year is < 1000 or > 9999)
            return t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return string.Create(27, t, static (chars, t) =>
        {
            static void Two(Span<char> at, int v)
            {
                at[0] = (char)('0' + (v / 10));
                at[1] = (char)('0' + (v % 10));
            }

            var year = t.Year;
            Two(chars, year / 100);
            Two(chars[2..], year % 100);
            chars[4] = '-';
            Two(chars[5..], t.Month);
            chars[7] = '-';
            Two(chars[8..], t.Day);
            chars[10] = 'T';
            Two(chars[11..], t.Hour);
            chars[13] = ':';
            Two(chars[14..], t.Minute);
            chars[16] = ':';
            Two(chars[17..], t.Second);
            chars[19] = '.';
            var micros = (int)(t.Ticks % TimeSpan.TicksPerSecond / 10);
            for (var i = 25; i >= 20; i--)
            {
                chars[i] = (char)('0' + (micros % 10));
                micros /= 10;
            }

            chars[26] = 'Z';
        });
    }
}

/// <summary>The file is not an OCEL 2.0 log in the form it was read as; <c>Field</c> names where.</summary>
internal sealed class OcelFormatException(string field, string message) : FormatException(message)
{
    public string Field { get; } = field;
}
