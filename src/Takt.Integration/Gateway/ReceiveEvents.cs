using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Integration.Gateway;

/// <summary>
/// <c>POST /api/v1/events</c>: CloudEvents in structured (<c>application/cloudevents+json</c>), batch
/// (<c>application/cloudevents-batch+json</c>) and binary mode (<c>ce-*</c> headers, JSON body).
/// </summary>
internal static class ReceiveEvents
{
    public const string Structured = "application/cloudevents+json";
    public const string Batch = "application/cloudevents-batch+json";

    public sealed record Accepted(
        string Status,
        string Source,
        string Id,
        string Type,
        bool Replayed,
        string ProcessEventId,
        IReadOnlyList<string> JournalEntries,
        IReadOnlyList<string> StockMovements);

    public sealed record BatchItem(int Index, string? Source, string? Id, string? Type, int Status, Accepted? Result, Problem? Problem);

    public sealed record BatchResult(int Accepted, int Rejected, IReadOnlyList<BatchItem> Results);

    public static void Map(RouteGroupBuilder api) => api.MapPost("/events", HandleAsync)
        .WithName("ReceiveEvents")
        .WithSummary("Receive shop-floor events (CloudEvents 1.0: structured, binary or batch mode).")
        .Accepts<JsonElement>(Structured, Batch, "application/json")
        .Produces<Accepted>(200)
        .Produces<BatchResult>(207)
        .ProducesProblem(400)
        .ProducesProblem(403)
        .ProducesProblem(409)
        .ProducesProblem(413)
        .ProducesProblem(415)
        .ProducesProblem(422)
        .ProducesProblem(503);

    public static async Task<IResult> HandleAsync(HttpContext http, EventValidation validation, IngestPipeline pipeline, IngestOptions options, Operations.ChannelControl channels, CancellationToken ct)
    {
        if (Paused(http, channels, Operations.Channels.Gateway) is { } paused)
            return paused;
        var result = await HandleCoreAsync(http, validation, pipeline, options, ct);
        var counted = IntakeTally.Of(result);
        http.Features.Set(counted);
        channels.Meter.Count(Operations.Channels.Gateway, counted.Accepted);
        return result;
    }

