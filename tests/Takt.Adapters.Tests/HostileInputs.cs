using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Takt.Adapters.Tests;

/// <summary>
/// Generates bad and hostile inputs from valid ones (seeded, so a failure can be reproduced from its number).
/// Every mutation is chosen so that its result is invalid for a reason Takt checks: a missing or ill-typed
/// attribute, an unknown type, unit, order or plant, a negative quantity, broken syntax, a DTD, a total that does
/// not add up. Nothing here produces a valid input by accident, so any 2xx answer is a defect of Takt.
/// </summary>
internal sealed partial class HostileInputs(int seed)
{
    private readonly Random random = new(seed);

    /// <summary>A generated input: what was done to it (for the failure report), its bytes and content type.</summary>
    public sealed record Input(int Number, string What, byte[] Body, string ContentType);

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public int Next(int max) => random.Next(max);

    // ---------------------------------------------------------------- CloudEvents (structured JSON)

    /// <summary>One to three semantic mutations of a valid structured event, or one syntax mutation of its text.</summary>
    public (string What, byte[] Body) MutateEvent(JsonObject valid)
    {
        var cloudEvent = (JsonObject)valid.DeepClone();
        cloudEvent["id"] = "fuzz-" + Guid.NewGuid().ToString("N");
        if (random.Next(5) == 0)
            return MutateSyntax(cloudEvent.ToJsonString());
        var count = 1 + (random.Next(4) == 0 ? random.Next(1, 3) : 0);
        var what = new List<string>();
        for (var i = 0; i < count; i++)
            what.Add(MutateSemantics(cloudEvent));
        return (string.Join(" + ", what), Encoding.UTF8.GetBytes(cloudEvent.ToJsonString()));
    }

    private string MutateSemantics(JsonObject e)
    {
        var data = e["data"] as JsonObject;
        var quantityField = data?.ContainsKey("goodQuantity") == true ? "goodQuantity" : "quantity";
        if (data is not null && data[quantityField] is not JsonObject)
        {
            // An earlier mutation took the quantity apart: break something else.
            data.Remove("plant");
            return "data without plant";
        }

        switch (random.Next(data is null ? 8 : 20))
        {
            case 0:
                var attribute = Pick(["specversion", "id", "source", "type", "time"]);
                e.Remove(attribute);
                return $"without {attribute}";
            case 1:
                e["specversion"] = Pick<JsonNode>(["0.3", "2.0", "", 1, true]);
                return $"specversion {e["specversion"]!.ToJsonString()}";
            case 2:
                e["type"] = Pick<JsonNode>([$"takt.production.fuzz-{random.Next(1000)}.v1", "takt.production.operation-confirmed.v9", "", "com.example.other", 42]);
                return $"type {e["type"]!.ToJsonString()}";
            case 3:
                e["time"] = Pick<JsonNode>(["yesterday", "2025-13-45T00:00:00Z", "", 1_700_000_000, "2025-06-12 25:61"]);
                return $"time {e["time"]!.ToJsonString()}";
            case 4:
                e["time"] = TimeProvider.System.GetUtcNow().AddDays(2 + random.Next(300)).ToString("O", CultureInfo.InvariantCulture);
                return "time in the future";
            case 5:
                e[Pick(["id", "source"])] = Pick<JsonNode?>(["", 12, null, new JsonArray()]);
                return "id or source empty or not a string";
            case 6:
                e["datacontenttype"] = Pick(["text/plain", "application/xml", "image/png"]);
                return $"datacontenttype {e["datacontenttype"]}";
            case 7:
                e["data"] = Pick<JsonNode?>([null, new JsonArray(1, 2), "text", 12, false]);
                if (e["data"] is null && random.Next(2) == 0)
                    e.Remove("data");
                return "data missing or not an object";
            case 8:
                var field = Pick(["plant", "order", quantityField]);
                data!.Remove(field);
                return $"data without {field}";
            case 9:
                data!["plant"] = Pick<JsonNode>(["ZZ99", "", 7, "pa01"]);
                return $"plant {data["plant"]!.ToJsonString()}";
            case 10:
                // Another plant's order is only wrong when it really is another plant's.
                var foreign = data!["plant"]?.ToString() == "PB01" ? "PA01-100001" : "PB01-100001";
                data["order"] = Pick<JsonNode>(["PA01-999999", "", foreign, 100001]);
                return $"order {data["order"]!.ToJsonString()}";
            case 11:
                data![quantityField]!["value"] = Pick<JsonNode>([-1, -0.001, -1_000_000, "abc", "", true, 1e30]);
                return $"quantity value {data[quantityField]!["value"]!.ToJsonString()}";
            case 12:
                data![quantityField]!["unit"] = Pick<JsonNode>(["XYZ", "", "KGM", "HUR", "MTR", 5]);
                return $"quantity unit {data[quantityField]!["unit"]!.ToJsonString()}";
            case 13:
                ((JsonObject)data![quantityField]!).Remove(Pick(["value", "unit"]));
                return "quantity without value or unit";
            case 14:
                data![quantityField] = Pick<JsonNode>([5, "5 EA", new JsonArray(5, "EA")]);
                return "quantity not an object";
            case 15 when data!.ContainsKey("operation"):
                data["operation"] = Pick<JsonNode>(["9999", "", 10]);
                return $"operation {data["operation"]!.ToJsonString()}";
            case 16 when data!.ContainsKey("workCenter"):
                data["workCenter"] = Pick<JsonNode>(["PA01-NOPE", data["plant"]?.ToString() == "PB01" ? "PA01-ASM1" : "PB01-ASM1", ""]);
                return $"work center {data["workCenter"]!.ToJsonString()}";
            case 17 when data!.ContainsKey("goodQuantity"):
                data["machineTime"] = new JsonObject { ["value"] = 1 + random.Next(10), ["unit"] = Pick(["EA", "KGM", "XYZ"]) };
                return $"machine time in {data["machineTime"]!["unit"]}";
            case 18 when data!.ContainsKey("item"):
                data["item"] = Pick<JsonNode>(["NOPE-1", "", 3]);
                return $"item {data["item"]!.ToJsonString()}";
            default:
                data![quantityField]!["value"] = -(1 + random.Next(100));
                return "negative quantity";
        }
    }

