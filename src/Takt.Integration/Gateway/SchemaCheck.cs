using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Takt.Integration.Gateway;

/// <summary>What the quick check can say about an instance.</summary>
public enum SchemaVerdict
{
    /// <summary>Conforms to the schema; nothing else needs to look.</summary>
    Valid,

    /// <summary>Breaks the schema (the full evaluator then names how).</summary>
    Invalid,

    /// <summary>Outside what the quick check decides (e.g. a string ending in a line break); ask the full evaluator.</summary>
    Unsure,
}

/// <summary>
/// A quick, allocation-light check of event data against the subset of JSON Schema 2020-12 the generated event
/// schemas use (<c>type</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>minLength</c>,
/// <c>pattern</c>, and annotations). It is compiled once from the schema document; a schema with any other
/// keyword gets no quick check. Valid data — the common case — is accepted without the general evaluator,
/// which took most of a submitter's time; anything else goes to JsonSchema.Net, which stays the judge and
/// writes the error details. A property test holds the two to the same verdicts.
/// </summary>
public sealed class SchemaCheck
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal) { "$schema", "$id", "title", "description", "default" };

    private readonly JsonValueKind[]? kinds;
    private readonly bool integer;
    private readonly bool nullable;
    private readonly Dictionary<string, SchemaCheck>? properties;
    private readonly string[] required = [];
    private readonly bool closed;
    private readonly int minLength;
    private readonly Regex? pattern;

    private SchemaCheck(JsonObject schema)
    {
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "type":
                    var names = value is JsonArray array ? array.Select(v => v!.GetValue<string>()).ToArray() : [value!.GetValue<string>()];
                    kinds = [.. names.Select(KindOf).Distinct()];
                    integer = names.Contains("integer") && !names.Contains("number");
                    nullable = names.Contains("null");
                    break;
                case "properties":
                    properties = value!.AsObject().ToDictionary(p => p.Key, p => Compile(p.Value), StringComparer.Ordinal);
                    break;
                case "required":
                    required = [.. value!.AsArray().Select(v => v!.GetValue<string>())];
                    break;
                case "additionalProperties":
                    closed = value is JsonValue v && v.TryGetValue<bool>(out var allowed) && !allowed
                        ? true
                        : throw new NotSupportedException("additionalProperties other than false");
                    break;
                case "minLength":
                    minLength = value!.GetValue<int>();
                    break;
                case "pattern":
                    pattern = new Regex(value!.GetValue<string>(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                    break;
                default:
                    if (!Annotations.Contains(key))
                        throw new NotSupportedException($"keyword {key}");
                    break;
            }
        }
    }

    /// <summary>The quick check for a schema document, or null when the document uses a keyword it does not know.</summary>
    public static SchemaCheck? TryCompile(JsonObject schema)
    {
        try
        {
            return Compile(schema);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private static SchemaCheck Compile(JsonNode? node) =>
        node is JsonObject o ? new SchemaCheck(o) : throw new NotSupportedException("boolean or non-object schema");

    private static JsonValueKind KindOf(string type) => type switch
    {
        "object" => JsonValueKind.Object,
        "array" => JsonValueKind.Array,
        "string" => JsonValueKind.String,
        "number" or "integer" => JsonValueKind.Number,
        "boolean" => JsonValueKind.True,
        "null" => JsonValueKind.Null,
        _ => throw new NotSupportedException($"type {type}"),
    };

    public SchemaVerdict Check(JsonElement instance)
    {
        var kind = instance.ValueKind == JsonValueKind.False ? JsonValueKind.True : instance.ValueKind;
        if (kinds is not null && Array.IndexOf(kinds, kind) < 0)
            return SchemaVerdict.Invalid;
        if (kind == JsonValueKind.Number && integer && !(instance.TryGetDecimal(out var number) && decimal.Truncate(number) == number))
            return SchemaVerdict.Unsure; // exponents and huge numbers: let the evaluator decide
        if (kind == JsonValueKind.String && (minLength > 0 || pattern is not null))
            return CheckString(instance.GetString()!);
        if (kind == JsonValueKind.Object)
            return CheckObject(instance);
        return SchemaVerdict.Valid;
    }

    private SchemaVerdict CheckString(string text)
    {
        foreach (var c in text)
        {
            // Code points, line ends and regex dialects differ beyond printable ASCII: the evaluator decides.
            if (c < ' ' || c > '~')
                return SchemaVerdict.Unsure;
        }

        if (text.Length < minLength)
            return SchemaVerdict.Invalid;
        return pattern is null || pattern.IsMatch(text) ? SchemaVerdict.Valid : SchemaVerdict.Invalid;
    }

    private SchemaVerdict CheckObject(JsonElement instance)
    {
        var verdict = SchemaVerdict.Valid;
        var seen = 0;
        foreach (var property in instance.EnumerateObject())
        {
            seen++;
            if (properties is null || !properties.TryGetValue(property.Name, out var check))
            {
                if (closed)
                    return SchemaVerdict.Invalid;
                continue;
            }

            var inner = check.Check(property.Value);
            if (inner == SchemaVerdict.Invalid)
                return SchemaVerdict.Invalid;
            if (inner == SchemaVerdict.Unsure)
                verdict = SchemaVerdict.Unsure;
        }

        foreach (var name in required)
        {
            if (!instance.TryGetProperty(name, out _))
                return SchemaVerdict.Invalid;
        }

        // A repeated member name: which one counts is up to the parser; let the evaluator decide.
        if (seen > 1 && HasDuplicates(instance, seen))
            return SchemaVerdict.Unsure;
        return verdict;
    }

    private static bool HasDuplicates(JsonElement instance, int count)
    {
        var names = new HashSet<string>(count, StringComparer.Ordinal);
        foreach (var property in instance.EnumerateObject())
        {
            if (!names.Add(property.Name))
                return true;
        }

        return false;
    }
}