    private static async Task<IResult> HandleCoreAsync(HttpContext http, EventValidation validation, IngestPipeline pipeline, IngestOptions options, CancellationToken ct)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || media.MediaType is null)
            return Respond(Problem.UnsupportedMediaType(new Violation("", "content-type.unsupported", $"Send {Structured}, {Batch}, or application/json with ce-* headers.")));
        if (request.ContentLength > options.MaxBodyBytes)
            return TooLarge(options);
        var body = await ReadBodyAsync(request.Body, options.MaxBodyBytes, ct);
        if (body is null)
            return TooLarge(options);
        // JSON is UTF-8 (RFC 8259 §8.1). The parser checks structure only and would fail on a bad sequence inside a
        // string when the value is read, long after validation: refuse such a body as a whole, up front.
        if (!Utf8.IsValid(body))
            return Respond(Problem.Malformed([new Violation("", "json.malformed", "The body is not valid UTF-8, so it is not JSON.")]));

        switch (media.MediaType.ToLowerInvariant())
        {
            case Structured:
            {
                if (Parse(body) is not { } document)
                    return Respond(Problem.Malformed([new Violation("", "json.malformed", "The body is not valid JSON.")]));
                using (document)
                {
                    var validated = validation.FromStructured(document.RootElement);
                    if (validated.IsRejected)
                        return Respond(Problem.Malformed(validated.Violations));
                    if (PlantRefusal(http, [validated.Value])[0] is { } refused)
                        return Respond(refused);
                    using var admission = pipeline.TryAdmit(1);
                    if (admission is null)
                        return Busy(http, pipeline);
                    return Respond(http, (await pipeline.SubmitAsync([validated.Value], ct))[0]);
                }
            }

            case Batch:
                return await BatchAsync(http, body, validation, pipeline, options, ct);

            case "application/json":
            {
                var headers = request.Headers.Select(h => new KeyValuePair<string, string?>(h.Key, h.Value.ToString()));
                var validated = validation.FromBinary(headers, body, request.ContentType!);
                if (validated.IsRejected)
                    return Respond(Problem.Malformed(validated.Violations));
                if (PlantRefusal(http, [validated.Value])[0] is { } refused)
                    return Respond(refused);
                using var admission = pipeline.TryAdmit(1);
                if (admission is null)
                    return Busy(http, pipeline);
                return Respond(http, (await pipeline.SubmitAsync([validated.Value], ct))[0]);
            }

            default:
                return Respond(Problem.UnsupportedMediaType(new Violation("", "content-type.unsupported", $"'{media.MediaType}' is not accepted; send {Structured}, {Batch}, or application/json with ce-* headers.")));
        }
    }

    private static async Task<IResult> BatchAsync(HttpContext http, byte[] body, EventValidation validation, IngestPipeline pipeline, IngestOptions options, CancellationToken ct)
    {
        if (Parse(body) is not { } document)
            return Respond(Problem.Malformed([new Violation("", "json.malformed", "The body is not valid JSON.")]));
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
                return Respond(Problem.Malformed([new Violation("", "batch.array-required", "A batch is a JSON array of CloudEvents.")]));
            var count = root.GetArrayLength();
            if (count > options.MaxBatchEvents)
                return Respond(Problem.TooLarge(new Violation("", "batch.too-many-events", $"A batch holds at most {options.MaxBatchEvents} events; this one has {count}.")));
            if (count == 0)
                return Respond(Problem.Malformed([new Violation("", "batch.empty", "A batch needs at least one event.")]));

            var items = new BatchItem[count];
            var valid = new List<(int Index, ValidatedEvent Event)>(count);
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                var (source, id) = EventValidation.Identify(element);
                var validated = validation.FromStructured(element);
                if (validated.IsRejected)
                {
                    var problem = Problem.Malformed(Prefix(validated.Violations, index));
                    items[index] = new BatchItem(index, source, id, Type(element), problem.Status, null, problem);
                }
                else
                {
                    valid.Add((index, validated.Value));
                }

                index++;
            }

            // Plant restriction per event, like every other per-event check: refused events get a 403 item and
            // change nothing; the client's other events go on (DESIGN §2.4).
            var refusals = PlantRefusal(http, [.. valid.Select(v => v.Event)]);
            for (var i = valid.Count - 1; i >= 0; i--)
            {
                if (refusals[i] is not { } refused)
                    continue;
                var (at, e) = valid[i];
                items[at] = new BatchItem(at, e.Event.Source, e.Event.Id, e.Event.Type, refused.Status, null, refused with { Errors = Prefix(refused.Errors, at) });
                valid.RemoveAt(i);
            }

            // The whole batch is admitted or refused: a 503 queues none of its events.
            using var admission = pipeline.TryAdmit(valid.Count);
            if (admission is null)
                return Busy(http, pipeline);
            var results = valid.Count > 0 ? await pipeline.SubmitAsync([.. valid.Select(v => v.Event)], ct) : [];
            for (var i = 0; i < valid.Count; i++)
            {
                var r = results[i];
                var at = valid[i].Index;
                items[at] = new BatchItem(at, r.Source, r.Id, r.Type, r.Status, ToAccepted(r),
                    r.Problem is null ? null : r.Problem with { Errors = Prefix(r.Problem.Errors, at) });
            }

            var accepted = items.Count(i => i.Result is not null);
            return Results.Json(new BatchResult(accepted, count - accepted, items), Problem.Json, statusCode: accepted == count ? 200 : 207);
        }
    }

    /// <summary>
    /// For each event, a 403 <c>client.plant-forbidden</c> when the calling client may not act for the event's
    /// plant (<c>/data/plant</c>), else null. Records the plants and the decision for the audit log.
    /// </summary>
    internal static Problem?[] PlantRefusal(HttpContext http, IReadOnlyList<ValidatedEvent> events)
    {
        var decision = Access.AccessDecision.Of(http);
        var client = Access.AccessDecision.ClientOf(http);
        var refusals = new Problem?[events.Count];
        var plants = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var plant = PlantOf(events[i].Event.Data);
            if (plant is not null)
                plants.Add(plant);
            if (client.AllPlantsAllowed)
                continue;
            if (plant is null)
                refusals[i] = Access.AccessProblems.Forbidden(new Violation("/data", "client.plant-forbidden", $"Client '{client.ClientId}' is restricted to plants and this event names none."));
            else if (!client.MayAccessPlant(plant))
                refusals[i] = Access.AccessProblems.Forbidden(Access.AccessProblems.PlantForbidden("/data/plant", plant, client));
        }

        decision.Plants = string.Join(' ', plants);
        var refused = refusals.Count(r => r is not null);
        if (refused == events.Count && refused > 0)
            decision.Deny("client.plant-forbidden");
        else if (refused > 0)
            decision.AllowPartly($"client.plant-forbidden: {refused} of {events.Count} events");
        return refusals;
    }

    private static string? PlantOf(object data) => data switch
    {
        Contracts.Events.MaterialIssued e => e.Plant,
        Contracts.Events.OperationConfirmed e => e.Plant,
        Contracts.Events.YieldReported e => e.Plant,
        Contracts.Events.WmsPicked e => e.Plant,
        Contracts.Events.WmsPutAway e => e.Plant,
        Contracts.Events.WmsMoved e => e.Plant,
        Contracts.Events.WmsCounted e => e.Plant,
        _ => null,
    };

    /// <summary>In a batch, fields point into the array: <c>/3/data/quantity</c>.</summary>
    private static Violation[] Prefix(IReadOnlyList<Violation> violations, int index) =>
        [.. violations.Select(v => v with { Field = $"/{index}{v.Field}" })];

    private static string? Type(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static Accepted? ToAccepted(EventResult r) => r.Effects is { } e
        ? new Accepted("accepted", r.Source!, r.Id!, r.Type!, r.Replayed, e.ProcessEventId, e.JournalEntries, e.StockMovements)
        : null;

    private static IResult Respond(HttpContext http, EventResult result)
    {
        if (ToAccepted(result) is { } accepted)
        {
            if (result.Replayed)
                http.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Json(accepted, Problem.Json, statusCode: 200);
        }

        return Respond(result.Problem!);
    }

    public static IResult Respond(Problem problem) =>
        Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);

    /// <summary>How long a client is told to wait while ops holds a channel paused (503).</summary>
    public const int PausedRetryAfterSeconds = 30;

    /// <summary>503 with Retry-After when ops paused or is draining <paramref name="channel"/>; null while it runs.</summary>
    internal static IResult? Paused(HttpContext http, Operations.ChannelControl channels, string channel)
    {
        var state = channels.Get(channel);
        if (state.IsRunning)
            return null;
        http.Response.Headers.RetryAfter = PausedRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Respond(Problem.Paused(channel, state.State, state.Reason, state.Actor, state.ChangedAt));
    }

    /// <summary>How long a client is told to wait when the writer is behind (503).</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>503 with Retry-After: the writer is behind and nothing of the request was queued.</summary>
    internal static IResult Busy(HttpContext http, IngestPipeline pipeline)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Respond(Problem.Busy(pipeline.InFlight, pipeline.Capacity));
    }

    private static IResult TooLarge(IngestOptions options) =>
        Respond(Problem.TooLarge(new Violation("", "payload.too-large", $"The body exceeds {options.MaxBodyBytes} bytes.")));

    private static JsonDocument? Parse(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer.</summary>
    internal static async Task<byte[]?> ReadBodyAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
