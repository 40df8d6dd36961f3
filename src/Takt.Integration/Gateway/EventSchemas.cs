using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Json.Schema;
using Takt.Contracts;
using Takt.Contracts.Events;

namespace Takt.Integration.Gateway;

/// <summary>
/// One JSON Schema (draft 2020-12) per canonical event type, generated from the Contracts records. The same
/// documents are checked in under <c>contracts/events/</c>; a test fails when they drift.
/// </summary>
public static class EventSchemas
{
    private static readonly FrozenDictionary<string, (JsonObject Document, JsonSchema Compiled, SchemaCheck? Quick)> Schemas =
        EventTypes.All.Values.ToFrozenDictionary(t => t.Name, t =>
        {
            var node = Generate(t);
            return (node, JsonSchema.FromText(node.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }), SchemaCheck.TryCompile(node));
        }, StringComparer.Ordinal);

    // Valid data is the common case: a flag evaluation is cheap; the detailed list is built only for errors.
    private static readonly EvaluationOptions Quick = new() { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>The schema document of a type, as checked in.</summary>
    public static string Document(string type) =>
        Schemas[type].Document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>File name under <c>contracts/events/</c>.</summary>
    public static string FileName(string type) => type + ".schema.json";

    /// <summary>The quick check's verdict, or null when the type's schema has none.</summary>
    public static SchemaVerdict? QuickVerdict(string type, JsonElement data) => Schemas[type].Quick?.Check(data);

    /// <summary>The general evaluator's verdict (JsonSchema.Net).</summary>
    public static bool IsValid(string type, JsonElement data) => Schemas[type].Compiled.Evaluate(data, Quick).IsValid;

    /// <summary>Validates event data; violations point into the CloudEvent (<c>/data/…</c>).</summary>
    public static IReadOnlyList<Violation> Validate(string type, JsonElement data)
    {
        var (_, schema, quick) = Schemas[type];
        if (quick?.Check(data) == SchemaVerdict.Valid || schema.Evaluate(data, Quick).IsValid)
            return [];
        var results = schema.Evaluate(data, Evaluation);
        var violations = new List<Violation>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
                continue;
            var at = "/data" + detail.InstanceLocation;
            foreach (var (keyword, message) in detail.Errors)
            {
                // Point at each missing member (/data/order), as the envelope check does (/id), not at its parent.
                var missing = keyword == "required" ? Missing(type, detail, data) : [];
                foreach (var name in missing)
                    violations.Add(new Violation($"{at}/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}", "schema.required", $"'{name}' is required."));
                if (missing.Count > 0)
                    continue;

                // A false schema (additionalProperties: false) reports no keyword: name the keyword it sits under.
                var rule = keyword.Length > 0 ? keyword : detail.EvaluationPath.ToString().Split('/')[^1];
                violations.Add(new Violation(at, "schema." + rule, message));
            }
        }

        if (violations.Count == 0)
            violations.Add(new Violation("/data", "schema.invalid", $"The data does not match the schema of {type}."));
        return violations;
    }

    /// <summary>The members a failed <c>required</c> keyword names that the instance lacks.</summary>
    private static List<string> Missing(string type, EvaluationResults detail, JsonElement data)
    {
        JsonNode? schema = Schemas[type].Document;
        foreach (var segment in Segments(Uri.UnescapeDataString(detail.SchemaLocation.Fragment.TrimStart('#'))))
            schema = schema is JsonObject o ? o[segment] : null;
        var instance = data;
        foreach (var segment in Segments(detail.InstanceLocation.ToString()))
        {
            if (instance.ValueKind != JsonValueKind.Object || !instance.TryGetProperty(segment, out instance))
                return [];
        }

        if (schema?["required"] is not JsonArray required || instance.ValueKind != JsonValueKind.Object)
            return [];
        return [.. required.Select(r => r!.GetValue<string>()).Where(name => !instance.TryGetProperty(name, out _))];
    }

    private static IEnumerable<string> Segments(string pointer) =>
        pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));

    private static JsonObject Generate(EventType type)
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                if (node is not JsonObject obj)
                    return node;
                if (context.TypeInfo.Type == typeof(QuantityValue) && obj["properties"]?["unit"] is JsonObject unit)
                {
                    unit["pattern"] = "^[A-Z0-9]{2,3}$";
                    unit["description"] = "UN/ECE Recommendation 20 unit code, e.g. H87, KGM, HUR, MIN.";
                }

                // Identifiers and codes are never empty.
                if (context.TypeInfo.Type == typeof(string) && context.PropertyInfo is not null && obj["type"] is JsonValue kind && kind.GetValue<string>() == "string")
                {
                    obj["minLength"] = 1;
                }

                return node;
            },
        };
        var schema = EventTypes.Json.GetJsonSchemaAsNode(type.DataType, exporter).AsObject();
        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://takt.dev/contracts/events/{type.Name}.schema.json",
            ["title"] = type.Name,
            ["description"] = $"The CloudEvents data of {type.Name} ({(type.Inbound ? "accepted by" : "published by")} Takt).",
        };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            document[key] = value;
        }

        return document;
    }
}
