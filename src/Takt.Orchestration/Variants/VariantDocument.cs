using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts;
using Takt.Orchestration.Standards;

namespace Takt.Orchestration.Variants;

/// <summary>A plant's settings of a standard version: values for declared variation points, and inserted steps.</summary>
internal sealed record VariantSettings(
    string Flow,
    int Version,
    string Plant,
    IReadOnlyDictionary<string, JsonElement>? Set = null,
    IReadOnlyDictionary<string, FlowStep>? Insert = null,
    string? Reason = null)
{
    public IReadOnlyDictionary<string, JsonElement> Values => Set ?? new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, FlowStep> Steps => Insert ?? new Dictionary<string, FlowStep>(StringComparer.Ordinal);
}

/// <summary>One line of a variant's difference from its standard.</summary>
/// <param name="Point">The variation point.</param>
/// <param name="Kind">number, money, enum, duration or step.</param>
/// <param name="Standard">The standard's value (or "—" for a step not in the standard).</param>
/// <param name="Variant">The plant's value (or the inserted step).</param>
/// <param name="Bounds">What the standard allows.</param>
public sealed record VariantDifference(string Point, string Kind, string Standard, string Variant, string Bounds);

/// <summary>
/// Checks a variant against its standard's variation points: only declared points, each within its bounds; every
/// other change is refused with the rule it breaks and a pointer to the field (<c>/set/approvalThreshold</c>).
/// </summary>
internal static class VariantDocument
{
    public static Outcome<VariantSettings> Read(string document)
    {
        var parsed = YamlDocument.Parse(document);
        if (parsed.IsRejected)
            return Outcome<VariantSettings>.FromViolations(parsed.Violations);
        if (parsed.Value is not JsonObject root)
            return new Violation("", "variant.shape", "A variant is a mapping with flow, version, plant, set and insert.");
        var errors = new List<Violation>();
        foreach (var key in root.Select(p => p.Key).Where(k => k is not ("flow" or "version" or "plant" or "set" or "insert" or "reason")))
            errors.Add(new Violation("/" + key, "variant.member-unknown", $"'{key}' is not part of a variant: a plant may set declared variation points (set) and insert declared steps (insert) only."));
        if (root["flow"] is not JsonValue flow || flow.GetValueKind() != JsonValueKind.String)
            errors.Add(new Violation("/flow", "variant.flow-required", "Name the standard (flow)."));
        if (root["version"] is not JsonValue version || version.GetValueKind() != JsonValueKind.Number)
            errors.Add(new Violation("/version", "variant.version-required", "Name the standard version the variant applies to."));
        if (root["plant"] is not JsonValue plant || plant.GetValueKind() != JsonValueKind.String)
            errors.Add(new Violation("/plant", "variant.plant-required", "Name the plant."));
        if (root["set"] is { } set && set is not JsonObject)
            errors.Add(new Violation("/set", "variant.shape", "set maps variation points to values."));
        if (root["insert"] is { } insert && insert is not JsonObject)
            errors.Add(new Violation("/insert", "variant.shape", "insert maps step variation points to the inserted step."));
        if (errors.Count > 0)
            return Outcome<VariantSettings>.FromViolations(errors);
        try
        {
            return root.Deserialize<VariantSettings>(FlowDefinition.Json)!;
        }
        catch (JsonException ex)
        {
            return new Violation(ex.Path is { } p ? "/" + p.TrimStart('$', '.').Replace('.', '/') : "", "variant.shape", ex.Message);
        }
    }

