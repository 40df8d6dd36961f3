using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Adapters;

/// <summary>One canonical event a document produced, as it was accepted (or replayed).</summary>
public sealed record DocumentEvent(
    string Origin,
    string Type,
    string Source,
    string Id,
    bool Replayed,
    string ProcessEventId,
    IReadOnlyList<string> JournalEntries,
    IReadOnlyList<string> StockMovements);

/// <summary>The answer to an accepted document: every event it produced, and the parts it did not map.</summary>
public sealed record DocumentAccepted(
    string Adapter,
    string Version,
    string Document,
    int Accepted,
    int Replayed,
    IReadOnlyList<DocumentEvent> Events,
    IReadOnlyList<IgnoredPart> Ignored);

/// <summary>
/// The part every inbound adapter shares: the body within its limit, then the mapped events through the same two
/// checks as <c>POST /api/v1/events</c> (<see cref="EventValidation"/>) and into the <see cref="IngestPipeline"/> as
/// ONE all-or-nothing group. A document is applied whole or not at all; every violation points into the document.
/// </summary>
internal static class DocumentIngest
{
    /// <summary>Reads the body within <see cref="AdapterOptions.MaxDocumentBytes"/>, or answers 413/415.</summary>
    public static async Task<(byte[]? Body, IResult? Refusal)> ReadAsync(HttpRequest request, AdapterOptions options, Func<string, bool> acceptsMediaType, string expected, CancellationToken ct)
    {
        // Ops may hold the adapters channel paused: nothing is read then.
        var channels = request.HttpContext.RequestServices.GetRequiredService<Operations.ChannelControl>();
        if (ReceiveEvents.Paused(request.HttpContext, channels, Operations.Channels.Adapters) is { } paused)
            return (null, paused);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || media.MediaType is null || !acceptsMediaType(media.MediaType.ToLowerInvariant()))
            return (null, Respond(Problem.UnsupportedMediaType(new Violation("", "content-type.unsupported", $"'{request.ContentType}' is not accepted here; send {expected}."))));
        if (request.ContentLength > options.MaxDocumentBytes)
            return (null, TooLarge(options));
        var body = await ReceiveEvents.ReadBodyAsync(request.Body, options.MaxDocumentBytes, ct);
        return body is null ? (null, TooLarge(options)) : (body, null);
    }

    /// <summary>Checks and submits a mapped document; answers 200 with its events, or the problem of its bad parts.</summary>
    public static async Task<IResult> SubmitAsync(
        HttpContext http,
        AdapterDescriptor adapter,
        MappedDocument document,
        EventValidation validation,
        IngestPipeline pipeline,
        AdapterOptions options,
        CancellationToken ct)
    {
        if (document.Events.Count > options.MaxDocumentEvents)
        {
            return Respond(Problem.TooLarge(new Violation("", "document.too-many-events",
                $"A document may produce at most {options.MaxDocumentEvents} events; this one produces {document.Events.Count}.")));
        }

        if (document.Events.Count == 0)
        {
            var why = document.Ignored.Count == 0 ? "it reports nothing" : $"every part was ignored: {string.Join("; ", document.Ignored.Select(i => $"{i.Origin}: {i.Reason}"))}";
            return Respond(Problem.RuleViolated([new Violation("", "document.no-events", $"The document maps to no canonical event ({why}); nothing was written.")]));
        }

        var eventSource = CloudEventSource(adapter, Source(http, adapter));
        var validated = new List<ValidatedEvent>(document.Events.Count);
        var malformed = new List<Violation>();
        foreach (var mapped in document.Events)
        {
            using var json = JsonDocument.Parse(mapped.ToCloudEvent(eventSource).ToJsonString());
            var outcome = validation.FromStructured(json.RootElement);
            if (outcome.IsRejected)
                malformed.AddRange(outcome.Violations.Select(mapped.Locate));
            else
                validated.Add(outcome.Value);
        }

        if (malformed.Count > 0)
            return Respond(Problem.Malformed(malformed));

        // The client's plant restriction, per event as for POST /api/v1/events; a document is refused whole.
        var refusals = ReceiveEvents.PlantRefusal(http, validated);
        if (refusals.Any(r => r is not null))
        {
            Access.AccessDecision.Of(http).Deny("client.plant-forbidden");
            var errors = refusals.Select((r, i) => (r, i)).Where(x => x.r is not null).SelectMany(x => x.r!.Errors.Select(document.Events[x.i].Locate)).Distinct().ToList();
            return Respond(Access.AccessProblems.Forbidden(errors[0]) with { Errors = errors });
        }

        using var admission = pipeline.TryAdmit(validated.Count);
        if (admission is null)
            return ReceiveEvents.Busy(http, pipeline);
        var results = await pipeline.SubmitAllOrNothingAsync(validated, ct);
        if (results.All(r => r.Accepted))
        {
            var events = results.Select((r, i) => new DocumentEvent(document.Events[i].Origin, r.Type!, r.Source!, r.Id!, r.Replayed,
                r.Effects!.ProcessEventId, r.Effects.JournalEntries, r.Effects.StockMovements)).ToList();
            return Results.Json(new DocumentAccepted(adapter.Name, adapter.Version, document.Key, events.Count(e => !e.Replayed), events.Count(e => e.Replayed), events, document.Ignored),
                Problem.Json, statusCode: 200);
        }

        return Respond(Rejection(document, results));
    }

    /// <summary>Who posted the document: the adapter, and the authenticated client when there is one.</summary>
    public static IngestSource Source(HttpContext http, AdapterDescriptor adapter) =>
        new(adapter.Name, Access.AccessDecision.Of(http).Client?.ClientId);

    /// <summary>
    /// The CloudEvents source of a document's events: the adapter's route, scoped by the client (the id carries
    /// the document), so one client's documents never collide with another's.
    /// </summary>
    public static string CloudEventSource(AdapterDescriptor adapter, IngestSource source) =>
        source.Client is null ? adapter.Path : $"{adapter.Path}?client={Uri.EscapeDataString(source.Client)}";

    /// <summary>The events that broke something (not those rolled back with them), located in the document.</summary>
    private static Problem Rejection(MappedDocument document, EventResult[] results)
    {
        var failed = results.Select((r, i) => (Result: r, Event: document.Events[i]))
            .Where(x => x.Result.Problem is { } p && !p.Errors.Any(e => e.Rule == "document.rolled-back"))
            .ToList();
        if (failed.Find(x => x.Result.Status >= 500) is { Result: not null } broken)
            return broken.Result.Problem!;
        var errors = failed.SelectMany(x => x.Result.Problem!.Errors.Select(x.Event.Locate)).ToList();
        var statuses = failed.Select(x => x.Result.Status).Distinct().ToList();
        var detail = $"{failed.Count} of the document's {results.Length} events were rejected; nothing of the document was written.";
        return statuses is [409]
            ? new Problem("urn:takt:problem:conflict", "The request conflicts with an earlier one.", 409, detail, errors)
            : Problem.RuleViolated(errors) with { Detail = detail };
    }

    public static IResult Respond(Problem problem) => ReceiveEvents.Respond(problem);

    /// <summary>Keeps what the document did to its events with the request, for the audit log's integration health.</summary>
    public static async Task<IResult> TallyAsync(HttpContext http, Task<IResult> handling)
    {
        var result = await handling;
        var tally = IntakeTally.Of(result);
        http.Features.Set(tally);
        http.RequestServices.GetRequiredService<Operations.ChannelControl>().Meter.Count(Operations.Channels.Adapters, tally.Accepted);
        return result;
    }

    private static IResult TooLarge(AdapterOptions options) =>
        Respond(Problem.TooLarge(new Violation("", "payload.too-large", $"The document exceeds {options.MaxDocumentBytes} bytes.")));
}
