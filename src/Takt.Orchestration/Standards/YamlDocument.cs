using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Takt.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Takt.Orchestration.Standards;

/// <summary>
/// Reads a YAML (or JSON: YAML's subset) document into a JSON tree, so one JSON Schema checks both and every error
/// points into the document with a JSON Pointer. Plain scalars become numbers, booleans or null as YAML 1.2's core
/// schema reads them; quoted scalars stay strings.
/// </summary>
internal static partial class YamlDocument
{
    /// <summary>Documents larger than this are refused (a standard is a few kilobytes).</summary>
    public const int MaxLength = 256 * 1024;

    public static Outcome<JsonNode> Parse(string text, string field = "")
    {
        if (string.IsNullOrWhiteSpace(text))
            return new Violation(field, "document.empty", "The document is empty.");
        if (text.Length > MaxLength)
            return new Violation(field, "document.too-large", $"The document has {text.Length:N0} characters; at most {MaxLength:N0} are accepted.");
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1)
                return new Violation(field, "document.single", "Send exactly one YAML document.");
            return Outcome<JsonNode>.FromValue(Convert(stream.Documents[0].RootNode, 0) ?? throw new YamlException("The document is null."));
        }
        catch (YamlException ex)
        {
            return new Violation(field, "document.yaml-invalid", $"Not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}");
        }
    }

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        if (depth > 32)
            throw new YamlException(node.Start, node.End, "The document nests deeper than 32 levels.");
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = key is YamlScalarNode s ? s.Value ?? "" : throw new YamlException(key.Start, key.End, "Keys must be scalars.");
                    if (obj.ContainsKey(name))
                        throw new YamlException(key.Start, key.End, $"Duplicate key '{name}'.");
                    obj[name] = Convert(value, depth + 1);
                }

                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children)
                    array.Add(Convert(item, depth + 1));
                return array;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
                    return JsonValue.Create(text);
                if (text is "" or "~" or "null" or "Null" or "NULL")
                    return null;
                if (text is "true" or "True" or "TRUE")
                    return JsonValue.Create(true);
                if (text is "false" or "False" or "FALSE")
                    return JsonValue.Create(false);
                if (Number().IsMatch(text))
                {
                    return text.Contains('.', StringComparison.Ordinal) || text.Contains('e', StringComparison.OrdinalIgnoreCase)
                        ? JsonValue.Create(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))
                        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)
                            ? JsonValue.Create(whole)
                            : JsonValue.Create(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                }

                return JsonValue.Create(text);
            default:
                throw new YamlException(node.Start, node.End, "Aliases are not supported.");
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Number();
}
