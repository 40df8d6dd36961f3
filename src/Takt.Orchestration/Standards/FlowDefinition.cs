using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takt.Orchestration.Standards;

/// <summary>A flow standard version as parsed from its document (see contracts/flows/flow-standard.schema.json).</summary>
internal sealed record FlowDefinition(
    string Flow,
    int Version,
    string Title,
    string Owner,
    IReadOnlyList<FlowStep> Steps,
    string? Description = null,
    string Category = "operation",
    string Currency = "EUR",
    FlowTrigger? Trigger = null,
    IReadOnlyDictionary<string, string>? Inputs = null,
    IReadOnlyList<string>? Roles = null,
    IReadOnlyDictionary<string, VariationPoint>? VariationPoints = null)
{
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> InputTypes => Inputs ?? new Dictionary<string, string>(StringComparer.Ordinal);

    [JsonIgnore]
    public IReadOnlyDictionary<string, VariationPoint> Points => VariationPoints ?? new Dictionary<string, VariationPoint>(StringComparer.Ordinal);

    public FlowStep? Step(string id) => Steps.FirstOrDefault(s => s.Id == id);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

internal sealed record FlowTrigger(string Event, string? When = null);

/// <summary>
/// What a plant may change, and within what bounds: a number or money range, a choice among values, a duration
/// range (business time), or one extra step after a named step.
/// </summary>
internal sealed record VariationPoint(
    string Kind,
    string? Description = null,
    JsonElement? Min = null,
    JsonElement? Max = null,
    JsonElement? Default = null,
    IReadOnlyList<string>? Values = null,
    string? After = null,
    IReadOnlyList<string>? StepTypes = null,
    IReadOnlyList<string>? Roles = null);

internal sealed record FlowCase(string When, string Next);

internal sealed record FlowSla(string Within, string? RemindAfter = null, IReadOnlyList<string>? EscalateTo = null);

internal sealed record FlowCompensation(string Action, IReadOnlyDictionary<string, JsonElement>? With = null);

internal sealed record FlowStep(
    string Id,
    string Type,
    string? Title = null,
    string? Next = null,
    string? Action = null,
    IReadOnlyDictionary<string, JsonElement>? With = null,
    FlowCompensation? Compensation = null,
    string? Role = null,
    IReadOnlyList<string>? Roles = null,
    string? Mode = null,
    string? Doa = null,
    string? OnReject = null,
    FlowSla? Sla = null,
    string? Event = null,
    string? Correlate = null,
    string? Timeout = null,
    string? OnTimeout = null,
    string? After = null,
    bool? Business = null,
    IReadOnlyList<FlowCase>? Cases = null,
    string? Otherwise = null,
    IReadOnlyList<IReadOnlyList<string>>? Branches = null)
{
    public const string End = "end";

    public bool IsHuman => Type is StepTypes.Task or StepTypes.Approval;
}

internal static class StepTypes
{
    public const string Action = "action";
    public const string Task = "task";
    public const string Approval = "approval";
    public const string Wait = "wait";
    public const string Timer = "timer";
    public const string Decision = "decision";
    public const string Parallel = "parallel";
    public const string Compensate = "compensate";
}
