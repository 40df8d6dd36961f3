using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;

namespace Takt.Integration.Adapters.Csv;

/// <summary>
/// <c>POST /api/v1/adapters/csv/v1/shop-floor-events</c>: a legacy plant's CSV upload, one canonical event per
/// line (layout in docs/adapters.md). Every line is checked, every bad one reported at <c>/lines/{line}/{column}</c>,
/// and the file is applied all or nothing: one bad line imports nothing.
/// </summary>
internal static partial class ShopFloorCsv
{
    private static readonly string[] Required = ["event", "time", "plant", "order", "quantity", "unit"];

    private static readonly FrozenSet<string> Columns = new[]
    {
        "event", "time", "plant", "order", "item", "operation", "work_center", "quantity", "unit",
        "scrap_quantity", "machine_time", "labour_time", "time_unit", "id",
    }.ToFrozenSet(StringComparer.Ordinal);

    // The columns each event uses besides the common ones; a value in any other column is a mistake (a shifted line).
    private static readonly FrozenDictionary<string, (string Type, string[] Needs, string[] May)> Events = new Dictionary<string, (string, string[], string[])>(StringComparer.Ordinal)
    {
        ["material-issued"] = (EventTypes.MaterialIssued, ["item"], []),
        ["yield-reported"] = (EventTypes.YieldReported, ["item"], []),
        ["operation-confirmed"] = (EventTypes.OperationConfirmed, ["operation", "work_center"], ["scrap_quantity", "machine_time", "labour_time", "time_unit"]),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string[] Common = ["event", "time", "plant", "order", "quantity", "unit", "id"];

    public static void Map(RouteGroupBuilder api) => api.MapPost(AdapterRegistry.ShopFloorCsv.Path["/api/v1".Length..],
            (HttpContext http, EventValidation validation, IngestPipeline pipeline, AdapterOptions options, CancellationToken ct) =>
                DocumentIngest.TallyAsync(http, HandleAsync(http, validation, pipeline, options, ct)))
        .WithName("ReceiveShopFloorCsv")
        .WithSummary("Receive a CSV file of shop-floor events, one per line; a file with a bad line imports nothing (docs/adapters.md).")
        .Accepts<string>("text/csv")
        .Produces<DocumentAccepted>(200)
        .ProducesProblem(400)
        .ProducesProblem(403)
        .ProducesProblem(409)
        .ProducesProblem(413)
        .ProducesProblem(415)
        .ProducesProblem(422);

    public static async Task<IResult> HandleAsync(HttpContext http, EventValidation validation, IngestPipeline pipeline, AdapterOptions options, CancellationToken ct)
    {
        var (body, refusal) = await DocumentIngest.ReadAsync(http.Request, options, m => m is "text/csv", "text/csv", ct);
        if (refusal is not null)
            return refusal;
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body!).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            return DocumentIngest.Respond(Problem.Malformed([new Violation("", "csv.encoding-invalid", "The file is not UTF-8 text.")]));
        }

        var delimiter = CsvRecords.Delimiter(text);
        var records = CsvRecords.Parse(text, delimiter);
        if (records.IsRejected)
            return DocumentIngest.Respond(Problem.Malformed(records.Violations));
        if (records.Value.Count - 1 > options.MaxDocumentEvents)
        {
            return DocumentIngest.Respond(Problem.TooLarge(new Violation("", "document.too-many-events",
                $"A file may hold at most {options.MaxDocumentEvents} lines of events; this one has {records.Value.Count - 1}.")));
        }