    public static List<Violation> Check(FlowDefinition standard, VariantSettings variant)
    {
        var errors = new List<Violation>();
        foreach (var (name, value) in variant.Values)
        {
            var at = "/set/" + name;
            if (!standard.Points.TryGetValue(name, out var point))
            {
                errors.Add(new Violation(at, "variant.point-undeclared", $"'{name}' is not a variation point of {standard.Flow} v{standard.Version}; a plant may set {Declared(standard)} only."));
                continue;
            }

            switch (point.Kind)
            {
                case "number" or "money":
                    var min = FlowStandardReader.Number(point.Min)!.Value;
                    var max = FlowStandardReader.Number(point.Max)!.Value;
                    var unit = point.Kind == "money" ? " " + standard.Currency : "";
                    if (value.ValueKind != JsonValueKind.Number)
                        errors.Add(new Violation(at, "variant.value-not-a-number", $"{name} takes a number{unit}."));
                    else if (value.GetDecimal() < min)
                        errors.Add(new Violation(at, "variant.below-minimum", $"{name} must lie between {FlowStandardReader.Amount(min)} and {FlowStandardReader.Amount(max)}{unit}; {FlowStandardReader.Amount(value.GetDecimal())} is below the minimum."));
                    else if (value.GetDecimal() > max)
                        errors.Add(new Violation(at, "variant.above-maximum", $"{name} must lie between {FlowStandardReader.Amount(min)} and {FlowStandardReader.Amount(max)}{unit}; {FlowStandardReader.Amount(value.GetDecimal())} is above the maximum."));
                    break;
                case "duration":
                    var low = Duration(point.Min);
                    var high = Duration(point.Max);
                    if (value.ValueKind != JsonValueKind.String || !Durations.TryParse(value.GetString(), out var duration))
                        errors.Add(new Violation(at, "variant.duration-invalid", $"{name} takes an ISO 8601 duration between {FlowStandardReader.Text(point.Min)} and {FlowStandardReader.Text(point.Max)}."));
                    else if (duration < low)
                        errors.Add(new Violation(at, "variant.duration-below-minimum", $"{name} must lie between {FlowStandardReader.Text(point.Min)} and {FlowStandardReader.Text(point.Max)} (business time); {value.GetString()} is shorter."));
                    else if (duration > high)
                        errors.Add(new Violation(at, "variant.duration-above-maximum", $"{name} must lie between {FlowStandardReader.Text(point.Min)} and {FlowStandardReader.Text(point.Max)} (business time); {value.GetString()} is longer."));
                    break;
                case "enum":
                    if (value.ValueKind != JsonValueKind.String || !point.Values!.Contains(value.GetString()!))
                        errors.Add(new Violation(at, "variant.value-not-allowed", $"{name} must be one of {string.Join(", ", point.Values!)}; '{value}' is not."));
                    break;
                case "step":
                    errors.Add(new Violation(at, "variant.step-point-in-set", $"{name} inserts a step: give it under insert, not set."));
                    break;
            }
        }

        var ids = new HashSet<string>(standard.Steps.Select(s => s.Id), StringComparer.Ordinal);
        foreach (var (name, step) in variant.Steps)
        {
            var at = "/insert/" + name;
            if (!standard.Points.TryGetValue(name, out var point) || point.Kind != "step")
            {
                errors.Add(new Violation(at, "variant.point-undeclared", $"'{name}' is not a step variation point of {standard.Flow} v{standard.Version}; steps may be inserted at {Declared(standard, "step")} only."));
                continue;
            }

            var allowedTypes = point.StepTypes is { Count: > 0 } types ? types : [StepTypes.Task];
            if (!allowedTypes.Contains(step.Type))
                errors.Add(new Violation(at + "/type", "variant.step-type-not-allowed", $"After '{point.After}' a plant may insert a {string.Join(" or ", allowedTypes)} step; '{step.Type}' is not allowed."));
            if (point.Roles is { Count: > 0 } roles && step.Role is { } role && !roles.Contains(role))
                errors.Add(new Violation(at + "/role", "variant.step-role-not-allowed", $"The inserted step may be worked by {string.Join(" or ", roles)}; '{role}' is not allowed."));
            if (step.Type == StepTypes.Task && step.Role is null)
                errors.Add(new Violation(at + "/role", "flow.task-role-required", "A task names the role that works it."));
            if (ids.Contains(step.Id))
                errors.Add(new Violation(at + "/id", "flow.step-id-duplicate", $"Step id '{step.Id}' is already used by the standard."));
            if (step.Next is not null || step.Branches is not null || step.Cases is not null)
                errors.Add(new Violation(at + "/next", "variant.step-routing", $"An inserted step continues where '{point.After}' continued; it does not route (next, cases, branches)."));
        }

        return errors;
    }

