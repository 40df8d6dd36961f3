using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Takt.Intelligence;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt map --type production-order --plant PA01 &gt; map.svg</c>: the process map of one object type, from a
/// running server, a database, or an OCEL 2.0 file (any form), as SVG or JSON on standard output.
/// </summary>
internal static class MapCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var type = new Option<string>("--type", "-t") { Description = "The object type to map: production-order, item, work-center, plant … (an OCEL file's own types with --ocel).", Required = true };
        var plant = new Option<string?>("--plant") { Description = "Only this plant's events." };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Events that occurred at or after this instant (RFC 3339)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Events that occurred before this instant." };
        var format = new Option<string>("--format") { Description = "svg or json.", DefaultValueFactory = _ => "svg" };
        format.AcceptOnlyFromAmong("svg", "json");
        var db = new Option<string?>("--db") { Description = "Read straight from a database instead of a running server." };
        var ocel = new Option<string?>("--ocel") { Description = "Map an OCEL 2.0 log (JSON, XML or SQLite) instead of Takt's process log." };
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var map = new Command("map", "Process map (object-centric directly-follows graph) of one object type, with frequencies, median/p90 durations and bottlenecks, as SVG or JSON on standard output.")
        {
            type, plant, from, to, format, db, ocel, url, apiKey,
        };
        map.SetAction(async (parse, ct) =>
        {
            var query = new ProcessMapQuery(parse.GetValue(type)!, parse.GetValue(from), parse.GetValue(to), parse.GetValue(plant));
            var svg = parse.GetValue(format) == "svg";
            var intelligence = OcelCommand.Intelligence();
            ProcessMap result;
            if (parse.GetValue(ocel) is { } file)
            {
                var log = await OcelCommand.ReadAsync(file, ct);
                if (log is null)
                    return 1;
                result = intelligence.ProcessMapOf(log, query);
            }
            else if (parse.GetValue(db) is { } database)
            {
                result = await intelligence.ProcessMapAsync(TaktStore.Open(database), query, ct);
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                var parameters = new List<string> { "objectType=" + Uri.EscapeDataString(query.ObjectType), "format=" + (svg ? "svg" : "json") };
                if (query.Plant is { } p)
                    parameters.Add("plant=" + Uri.EscapeDataString(p));
                if (query.From is { } f)
                    parameters.Add("from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture)));
                if (query.To is { } t)
                    parameters.Add("to=" + Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture)));
                using var response = await http.GetAsync("/api/v1/process-log/map?" + string.Join('&', parameters), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync($"{(int)response.StatusCode}: {body}");
                    return 1;
                }

                Console.Out.Write(body);
                return 0;
            }

            Console.Out.Write(svg ? intelligence.RenderSvg(result) : JsonSerializer.Serialize(result, Indented));
            return 0;
        });
        return map;
    }
}
