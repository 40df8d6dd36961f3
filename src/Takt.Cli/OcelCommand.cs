using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Takt.Intelligence;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt ocel</c>: counts of an OCEL 2.0 log in any form, export of Takt's process log as OCEL 2.0 (from a
/// database or a running server), and conversion of a log to JSON or SQLite (import for analysis and back).
/// </summary>
internal static class OcelCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The module's public surface without a server (reading files and databases needs no host).</summary>
    public static IIntelligence Intelligence()
    {
        var services = new ServiceCollection().AddSingleton(TimeProvider.System);
        IntelligenceModule.AddIntelligence(services);
        return services.BuildServiceProvider().GetRequiredService<IIntelligence>();
    }

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "An OCEL 2.0 log: JSON (.jsonocel), XML (.xmlocel) or SQLite; the form is told by the content." };
        var json = new Option<bool>("--json") { Description = "Print the counts as JSON." };
        var stats = new Command("stats", "Count events, objects, declared event and object types, event-to-object and object-to-object relations.") { file, json };
        stats.SetAction(async (parse, ct) =>
        {
            var log = await ReadAsync(parse.GetValue(file)!, ct);
            if (log is null)
                return 1;
            var counts = log.Stats();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(counts, Indented));
                return 0;
            }

            var table = new Table().Title(Path.GetFileName(parse.GetValue(file)!)).AddColumns("count", "value");
            table.AddRow("events", $"{counts.Events}").AddRow("objects", $"{counts.Objects}").AddRow("eventTypes", $"{counts.EventTypes}").AddRow("objectTypes", $"{counts.ObjectTypes}")
                .AddRow("eventToObjectRelations", $"{counts.EventToObjectRelations}").AddRow("objectToObjectRelations", $"{counts.ObjectToObjectRelations}");
            AnsiConsole.Write(table);
            return 0;
        });

        var convertFile = new Argument<string>("file") { Description = "An OCEL 2.0 log in any form." };
        var convertFormat = FormatOption();
        var convertOut = new Option<string>("--out", "-o") { Description = "The file to write.", Required = true };
        var convert = new Command("convert", "Import an OCEL 2.0 log (JSON, XML or SQLite) and write it as OCEL 2.0 JSON or SQLite.") { convertFile, convertFormat, convertOut };
        convert.SetAction(async (parse, ct) =>
        {
            var log = await ReadAsync(parse.GetValue(convertFile)!, ct);
            if (log is null)
                return 1;
            await Intelligence().WriteOcelAsync(log, parse.GetValue(convertOut)!, parse.GetValue(convertFormat) == "sqlite" ? OcelFormat.Sqlite : OcelFormat.Json, ct);
            PrintCounts(log.Stats());
            return 0;
        });

        var from = new Option<DateTimeOffset?>("--from") { Description = "Events that occurred at or after this instant (RFC 3339)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Events that occurred before this instant." };
        var plant = new Option<string?>("--plant") { Description = "Only this plant's events." };
        var format = FormatOption();
        var output = new Option<string>("--out", "-o") { Description = "The file to write.", Required = true };
        var db = new Option<string?>("--db") { Description = "Read straight from a database (SQLite file or PostgreSQL connection string) instead of a running server." };
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var export = new Command("export", "Export Takt's process log (a period, a plant) as OCEL 2.0 JSON or SQLite.") { from, to, plant, format, output, db, url, apiKey };
        export.SetAction(async (parse, ct) =>
        {
            var range = new ProcessLogRange(parse.GetValue(from), parse.GetValue(to), parse.GetValue(plant));
            var path = parse.GetValue(output)!;
            var sqlite = parse.GetValue(format) == "sqlite";
            if (parse.GetValue(db) is { } database)
            {
                var store = TaktStore.Open(database);
                OcelStats counts;
                if (sqlite)
                {
                    counts = await Intelligence().ExportOcelSqliteAsync(store, range, path, ct);
                }
                else
                {
                    await using var stream = File.Create(path);
                    counts = await Intelligence().ExportOcelJsonAsync(store, range, stream, ct);
                }

                PrintCounts(counts);
                return 0;
            }

            var key = parse.GetValue(apiKey);
            if (!DemoCommand.HasKey(key))
                return 1;
            using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
            http.Timeout = TimeSpan.FromHours(1);
            var query = new List<string> { "format=" + (sqlite ? "sqlite" : "json") };
            if (range.From is { } f)
                query.Add("from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture)));
            if (range.To is { } t)
                query.Add("to=" + Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture)));
            if (range.Plant is { } p)
                query.Add("plant=" + Uri.EscapeDataString(p));
            using var response = await http.GetAsync("/api/v1/process-log/ocel?" + string.Join('&', query), HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                return 1;
            }

            await using (var target = File.Create(path))
                await response.Content.CopyToAsync(target, ct);
            var log = await ReadAsync(path, ct);
            if (log is null)
                return 1;
            PrintCounts(log.Stats());
            return 0;
        });
        return new Command("ocel", "OCEL 2.0 object-centric event logs: counts, export of the process log, conversion.") { stats, export, convert };
    }

    private static Option<string> FormatOption()
    {
        var format = new Option<string>("--format") { Description = "json or sqlite.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "sqlite");
        return format;
    }

    /// <summary>The log, or null after saying why it could not be read.</summary>
    public static async Task<OcelLog?> ReadAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            await Console.Error.WriteLineAsync($"{path}: no such file.");
            return null;
        }

        try
        {
            return await Intelligence().ReadOcelAsync(path, ct);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"{path}: not an OCEL 2.0 log: {ex.Message}");
            return null;
        }
    }

    private static void PrintCounts(OcelStats counts) =>
        AnsiConsole.MarkupLineInterpolated($"[grey]{counts.Events} events, {counts.Objects} objects, {counts.EventTypes} event types, {counts.ObjectTypes} object types, {counts.EventToObjectRelations} event-object and {counts.ObjectToObjectRelations} object-object relations[/]");
}