        var mapped = MapLines(records.Value, delimiter, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body!)));
        return mapped.IsRejected
            ? DocumentIngest.Respond(Problem.Malformed(mapped.Violations))
            : await DocumentIngest.SubmitAsync(http, AdapterRegistry.ShopFloorCsv, mapped.Value, validation, pipeline, options, ct);
    }

    private static Outcome<MappedDocument> MapLines(List<CsvRecord> records, char delimiter, string key)
    {
        if (records.Count == 0)
            return new Violation("/lines/1", "csv.header-required", $"The first line names the columns: {string.Join(',', Required)}, ….");
        var header = records[0].Fields.Select(h => h.Trim().ToLowerInvariant().Replace('-', '_').Replace(' ', '_')).ToList();
        var violations = new List<Violation>();
        foreach (var (name, i) in header.Select((h, i) => (h, i)))
        {
            if (!Columns.Contains(name))
                violations.Add(new Violation($"/lines/1/{Escape(name)}", "csv.column-unknown", $"Column {i + 1} '{name}' is not one of: {string.Join(", ", Columns.Order(StringComparer.Ordinal))}."));
            else if (header.IndexOf(name) != i)
                violations.Add(new Violation($"/lines/1/{name}", "csv.column-duplicate", $"Column '{name}' appears twice."));
        }

        violations.AddRange(Required.Where(r => !header.Contains(r)).Select(r => new Violation($"/lines/1/{r}", "csv.column-required", $"The header needs a '{r}' column.")));
        if (violations.Count > 0)
            return violations.ToArray();

        var events = new List<MappedEvent>(records.Count - 1);
        foreach (var record in records.Skip(1))
        {
            if (record.Fields.Count != header.Count)
            {
                violations.Add(new Violation($"/lines/{record.Line}", "csv.field-count", $"Line {record.Line} has {record.Fields.Count} fields; the header has {header.Count}."));
                continue;
            }

            var values = header.Select((h, i) => (h, v: record.Fields[i].Trim())).Where(x => x.v.Length > 0).ToDictionary(x => x.h, x => x.v, StringComparer.Ordinal);
            if (Line(record.Line, values, delimiter, key, violations) is { } e)
                events.Add(e);
        }

        return violations.Count > 0 ? violations.ToArray() : new MappedDocument(key, events, []);
    }

    private static MappedEvent? Line(int line, Dictionary<string, string> values, char delimiter, string key, List<Violation> violations)
    {
        var at = $"/lines/{line}";
        var before = violations.Count;
        void Violate(string column, string rule, string detail) => violations.Add(new Violation($"{at}/{column}", rule, $"Line {line}: {detail}"));
        string? Value(string column) => values.GetValueOrDefault(column);
        decimal? Number(string column)
        {
            if (Value(column) is not { } text)
                return null;
            // With the semicolon delimiter a decimal comma is what the spreadsheet wrote.
            var normalized = delimiter == ';' ? text.Replace(',', '.') : text;
            if (decimal.TryParse(normalized, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                return number;
            Violate(column, "csv.number-invalid", $"'{text}' is not a decimal number.");
            return null;
        }

        var name = Value("event")?.ToLowerInvariant();
        if (name is not null && name.StartsWith("takt.production.", StringComparison.Ordinal) && name.EndsWith(".v1", StringComparison.Ordinal))
            name = name["takt.production.".Length..^".v1".Length];
        if (name is null || !Events.TryGetValue(name, out var kind))
        {
            Violate("event", name is null ? "csv.value-required" : "csv.event-unknown", $"the event is one of {string.Join(", ", Events.Keys.Order(StringComparer.Ordinal))}.");
            return null;
        }

        foreach (var column in Required.Concat(kind.Needs).Where(c => Value(c) is null))
            Violate(column, "csv.value-required", $"a {name} needs a value in '{column}'.");
        foreach (var column in values.Keys.Where(c => !Common.Contains(c) && !kind.Needs.Contains(c) && !kind.May.Contains(c)))
            Violate(column, "csv.value-not-applicable", $"a {name} has no '{column}'; is the line shifted?");
        var time = Value("time") is { } t && Rfc3339().IsMatch(t) && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : (DateTimeOffset?)null;
        if (time is null && Value("time") is { } badTime)
            Violate("time", "csv.time-invalid", $"'{badTime}' is not a date and time with a UTC offset (e.g. 2026-11-26T14:05:00+01:00).");
        var quantity = Number("quantity");
        var (scrap, machine, labour) = (Number("scrap_quantity"), Number("machine_time"), Number("labour_time"));
        if ((machine is not null || labour is not null) && Value("time_unit") is null)
            Violate("time_unit", "csv.value-required", "machine_time and labour_time need a time_unit (HUR, MIN or SEC).");
        if (violations.Count > before || time is null || quantity is null)
            return null;

        var unit = UnitCodes.ToRec20(Value("unit")!);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/id"] = $"{at}/id", ["/time"] = $"{at}/time", ["/subject"] = $"{at}/order",
            ["/data/plant"] = $"{at}/plant", ["/data/order"] = $"{at}/order", ["/data/item"] = $"{at}/item",
            ["/data/operation"] = $"{at}/operation", ["/data/workCenter"] = $"{at}/work_center",
        };
        foreach (var (pointer, column, unitColumn) in new[]
        {
            ("/data/quantity", "quantity", "unit"), ("/data/goodQuantity", "quantity", "unit"), ("/data/scrapQuantity", "scrap_quantity", "unit"),
            ("/data/machineTime", "machine_time", "time_unit"), ("/data/labourTime", "labour_time", "time_unit"),
        })
        {
            fields[pointer] = fields[pointer + "/value"] = $"{at}/{column}";
            fields[pointer + "/unit"] = $"{at}/{unitColumn}";
        }

        var data = new JsonObject { ["plant"] = Value("plant"), ["order"] = Value("order") };
        if (kind.Type == EventTypes.OperationConfirmed)
        {
            data["operation"] = Value("operation");
            data["workCenter"] = Value("work_center");
            data["goodQuantity"] = Quantity(quantity.Value, unit);
            var timeUnit = Value("time_unit") is { } tu ? UnitCodes.ToRec20(tu) : null;
            if (scrap is { } s)
                data["scrapQuantity"] = Quantity(s, unit);
            if (machine is { } m)
                data["machineTime"] = Quantity(m, timeUnit!);
            if (labour is { } l)
                data["labourTime"] = Quantity(l, timeUnit!);
        }
        else
        {
            data["item"] = Value("item");
            data["quantity"] = Quantity(quantity.Value, unit);
        }

        // Without an id column the file and the line name the event: the same file uploaded again is idempotent.
        return new MappedEvent(kind.Type, Value("id") ?? $"{key}{at}", time.Value, Value("order"), data, at, fields);
    }

    private static JsonObject Quantity(decimal value, string unit) => new() { ["value"] = value, ["unit"] = unit };

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex Rfc3339();
}
