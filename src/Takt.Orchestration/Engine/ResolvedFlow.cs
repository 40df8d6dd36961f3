using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Orchestration.Standards;
using Takt.Orchestration.Variants;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>
/// A standard version with a plant's variant applied: the steps an instance runs and the values of the variation
/// points. Published standards and stored variants never change, so each (flow, version, variant) is read once.
/// </summary>
internal sealed class ResolvedFlow
{
    public ResolvedFlow(FlowDefinition standard, VariantSettings? variant, string? variantId)
    {
        Standard = standard;
        Definition = VariantDocument.Apply(standard, variant);
        Values = VariantDocument.Values(standard, variant);
        VariantId = variantId;
        VariantSteps = variant is null ? [] : [.. variant.Steps.Values.Select(s => s.Id)];
        Sequential = Definition.Steps.All(s => s.Type is StepTypes.Action or StepTypes.Decision or StepTypes.Timer or StepTypes.Compensate);
        foreach (var step in Definition.Steps.Where(s => s.Type == StepTypes.Parallel))
        {
            for (var b = 0; b < step.Branches!.Count; b++)
            {
                for (var p = 0; p < step.Branches[b].Count; p++)
                    BranchOf[step.Branches[b][p]] = (step.Id, b, p);
            }
        }
    }

    public FlowDefinition Standard { get; }

    /// <summary>True when no person, event or branch moves the instance: only the worker does, one transition at a time.</summary>
    public bool Sequential { get; }

    public FlowDefinition Definition { get; }

    public IReadOnlyDictionary<string, JsonElement> Values { get; }

    public string? VariantId { get; }

    public HashSet<string> VariantSteps { get; }

    /// <summary>Steps inside a parallel step's branches: which parallel step, which branch, which position.</summary>
    public Dictionary<string, (string Parallel, int Branch, int Position)> BranchOf { get; } = new(StringComparer.Ordinal);

    public FlowStep Step(string id) => Definition.Step(id) ?? throw new InvalidOperationException($"{Definition.Flow} v{Definition.Version} has no step '{id}'.");

    /// <summary>A duration as written in the standard (PT8H) or a variation point's value ($escalateAfter).</summary>
    public TimeSpan Duration(string text)
    {
        var value = text.StartsWith('$') ? Values[text[1..]].GetString() : text;
        return Durations.TryParse(value, out var duration) ? duration : throw new InvalidOperationException($"Bad duration '{text}'.");
    }

    /// <summary>A name in a condition: a variation point's value, else an input (money by its amount).</summary>
    public static object? Resolve(string name, IReadOnlyDictionary<string, JsonElement> values, JsonObject variables)
    {
        if (values.TryGetValue(name, out var point))
            return point.ValueKind == JsonValueKind.Number ? point.GetDecimal() : point.GetString();
        return variables[name] switch
        {
            JsonObject money when money["amount"] is JsonValue amount => amount.GetValue<decimal>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<decimal>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
    }

    public object? Resolve(string name, JsonObject variables) => Resolve(name, Values, variables);

    /// <summary>A role as written in the step, or an input's value (<c>$ownerRole</c>).</summary>
    public static string Role(string role, JsonObject variables) =>
        role.StartsWith('$') ? variables[role[1..]]?.GetValue<string>() ?? throw new InvalidOperationException($"No input '{role}'.") : role;

    public static string Text(JsonObject variables, string name) =>
        variables[name] is JsonValue v ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : "";

    public static string Format(decimal value) => value.ToString("#,##0.##", CultureInfo.InvariantCulture);
}

/// <summary>The cache of resolved flows, read from the store on first use.</summary>
internal sealed class FlowCatalog
{
    private readonly ConcurrentDictionary<(string Flow, int Version, string? Variant), ResolvedFlow> flows = new();

    public async Task<ResolvedFlow> GetAsync(StoreTransaction tx, string flow, int version, string? variantId, CancellationToken ct)
    {
        if (flows.TryGetValue((flow, version, variantId), out var cached))
            return cached;
        var document = await tx.Command("SELECT definition FROM orch_standard WHERE flow = $1 AND version = $2", flow, (long)version).ExecuteScalarAsync(ct) as string
            ?? throw new InvalidOperationException($"No standard {flow} v{version}.");
        var standard = JsonSerializer.Deserialize<FlowDefinition>(document, FlowDefinition.Json)!;
        VariantSettings? variant = null;
        if (variantId is not null)
        {
            var settings = await tx.Command("SELECT settings FROM orch_variant WHERE id = $1", variantId).ExecuteScalarAsync(ct) as string
                ?? throw new InvalidOperationException($"No variant {variantId}.");
            variant = JsonSerializer.Deserialize<VariantSettings>(settings, FlowDefinition.Json);
        }

        var resolved = new ResolvedFlow(standard, variant, variantId);
        // Only published (immutable) versions are cached; a draft may still be replaced.
        var status = await tx.Command("SELECT status FROM orch_standard WHERE flow = $1 AND version = $2", flow, (long)version).ExecuteScalarAsync(ct) as string;
        if (status != "draft")
            flows[(flow, version, variantId)] = resolved;
        return resolved;
    }
}
