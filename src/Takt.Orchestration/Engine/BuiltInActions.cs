using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>
/// <c>signal</c>: publishes <c>takt.orchestration.signal.v1</c> (with <c>name</c>) through the outbox in the step's
/// transaction. It is how a standard asks another module or system to act (create the expedite order, release the
/// hold) until that module plugs in an action of its own; subscribers and webhooks receive it exactly once per step.
/// </summary>
internal sealed class SignalAction(Outbox outbox, TimeProvider clock) : IFlowAction
{
    public const string Type = EventTypes.OrchestrationSignal;

    public string Name => "signal";

    public Task RunAsync(FlowActionContext context, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var name = (context.With.TryGetValue("name", out var n) ? n.GetString() : null) ?? context.Step;
        var data = new OrchestrationSignal(
            name, context.Compensating, context.InstanceId, context.Flow, context.Version, context.Step, context.Plant, context.Variables);
        outbox.Enqueue(context.Transaction, new OutboxMessage(
            Guid.CreateVersion7(now).ToString(), Type, FlowEngine.Source, context.InstanceId, context.Plant, now,
            JsonSerializer.Serialize(data, EventJson.Default.OrchestrationSignal)));
        return Task.CompletedTask;
    }
}

/// <summary><c>set</c>: sets instance variables from the step's parameters (saved with the step).</summary>
internal sealed class SetAction : IFlowAction
{
    public string Name => "set";

    public Task RunAsync(FlowActionContext context, CancellationToken ct)
    {
        foreach (var (name, value) in context.With)
            context.Variables[name] = JsonNode.Parse(value.GetRawText());
        return Task.CompletedTask;
    }
}

/// <summary>
/// <c>flows.decide-variant</c>: ends a variant's approval flow: <c>decision: activate</c> makes the proposed variant its
/// plant's active one (the previous one is superseded), <c>decision: reject</c> rejects it.
/// </summary>
internal sealed class DecideVariantAction(TimeProvider clock) : IFlowAction
{
    public string Name => "flows.decide-variant";

    public async Task RunAsync(FlowActionContext context, CancellationToken ct)
    {
        var tx = context.Transaction;
        var variant = context.Variables["variant"]!.GetValue<string>();
        var now = clock.GetUtcNow().ToUnixMicroseconds();
        var activate = context.With.TryGetValue("decision", out var d) && d.GetString() == "activate";
        if (!activate)
        {
            await tx.ExecuteAsync("UPDATE orch_variant SET status = 'rejected', decided_at_us = $1 WHERE id = $2 AND status = 'proposed'", ct, now, variant);
            return;
        }

        await using (var reader = await tx.Command("SELECT flow, plant FROM orch_variant WHERE id = $1", variant).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new InvalidOperationException($"No variant {variant}.");
            var (flow, plant) = (reader.GetString(0), reader.GetString(1));
            await reader.DisposeAsync();
            await tx.ExecuteAsync("UPDATE orch_variant SET status = 'superseded', decided_at_us = $1 WHERE flow = $2 AND plant = $3 AND status = 'active'", ct, now, flow, plant);
        }

        await tx.ExecuteAsync("UPDATE orch_variant SET status = 'active', decided_at_us = $1 WHERE id = $2 AND status = 'proposed'", ct, now, variant);
    }
}

internal static class ActionValues
{
    public static string? Text(this IReadOnlyDictionary<string, JsonElement> with, string name) =>
        with.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
