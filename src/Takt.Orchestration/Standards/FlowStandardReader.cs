using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Takt.Contracts;

namespace Takt.Orchestration.Standards;

/// <summary>
/// Reads a flow standard document: YAML → the JSON Schema checked in under contracts/flows → the rules a schema
/// cannot state (step references, roles, variation points and their bounds, conditions, durations, actions).
/// Every problem is a violation with a JSON Pointer into the document and a rule (docs/rules.md).
/// </summary>
internal static class FlowStandardReader
{
    private static readonly Lazy<(string Text, JsonSchema Schema)> Schema = new(() =>
    {
        using var stream = typeof(FlowStandardReader).Assembly.GetManifestResourceStream("flow-standard.schema.json")!;
        var text = new StreamReader(stream).ReadToEnd();
        return (text, JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }));
    });

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    /// <summary>The JSON Schema of flow standards, as checked in under <c>contracts/flows/</c> for editors.</summary>
    public static string SchemaText => Schema.Value.Text;

    public static Outcome<FlowDefinition> Read(string document, ISet<string> actions)
    {
        var parsed = YamlDocument.Parse(document);
        if (parsed.IsRejected)
            return Outcome<FlowDefinition>.FromViolations(parsed.Violations);
        var violations = SchemaViolations(parsed.Value);
        if (violations.Count > 0)
            return Outcome<FlowDefinition>.FromViolations(violations);
        var definition = parsed.Value.Deserialize<FlowDefinition>(FlowDefinition.Json)!;
        violations = Check(definition, actions);
        return violations.Count > 0 ? Outcome<FlowDefinition>.FromViolations(violations) : definition;
    }

    internal static List<Violation> SchemaViolations(JsonNode node)
    {
        using var json = JsonDocument.Parse(node.ToJsonString());
        var results = Schema.Value.Schema.Evaluate(json.RootElement, Evaluation);
        var violations = new List<Violation>();
        if (results.IsValid)
            return violations;
        foreach (var detail in results.Details ?? [])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                var rule = keyword.Length > 0 ? keyword : detail.EvaluationPath.ToString().Split('/')[^1];
                violations.Add(new Violation(detail.InstanceLocation.ToString(), "flow.schema-" + rule, message));
            }
        }

        if (violations.Count == 0)
            violations.Add(new Violation("", "flow.schema-invalid", "The document does not match the flow standard schema."));
        return [.. violations.DistinctBy(v => (v.Field, v.Rule))];
    }

    internal static List<Violation> Check(FlowDefinition flow, ISet<string> actions)
    {
        var errors = new List<Violation>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Steps.Count; i++)
        {
            if (!ids.TryAdd(flow.Steps[i].Id, i))
                errors.Add(new Violation($"/steps/{i}/id", "flow.step-id-duplicate", $"Step id '{flow.Steps[i].Id}' is used twice."));
        }

        var roles = flow.Roles is { } declared ? new HashSet<string>(declared, StringComparer.Ordinal) : null;
        var inputs = flow.InputTypes;
        foreach (var name in flow.Points.Keys.Where(inputs.ContainsKey))
            errors.Add(new Violation($"/variationPoints/{name}", "flow.name-collision", $"'{name}' is both an input and a variation point."));

        void Target(string? target, string field)
        {
            if (target is not null && target != FlowStep.End && !ids.ContainsKey(target))
                errors.Add(new Violation(field, "flow.step-unknown", $"No step '{target}' in this standard."));
        }

        void Role(string? role, string field)
        {
            // A role named by a text input ($route) is the caller's to choose at start; only literal roles are checked.
            if (role is not null && roles is not null && !roles.Contains(role) && !(role.StartsWith('$') && inputs.TryGetValue(role[1..], out var kind) && kind == "text"))
                errors.Add(new Violation(field, "flow.role-undeclared", $"Role '{role}' is not among the standard's roles."));
        }

        void Duration(string? text, string field)
        {
            if (text is null)
                return;
            if (text.StartsWith('$'))
            {
                if (!flow.Points.TryGetValue(text[1..], out var point) || point.Kind != "duration")
                    errors.Add(new Violation(field, "flow.point-unknown", $"'{text}' names no duration variation point."));
            }
            else if (!Durations.TryParse(text, out _))
            {
                errors.Add(new Violation(field, "flow.duration-invalid", $"'{text}' is not an ISO 8601 duration such as PT8H."));
            }
        }

        Role(flow.Owner, "/owner");
        if (flow.Trigger?.When is { } trigger && !Condition.TryParse(trigger, out _, out var triggerError))
            errors.Add(new Violation("/trigger/when", "flow.condition-invalid", triggerError));

        for (var i = 0; i < flow.Steps.Count; i++)
        {
            var step = flow.Steps[i];
            var at = $"/steps/{i}";
            Target(step.Next, at + "/next");
            Target(step.OnReject, at + "/onReject");
            Target(step.OnTimeout, at + "/onTimeout");
            Target(step.Otherwise, at + "/otherwise");
            Role(step.Role, at + "/role");
            for (var r = 0; r < (step.Roles?.Count ?? 0); r++)
                Role(step.Roles![r], $"{at}/roles/{r}");
            if (step.Sla is { } sla)
            {
                Duration(sla.Within, at + "/sla/within");
                Duration(sla.RemindAfter, at + "/sla/remindAfter");
                for (var r = 0; r < (sla.EscalateTo?.Count ?? 0); r++)
                    Role(sla.EscalateTo![r], $"{at}/sla/escalateTo/{r}");
            }

            switch (step.Type)
            {
                case StepTypes.Action:
                    if (step.Action is null)
                        errors.Add(new Violation(at + "/action", "flow.action-required", "An action step names its action."));
                    else if (!actions.Contains(step.Action))
                        errors.Add(new Violation(at + "/action", "flow.action-unknown", $"No system action '{step.Action}' is registered ({string.Join(", ", actions.Order(StringComparer.Ordinal))})."));
                    if (step.Compensation is { } compensation && !actions.Contains(compensation.Action))
                        errors.Add(new Violation(at + "/compensation/action", "flow.action-unknown", $"No system action '{compensation.Action}' is registered."));
                    break;
                case StepTypes.Task:
                    if (step.Role is null)
                        errors.Add(new Violation(at + "/role", "flow.task-role-required", "A task names the role that works it."));
                    break;
                case StepTypes.Approval:
                    if (step.Doa is null && step.Role is null && step.Roles is not { Count: > 0 })
                        errors.Add(new Violation(at, "flow.approval-route-required", "An approval names a delegation-of-authority matrix (doa) or its role(s)."));
                    break;
                case StepTypes.Wait:
                    if (step.Event is null)
                        errors.Add(new Violation(at + "/event", "flow.wait-event-required", "A wait step names the event type it waits for."));
                    if (step.Correlate is { } correlate && !inputs.ContainsKey(correlate))
                        errors.Add(new Violation(at + "/correlate", "flow.input-unknown", $"'{correlate}' is not an input."));
                    Duration(step.Timeout, at + "/timeout");
                    break;
                case StepTypes.Timer:
                    if (step.After is null)
                        errors.Add(new Violation(at + "/after", "flow.timer-after-required", "A timer step says how long it waits (after)."));
                    Duration(step.After, at + "/after");
                    break;
                case StepTypes.Decision:
                    if (step.Cases is not { Count: > 0 })
                        errors.Add(new Violation(at + "/cases", "flow.decision-cases-required", "A decision has at least one case."));
                    for (var c = 0; c < (step.Cases?.Count ?? 0); c++)
                    {
                        var @case = step.Cases![c];
                        Target(@case.Next, $"{at}/cases/{c}/next");
                        if (!Condition.TryParse(@case.When, out var condition, out var error))
                        {
                            errors.Add(new Violation($"{at}/cases/{c}/when", "flow.condition-invalid", error));
                            continue;
                        }

                        foreach (var name in condition.Names.Where(n => !inputs.ContainsKey(n) && !flow.Points.ContainsKey(n)))
                            errors.Add(new Violation($"{at}/cases/{c}/when", "flow.condition-name-unknown", $"'{name}' is neither an input nor a variation point."));
                    }

                    break;
                case StepTypes.Parallel:
                    if (step.Next is null)
                        errors.Add(new Violation(at + "/next", "flow.parallel-next-required", "A parallel step names the step after its branches join."));
                    for (var b = 0; b < (step.Branches?.Count ?? 0); b++)
                    {
                        for (var s = 0; s < step.Branches![b].Count; s++)
                        {
                            Target(step.Branches[b][s], $"{at}/branches/{b}/{s}");
                            if (flow.Step(step.Branches[b][s]) is { Type: StepTypes.Parallel or StepTypes.Decision or StepTypes.Compensate })
                                errors.Add(new Violation($"{at}/branches/{b}/{s}", "flow.branch-step-type", "A branch holds actions, tasks, approvals, waits and timers."));
                        }
                    }

                    if (step.Branches is not { Count: >= 2 })
                        errors.Add(new Violation(at + "/branches", "flow.parallel-branches-required", "A parallel step has at least two branches."));
                    break;
            }
        }

        foreach (var (name, point) in flow.Points)
            CheckPoint(flow, name, point, ids, errors);
        return errors;
    }

    private static void CheckPoint(FlowDefinition flow, string name, VariationPoint point, Dictionary<string, int> ids, List<Violation> errors)
    {
        var at = $"/variationPoints/{name}";
        switch (point.Kind)
        {
            case "number" or "money":
                if (Number(point.Min) is not { } min || Number(point.Max) is not { } max)
                {
                    errors.Add(new Violation(at, "flow.point-bounds-required", "A number or money variation point declares min and max."));
                    return;
                }

                if (min > max)
                    errors.Add(new Violation(at + "/min", "flow.point-bounds-order", "min is above max."));
                if (Number(point.Default) is { } d && (d < min || d > max))
                    errors.Add(new Violation(at + "/default", "flow.point-default-out-of-bounds", $"The default {d} lies outside [{min}, {max}]."));
                if (point.Default is null)
                    errors.Add(new Violation(at + "/default", "flow.point-default-required", "A variation point declares the standard's value (default)."));
                break;
            case "duration":
                if (!Durations.TryParse(Text(point.Min), out var low) || !Durations.TryParse(Text(point.Max), out var high))
                {
                    errors.Add(new Violation(at, "flow.point-bounds-required", "A duration variation point declares min and max as ISO 8601 durations."));
                    return;
                }

                if (low > high)
                    errors.Add(new Violation(at + "/min", "flow.point-bounds-order", "min is above max."));
                if (!Durations.TryParse(Text(point.Default), out var standard) || standard < low || standard > high)
                    errors.Add(new Violation(at + "/default", "flow.point-default-out-of-bounds", "The default must be a duration within [min, max]."));
                break;
            case "enum":
                if (point.Values is not { Count: > 0 })
                    errors.Add(new Violation(at + "/values", "flow.point-values-required", "An enum variation point lists its values."));
                else if (Text(point.Default) is not { } value || !point.Values.Contains(value))
                    errors.Add(new Violation(at + "/default", "flow.point-default-out-of-bounds", "The default must be one of the values."));
                break;
            case "step":
                if (point.After is null || !ids.ContainsKey(point.After))
                    errors.Add(new Violation(at + "/after", "flow.step-unknown", $"A step variation point names an existing step to insert after ('{point.After}')."));
                else if (flow.Step(point.After) is { Type: StepTypes.Decision or StepTypes.Parallel })
                    errors.Add(new Violation(at + "/after", "flow.point-after-branching", "A step cannot be inserted after a decision or parallel step."));
                break;
        }
    }

    internal static decimal? Number(JsonElement? e) => e is { ValueKind: JsonValueKind.Number } n ? n.GetDecimal() : null;

    internal static string? Text(JsonElement? e) => e is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    internal static string Amount(decimal value) => value.ToString("#,##0.##", CultureInfo.InvariantCulture);
}
