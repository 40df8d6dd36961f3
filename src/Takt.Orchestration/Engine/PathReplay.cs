using System.Globalization;
using Takt.Orchestration.Standards;

namespace Takt.Orchestration.Engine;

/// <summary>One entry of an instance's step log, as the replay reads it.</summary>
internal sealed record LoggedStep(string Step, string Event, string? Outcome, string? Detail);

/// <summary>
/// Token replay of an instance's path against the graph of the standard version (with the plant's approved variant)
/// it ran on. Each step entered must hold a token: the start puts one on the first step; entering a step consumes a
/// token that allows it and puts one on the steps it may go to (all of a decision's targets, a task's next and
/// reject target, a wait's next and timeout target); a parallel step puts one on each branch, and its join consumes
/// one per branch. A step entered without a token is a missing token (a move the graph does not allow); tokens left
/// when the instance ended (completed or failed) remain. Fitness (Rozinat and van der Aalst) is
/// ½(1 − missing/consumed) + ½(1 − remaining/produced): 1 when the path is one the standard allows.
/// </summary>
internal static class PathReplay
{
    private const string JoinPrefix = "join:";

    public static async Task<InstanceConformance> ReplayAsync(InstanceHeader instance, IReadOnlyList<LoggedStep> log, Func<int, string?, Task<ResolvedFlow>> graphOf)
    {
        var graph = await graphOf(StartVersion(instance, log), StartVariant(instance, log));
        var tokens = new List<Token>();
        var path = new List<string>();
        var deviations = new List<PathDeviation>();
        long produced = 0, consumed = 0, missing = 0, remaining = 0, variantMoves = 0;
        var open = new HashSet<string>(StringComparer.Ordinal);
        string last = "start";

        void Produce(string producer, IEnumerable<string> allowed)
        {
            tokens.Add(new Token(producer, new HashSet<string>(allowed, StringComparer.Ordinal)));
            produced++;
        }

        void Consume(string step, string label)
        {
            consumed++;
            var token = tokens.FindIndex(t => t.Allowed.Contains(step));
            if (token >= 0)
            {
                tokens.RemoveAt(token);
                return;
            }

            missing++;
            var allowed = tokens.SelectMany(t => t.Allowed).Distinct(StringComparer.Ordinal).Select(Name).Order(StringComparer.Ordinal).ToList();
            deviations.Add(new PathDeviation("unexpected-move", last, label,
                $"{last} → {label} is not a move of {graph.Definition.Flow} v{graph.Definition.Version}" + (graph.VariantId is null ? "" : $" with variant {graph.VariantId}")
                + (allowed.Count == 0 ? "; no step was due." : $"; due: {string.Join(", ", allowed)}.")));
        }

        void Enter(string step)
        {
            Consume(step, step);
            path.Add(step);
            if (graph.VariantSteps.Contains(step))
                variantMoves++;
            last = step;
            if (graph.Definition.Step(step) is not { } definition)
                return;
            if (definition.Type == StepTypes.Parallel)
            {
                foreach (var branch in definition.Branches!)
                    Produce(step, [branch[0]]);
                return;
            }

            Produce(step, Successors(graph, definition));
        }

        foreach (var entry in log)
        {
            if (entry.Step.Length == 0)
            {
                switch (entry.Event)
                {
                    case "started":
                        Produce("", [graph.Definition.Steps[0].Id]);
                        break;
                    case "migrated" when ParseMigration(entry.Outcome) is { } to:
                        // From here the target version's graph holds: each token moves to where its step goes there
                        // (migration needs every step the instance waits in to exist there).
                        graph = await graphOf(to, instance.VariantId);
                        for (var t = 0; t < tokens.Count; t++)
                        {
                            var producer = tokens[t].Producer;
                            if (producer.Length == 0)
                                tokens[t] = tokens[t] with { Allowed = new HashSet<string>([graph.Definition.Steps[0].Id], StringComparer.Ordinal) };
                            else if (graph.Definition.Step(producer) is { Type: not StepTypes.Parallel } moved)
                                tokens[t] = tokens[t] with { Allowed = new HashSet<string>(Successors(graph, moved), StringComparer.Ordinal) };
                        }

                        break;
                    case "completed":
                        Consume(FlowStep.End, "(end)");
                        path.Add(FlowStep.End);
                        last = FlowStep.End;
                        break;
                }

                continue;
            }

            var type = graph.Definition.Step(entry.Step)?.Type;
            switch (entry.Event)
            {
                case "waiting":
                case "forked":
                    if (open.Add(entry.Step))
                        Enter(entry.Step);
                    break;
                case "decided":
                    Enter(entry.Step);
                    break;
                case "completed" when type == StepTypes.Parallel:
                    open.Remove(entry.Step);
                    var parallel = graph.Step(entry.Step);
                    for (var b = 0; b < parallel.Branches!.Count; b++)
                        Consume(JoinPrefix + entry.Step, $"join of {entry.Step}");
                    last = $"join of {entry.Step}";
                    Produce(entry.Step, [parallel.Next ?? FlowStep.End]);
                    break;
                case "completed":
                case "rejected":
                case "timed-out":
                    // The end of a step that waited (task, approval, wait, timer); an action or compensation enters and ends at once.
                    if (!open.Remove(entry.Step))
                        Enter(entry.Step);
                    break;
            }
        }

        var ended = instance.Status is "completed" or "failed";
        if (ended)
        {
            foreach (var token in tokens)
            {
                remaining++;
                var due = token.Allowed.Select(Name).Order(StringComparer.Ordinal).ToList();
                deviations.Add(new PathDeviation("left-unfinished", last, string.Join(" | ", due), $"The instance {instance.Status} with a step still due: {string.Join(" or ", due)}."));
            }
        }

        var fitness = consumed == 0 || produced == 0 ? 1.0 : 0.5 * (1 - (double)missing / consumed) + 0.5 * (1 - (double)remaining / produced);
        return new InstanceConformance(instance.Id, instance.Plant, instance.Flow, instance.Version, instance.VariantId, instance.Status,
            Math.Round(fitness, 4), produced, consumed, missing, remaining, variantMoves, path, deviations);
    }