    /// <summary>Breaks the JSON text itself: truncated, a structural character removed, garbage, bad UTF-8, deep nesting.</summary>
    public (string What, byte[] Body) MutateSyntax(string json)
    {
        switch (random.Next(7))
        {
            case 0:
                var cut = 1 + random.Next(json.Length - 1);
                return ($"truncated at {cut} of {json.Length}", Encoding.UTF8.GetBytes(json[..cut]));
            case 1:
                var structural = Enumerable.Range(0, json.Length).Where(i => json[i] is '{' or '}' or ':' or '"').ToArray();
                var at = structural[random.Next(structural.Length)];
                return ($"'{json[at]}' at {at} removed", Encoding.UTF8.GetBytes(json.Remove(at, 1)));
            case 2:
                return ("trailing garbage", Encoding.UTF8.GetBytes(json + Pick(["}", "]]", ",{}", " x"])));
            case 3:
                var bytes = Encoding.UTF8.GetBytes(json).ToList();
                var quote = json.IndexOf("\"source\":\"", StringComparison.Ordinal);
                bytes.InsertRange(quote >= 0 ? Encoding.UTF8.GetByteCount(json[..(quote + 10)]) : 1, Pick<byte[]>([[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]]));
                return ("invalid UTF-8", [.. bytes]);
            case 4:
                var depth = 65 + random.Next(2000);
                return ($"nesting {depth} deep", Encoding.UTF8.GetBytes(json[..^1] + ",\"x\":" + new string('[', depth) + new string(']', depth) + "}"));
            case 5:
                return ("not JSON", Encoding.UTF8.GetBytes(Pick(["", " ", "null", "<xml/>", "undefined", "{'a':1}", "NaN"])));
            default:
                return ("random bytes", RandomBytes(1 + random.Next(512)));
        }
    }

