using System.Text.Json;
using System.Text.Json.Serialization;
using Takt.Contracts;

namespace Takt.Integration.Gateway;

/// <summary>An RFC 9457 problem detail with the fields and rules that were broken.</summary>
public sealed record Problem(
    string Type,
    string Title,
    int Status,
    string? Detail,
    IReadOnlyList<Violation> Errors,
    string? TraceId = null)
{
    public const string ContentType = "application/problem+json";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>400: the request does not follow the protocol or the schema.</summary>
    public static Problem Malformed(IReadOnlyList<Violation> errors) =>
        new("urn:takt:problem:malformed", "The request is malformed.", 400, errors.Count == 1 ? errors[0].Detail : null, errors);

    /// <summary>422: well-formed, but a business rule is broken.</summary>
    public static Problem RuleViolated(IReadOnlyList<Violation> errors) =>
        new("urn:takt:problem:rule-violated", "A business rule is broken.", 422, errors.Count == 1 ? errors[0].Detail : null, errors);

    public static Problem Conflict(Violation error) =>
        new("urn:takt:problem:conflict", "The request conflicts with an earlier one.", 409, error.Detail, [error]);

    public static Problem TooLarge(Violation error) =>
        new("urn:takt:problem:too-large", "The request is too large.", 413, error.Detail, [error]);

    public static Problem UnsupportedMediaType(Violation error) =>
        new("urn:takt:problem:unsupported-media-type", "The content type is not supported.", 415, error.Detail, [error]);

    public static Problem NotFound(Violation error) =>
        new("urn:takt:problem:not-found", "The resource does not exist.", 404, error.Detail, [error]);

    public static Problem Internal(string? traceId) =>
        new("urn:takt:problem:internal", "Takt could not process the request.", 500, "An internal error occurred; nothing was changed. Quote the trace id when reporting it.", [], traceId);

    /// <summary>503 <c>intake.busy</c>: the writer is behind; nothing was queued, the client retries after the Retry-After header.</summary>
    public static Problem Busy(int waiting, int capacity) =>
        new("urn:takt:problem:busy", "Takt is busy; retry later.", 503,
            $"{waiting} events are waiting for the writer, the most this server queues is {capacity}; nothing of this request was queued. Retry after the Retry-After header.",
            [new Violation("", "intake.busy", $"More than {capacity} events would be waiting for the writer.")]);

    /// <summary>503 <c>channel.paused</c>: ops paused (or is draining) the channel; nothing of the request was read.</summary>
    public static Problem Paused(string channel, string state, string? reason, string? actor, DateTimeOffset? since) =>
        new("urn:takt:problem:paused", "This channel is paused; retry later.", 503,
            $"The {channel} channel is {state}{(since is { } at ? $" since {at:yyyy-MM-dd HH:mm:ss}Z" : "")}{(actor is null ? "" : $" by {actor}")}{(reason is null ? "" : $": {reason}")}. Nothing of this request was read; send it again after the Retry-After header.",
            [new Violation("", "channel.paused", $"The {channel} channel takes nothing while it is {state}.")]);

    public static Problem Unavailable(string detail) =>
        new("urn:takt:problem:unavailable", "Takt is not accepting events right now.", 503, detail, []);
}
