using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// Queries of the process log (events by period and plant, an object's history), process maps and the OCEL 2.0
/// export. Query parameters are read as text and checked here, so a bad one is answered with the parameter and the
/// rule broken (RFC 9457, docs/rules.md), never a framework binding error.
/// </summary>
internal static class ProcessLogEndpoints
{
    public const int MaxPage = 1000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/process-log/events", async (IIntelligence intelligence, TaktStore store, string? from, string? to, string? plant, string? type, string? actorKind, string? actor, string? after, string? limit, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                var range = Range(from, to, plant, errors);
                var size = Limit(limit, errors);
                Cursor(intelligence, after, errors);
                if (!string.IsNullOrEmpty(actorKind) && !EventActor.Kinds.Contains(actorKind, StringComparer.Ordinal))
                    errors.Add(new Violation("/query/actorKind", "query.actor-kind-unknown", $"'actorKind' is {string.Join(", ", EventActor.Kinds)}; '{actorKind}' is not."));
                return errors.Count > 0
                    ? Malformed(errors)
                    : Results.Ok(await intelligence.EventsAsync(store, range, new EventFilter(Blank(type), Blank(actorKind), Blank(actor)), after, size, ct));
            })
            .WithName("ListProcessEvents")
            .WithSummary("Process-log events that occurred in [from, to), at a plant, of a type, caused by a kind of actor (person, client, system) or one actor; time order, paginated (next page: ?after=<next>).")
            .Produces<EventPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/process-log/objects/{type}/{id}", async (IIntelligence intelligence, TaktStore store, string type, string id, string? plant, string? after, string? limit, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                var size = Limit(limit, errors);
                Cursor(intelligence, after, errors);
                return errors.Count > 0
                    ? Malformed(errors)
                    : Results.Ok(await intelligence.ObjectHistoryAsync(store, type, id, string.IsNullOrEmpty(plant) ? null : plant, after, size, ct));
            })
            .WithName("GetObjectHistory")
            .WithSummary("The history of one object (production-order, item, plant, work-center, journal-entry, stock-movement …): its events in time order with all their objects, paginated; empty when the log has none.")
            .Produces<ObjectHistory>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/process-log/map", async (IIntelligence intelligence, TaktStore store, string? objectType, string? plant, string? from, string? to, string? format, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                if (string.IsNullOrWhiteSpace(objectType))
                    errors.Add(new Violation("/query/objectType", "query.required", "Name the object type to map, e.g. ?objectType=production-order."));
                var range = Range(from, to, plant, errors);
                var svg = Format(format, ["json", "svg"], errors) == "svg";
                if (errors.Count > 0)
                    return Malformed(errors);
                var map = await intelligence.ProcessMapAsync(store, new ProcessMapQuery(objectType!, range.From, range.To, range.Plant), ct);
                return svg ? Results.Text(intelligence.RenderSvg(map), "image/svg+xml") : Results.Ok(map);
            })
            .WithName("GetProcessMap")
            .WithSummary("Object-centric directly-follows graph of one object type: activities, edges with frequency and median/p90 durations, the slowest transitions; JSON (this schema) or an SVG picture of it (?format=svg).")
            .Produces<ProcessMap>(StatusCodes.Status200OK, "application/json", "image/svg+xml")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/process-log/exception-hotspots", async (IIntelligence intelligence, TaktStore store, string? from, string? to, string? plant, string? period, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                var range = Range(from, to, plant, errors);
                if (!Hotspots.TryParse(period, out var length))
                    errors.Add(new Violation("/query/period", "query.period-unknown", $"'period' is day, week or month; '{period}' is not."));
                return errors.Count > 0 ? Malformed(errors) : Results.Ok(await intelligence.ExceptionHotspotsAsync(store, range, length, ct));
            })
            .WithName("ExceptionHotspots")
            .WithSummary("Where exceptions come from in [from, to) (and one plant): counts and shares by plant, supplier, item, work center and category, and per day, week or month (?period=, default day).")
            .Produces<ExceptionHotspots>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/process-log/ocel", (IIntelligence intelligence, TaktStore store, string? from, string? to, string? plant, string? format, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                var range = Range(from, to, plant, errors);
                var sqlite = Format(format, ["json", "sqlite"], errors) == "sqlite";
                if (errors.Count > 0)
                    return Malformed(errors);
                if (!sqlite)
                {
                    return Results.Stream(async body => await intelligence.ExportOcelJsonAsync(store, range, body, ct), "application/json", "takt.jsonocel");
                }

                return Results.Stream(async body =>
                {
                    // SQLite writes a file; it is built beside the server's temp files, sent, then removed.
                    var path = Path.Combine(Path.GetTempPath(), $"takt-ocel-{Guid.NewGuid():N}.sqlite");
                    try
                    {
                        await intelligence.ExportOcelSqliteAsync(store, range, path, ct);
                        await using var file = File.OpenRead(path);
                        await file.CopyToAsync(body, ct);
                    }
                    finally
                    {
                        File.Delete(path);
                    }
                }, "application/vnd.sqlite3", "takt.sqlite");
            })
            .WithName("ExportOcel")
            .WithSummary("The process log of [from, to) (and one plant) as an OCEL 2.0 log: JSON (default) or the SQLite form (?format=sqlite).")
            .Produces<Stream>(StatusCodes.Status200OK, "application/json", "application/vnd.sqlite3")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static string? Blank(string? text) => string.IsNullOrEmpty(text) ? null : text;

    internal static ProcessLogRange Range(string? from, string? to, string? plant, List<Violation> errors)
    {
        var start = Time(from, "/query/from", errors);
        var end = Time(to, "/query/to", errors);
        if (start is not null && end is not null && start >= end)
            errors.Add(new Violation("/query/to", "query.range-invalid", $"'to' ({to}) must be after 'from' ({from})."));
        return new ProcessLogRange(start, end, string.IsNullOrEmpty(plant) ? null : plant);
    }

    /// <summary>An RFC 3339 timestamp with an offset, or a date (midnight UTC).</summary>
    internal static DateTimeOffset? Time(string? text, string field, List<Violation> errors)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time;
        errors.Add(new Violation(field, "query.time-invalid", $"'{text}' is neither an RFC 3339 timestamp with an offset (2026-11-26T08:00:00Z) nor a date (2026-11-26)."));
        return null;
    }

    private static int Limit(string? text, List<Violation> errors)
    {
        if (string.IsNullOrEmpty(text))
            return 100;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxPage)
            return limit;
        errors.Add(new Violation("/query/limit", "query.limit-invalid", $"'limit' is a whole number from 1 to {MaxPage}; '{text}' is not."));
        return 0;
    }

    private static void Cursor(IIntelligence intelligence, string? after, List<Violation> errors)
    {
        if (after is not null && !intelligence.IsCursor(after))
            errors.Add(new Violation("/query/after", "query.cursor-invalid", $"'{after}' is not a cursor; pass the 'next' of the previous page."));
    }

    private static string Format(string? text, string[] allowed, List<Violation> errors)
    {
        if (string.IsNullOrEmpty(text))
            return allowed[0];
        if (allowed.Contains(text, StringComparer.Ordinal))
            return text;
        errors.Add(new Violation("/query/format", "query.format-unknown", $"'format' is {string.Join(" or ", allowed)}; '{text}' is not."));
        return allowed[0];
    }

    private const string ProblemContentType = "application/problem+json";

    private sealed record ProblemBody(string Type, string Title, int Status, string? Detail, IReadOnlyList<Violation> Errors);

    private static readonly JsonSerializerOptions ProblemJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    internal static IResult Malformed(List<Violation> errors) =>
        Results.Json(new ProblemBody("urn:takt:problem:malformed", "The request is malformed.", 400, errors.Count == 1 ? errors[0].Detail : null, errors), ProblemJson, ProblemContentType, 400);
}