    /// <summary>The steps a step may go to; the last step of a parallel branch goes to its join.</summary>
    internal static IEnumerable<string> Successors(ResolvedFlow graph, FlowStep step)
    {
        if (graph.BranchOf.TryGetValue(step.Id, out var at))
        {
            var branch = graph.Step(at.Parallel).Branches![at.Branch];
            return at.Position + 1 < branch.Count ? [branch[at.Position + 1]] : [JoinPrefix + at.Parallel];
        }

        var next = step.Next ?? FlowStep.End;
        return step.Type switch
        {
            StepTypes.Decision => [.. step.Cases!.Select(c => c.Next), step.Otherwise ?? next],
            StepTypes.Task or StepTypes.Approval => [next, step.OnReject ?? (step.Type == StepTypes.Task ? next : FlowStep.End)],
            StepTypes.Wait => [next, step.OnTimeout ?? next],
            _ => [next],
        };
    }

    private static string Name(string allowed) => allowed.StartsWith(JoinPrefix, StringComparison.Ordinal) ? $"join of {allowed[JoinPrefix.Length..]}" : allowed == FlowStep.End ? "(end)" : allowed;

    private static int? ParseMigration(string? outcome)
    {
        // "v1→v2"
        var arrow = outcome?.IndexOf('→', StringComparison.Ordinal) ?? -1;
        return arrow > 0 && outcome![(arrow + 1)..].TrimStart('v') is var to && int.TryParse(to, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }

    private static int StartVersion(InstanceHeader instance, IReadOnlyList<LoggedStep> log)
    {
        // A migrated instance started on the version its first migration moved it from.
        var first = log.FirstOrDefault(l => l.Step.Length == 0 && l.Event == "migrated");
        return first?.Outcome is { } outcome && outcome.StartsWith('v') && outcome.IndexOf('→', StringComparison.Ordinal) is > 1 and var arrow
            && int.TryParse(outcome[1..arrow], NumberStyles.None, CultureInfo.InvariantCulture, out var from) ? from : instance.Version;
    }

    private static string? StartVariant(InstanceHeader instance, IReadOnlyList<LoggedStep> log)
    {
        if (!log.Any(l => l.Step.Length == 0 && l.Event == "migrated"))
            return instance.VariantId;
        // The start's log names the variant it started with: "<flow> v1 with variant <id>".
        const string marker = " with variant ";
        var detail = log.FirstOrDefault(l => l.Step.Length == 0 && l.Event == "started")?.Detail;
        var at = detail?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        return at >= 0 ? detail![(at + marker.Length)..] : null;
    }
}

/// <summary>A token: the step that produced it ("" for the start) and the steps it allows next.</summary>
internal sealed record Token(string Producer, HashSet<string> Allowed);

internal sealed record InstanceHeader(string Id, string Plant, string Flow, int Version, string? VariantId, string Status);