    public byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        bytes[0] = (byte)'{'; // looks like JSON for one character
        return bytes;
    }

    // ---------------------------------------------------------------- XML (B2MML, UBL)

    private static readonly string[] Dtds =
    [
        """<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>""",
        """<!DOCTYPE r [<!ENTITY remote SYSTEM "http://127.0.0.1:9/x">]>""",
        """<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>""",
        """<!DOCTYPE r SYSTEM "http://127.0.0.1:9/b2mml.dtd">""",
        """<!DOCTYPE r>""",
    ];

    /// <summary>XML-level attacks and breakage that apply to any document.</summary>
    public (string What, byte[] Body) MutateXml(string xml)
    {
        var body = xml.IndexOf("?>", StringComparison.Ordinal) is var declaration and >= 0 ? declaration + 2 : 0;
        switch (random.Next(5))
        {
            case 0:
                var dtd = Pick(Dtds);
                return ($"DTD {dtd[..Math.Min(30, dtd.Length)]}", Encoding.UTF8.GetBytes(xml.Insert(body, dtd)));
            case 1:
                // Any cut before the root's end tag leaves the root open.
                var last = xml.LastIndexOf("</", StringComparison.Ordinal);
                var cut = body + random.Next(last - body);
                return ($"truncated at {cut}", Encoding.UTF8.GetBytes(xml[..cut]));
            case 2:
                var tags = TagStart().Matches(xml).Select(m => m.Index).Where(i => i > body).ToArray();
                var at = tags[random.Next(tags.Length)];
                return ($"'<' at {at} removed", Encoding.UTF8.GetBytes(xml.Remove(at, 1)));
            case 3:
                return ("not XML", Encoding.UTF8.GetBytes(Pick(["", "{\"a\":1}", "plain text", "<a><b></a>", "<?xml version=\"1.0\"?>"])));
            default:
                return ("random bytes", RandomBytes(1 + random.Next(512)));
        }
    }

    /// <summary>Replaces the text of one occurrence of an element (by local name, any prefix) with <paramref name="value"/>.</summary>
    public static string? ReplaceElementText(string xml, string localName, string value, int occurrence = 0)
    {
        var matches = ElementText(localName).Matches(xml);
        if (matches.Count <= occurrence)
            return null;
        var text = matches[occurrence].Groups["text"];
        return xml[..text.Index] + value + xml[(text.Index + text.Length)..];
    }

    /// <summary>Removes one occurrence of an element (by local name, any prefix) with its text.</summary>
    public static string? RemoveElement(string xml, string localName, int occurrence = 0)
    {
        var matches = ElementText(localName).Matches(xml);
        return matches.Count <= occurrence ? null : xml.Remove(matches[occurrence].Index, matches[occurrence].Length);
    }

    public static int Count(string xml, string localName) => ElementText(localName).Count(xml);

    /// <summary>
    /// The occurrences of an element that a B2MML adapter reads: not those inside a material actual used as a
    /// consumable (gloves, wipes), which carry no posting and are skipped by design.
    /// </summary>
    public static int[] Read(string xml, string localName)
    {
        var skipped = ConsumableActual().Matches(xml).Select(m => (m.Index, End: m.Index + m.Length)).ToArray();
        return [.. ElementText(localName).Matches(xml).Select((m, i) => (m.Index, i)).Where(m => !skipped.Any(s => m.Index > s.Index && m.Index < s.End)).Select(m => m.i)];
    }

    [GeneratedRegex("<MaterialActual>(?:(?!</MaterialActual>).)*<MaterialUse>Consumable</MaterialUse>(?:(?!</MaterialActual>).)*</MaterialActual>", RegexOptions.CultureInvariant | RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConsumableActual();

    public static string? ElementValue(string xml, string localName, int occurrence = 0)
    {
        var matches = ElementText(localName).Matches(xml);
        return matches.Count <= occurrence ? null : matches[occurrence].Groups["text"].Value;
    }

    private static Regex ElementText(string localName) =>
        new($"<(?<prefix>[A-Za-z0-9]+:)?{Regex.Escape(localName)}(?<attributes>\\s[^>]*)?>(?<text>[^<]*)</\\k<prefix>?{Regex.Escape(localName)}>", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    [GeneratedRegex("<[A-Za-z]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex TagStart();
}