    /// <summary>The standard with the variant applied: inserted steps wired in after their step.</summary>
    public static FlowDefinition Apply(FlowDefinition standard, VariantSettings? variant)
    {
        if (variant is null || variant.Steps.Count == 0)
            return standard;
        var steps = standard.Steps.ToList();
        foreach (var (name, inserted) in variant.Steps)
        {
            var after = standard.Points[name].After!;
            var index = steps.FindIndex(s => s.Id == after);
            var original = steps[index];
            steps[index] = original with { Next = inserted.Id };
            steps.Insert(index + 1, inserted with { Next = original.Next ?? FlowStep.End });
        }

        return standard with { Steps = steps };
    }

    /// <summary>The value of each variation point for a plant: the variant's where it sets one, else the standard's.</summary>
    public static Dictionary<string, JsonElement> Values(FlowDefinition standard, VariantSettings? variant)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, point) in standard.Points)
        {
            if (variant?.Values.TryGetValue(name, out var set) == true)
                values[name] = set;
            else if (point.Default is { } standardValue)
                values[name] = standardValue;
        }

        return values;
    }

    public static IReadOnlyList<VariantDifference> Diff(FlowDefinition standard, VariantSettings variant)
    {
        var lines = new List<VariantDifference>();
        foreach (var (name, point) in standard.Points.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var bounds = point.Kind switch
            {
                "number" => $"{FlowStandardReader.Amount(FlowStandardReader.Number(point.Min) ?? 0)} … {FlowStandardReader.Amount(FlowStandardReader.Number(point.Max) ?? 0)}",
                "money" => $"{FlowStandardReader.Amount(FlowStandardReader.Number(point.Min) ?? 0)} … {FlowStandardReader.Amount(FlowStandardReader.Number(point.Max) ?? 0)} {standard.Currency}",
                "duration" => $"{FlowStandardReader.Text(point.Min)} … {FlowStandardReader.Text(point.Max)} (business time)",
                "enum" => string.Join(" | ", point.Values ?? []),
                _ => $"one {string.Join("/", point.StepTypes ?? [StepTypes.Task])} step after '{point.After}'" + (point.Roles is { Count: > 0 } r ? $" by {string.Join("/", r)}" : ""),
            };
            if (point.Kind == "step")
            {
                if (variant.Steps.TryGetValue(name, out var step))
                    lines.Add(new VariantDifference(name, point.Kind, "—", $"+ {step.Id} ({step.Type}{(step.Role is null ? "" : ", " + step.Role)})", bounds));
            }
            else if (variant.Values.TryGetValue(name, out var value))
            {
                lines.Add(new VariantDifference(name, point.Kind, Show(point.Default), Show(value), bounds));
            }
        }

        return lines;
    }

    private static string Show(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Number } n => FlowStandardReader.Amount(n.GetDecimal()),
        { ValueKind: JsonValueKind.String } s => s.GetString()!,
        null => "—",
        { } other => other.GetRawText(),
    };

    private static TimeSpan Duration(JsonElement? e) => Durations.TryParse(FlowStandardReader.Text(e), out var d) ? d : TimeSpan.Zero;

    private static string Declared(FlowDefinition standard, string? kind = null)
    {
        var names = standard.Points.Where(p => kind is null ? p.Value.Kind != "step" : p.Value.Kind == kind).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? "nothing" : string.Join(", ", names);
    }
}
