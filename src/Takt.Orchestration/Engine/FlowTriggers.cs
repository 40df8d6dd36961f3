using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takt.Orchestration.Standards;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>
/// Reads canonical events from the outbox (an in-process subscriber: its effects commit with its position, so each
/// event has its effect exactly once): starts the flows whose published standard it triggers, records exceptions
/// for the standardized resolution rate, and ends the waits of instances waiting for it (matched by subject).
/// </summary>
internal sealed partial class FlowTriggers(IServiceProvider services, ILogger<FlowTriggers> logger) : IOutboxSubscriber
{
    // The engine writes to the outbox, whose subscribers include this one: resolved at first use, not at construction.
    private FlowEngine? resolved;

    private FlowEngine engine => resolved ??= services.GetRequiredService<FlowEngine>();

    public string Name => "orchestration.flows";

    public bool Accepts(OutboxMessage message) => !message.Type.StartsWith("takt.orchestration.", StringComparison.Ordinal);

    public Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct) =>
        HandleBatchAsync(transaction, [message], ct);

    public async Task HandleBatchAsync(StoreTransaction tx, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        var types = messages.Select(m => m.Type).Distinct(StringComparer.Ordinal).ToList();
        var (condition, value) = SqlList.In(tx, "trigger_event", types);
        var triggers = new List<FlowDefinition>();
        await using (var reader = await tx.Command($"SELECT definition FROM orch_standard s WHERE status = 'published' AND {condition} AND version = (SELECT MAX(version) FROM orch_standard t WHERE t.flow = s.flow AND t.status = 'published')", value).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                triggers.Add(JsonSerializer.Deserialize<FlowDefinition>(reader.GetString(0), FlowDefinition.Json)!);
        }

        var (waitCondition, waitValue) = SqlList.In(tx, "event_type", types);
        var waits = new List<(string Instance, string Step, string Type, string Correlation)>();
        await using (var reader = await tx.Command($"SELECT instance_id, step, event_type, correlation FROM orch_wait WHERE {waitCondition}", waitValue).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                waits.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        if (triggers.Count == 0 && waits.Count == 0)
            return;
        foreach (var message in messages)
        {
            JsonObject? data = null;
            foreach (var flow in triggers.Where(t => t.Trigger!.Event == message.Type))
            {
                data ??= JsonNode.Parse(message.Data) as JsonObject ?? [];
                await TriggerAsync(tx, flow, message, data, ct);
            }

            foreach (var wait in waits.Where(w => w.Type == message.Type))
            {
                if (wait.Correlation == message.Subject || Correlates(ref data, message, wait.Correlation))
                    await EndWaitAsync(tx, wait.Instance, wait.Step, message, ct);
            }
        }
    }

    /// <summary>
    /// An event may name further keys a wait correlates on, besides its subject: <c>requisitions</c> (a purchase order
    /// confirmation names the requisitions it orders, so the expedite standard, which waits on its requisition, ends).
    /// </summary>
    private static bool Correlates(ref JsonObject? data, OutboxMessage message, string correlation)
    {
        data ??= JsonNode.Parse(message.Data) as JsonObject ?? [];
        return data["requisitions"] is JsonArray keys && keys.Any(k => k is JsonValue v && v.TryGetValue<string>(out var key) && key == correlation);
    }

    private async Task TriggerAsync(StoreTransaction tx, FlowDefinition flow, OutboxMessage message, JsonObject data, CancellationToken ct)
    {
        string? exception = null;
        if (flow.Category == "exception")
        {
            exception = message.Id;
            await tx.ExecuteAsync("INSERT INTO orch_exception (id, type, plant, occurred_at_us) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", ct,
                exception, message.Type, message.Plant, message.Time.ToUnixMicroseconds());
        }

        if (flow.Trigger!.When is { } when && Condition.TryParse(when, out var condition, out _)
            && !condition.Evaluate(name => ResolvedFlow.Resolve(name, new Dictionary<string, JsonElement>(StringComparer.Ordinal), data)))
            return;
        var variables = new JsonObject();
        foreach (var input in flow.InputTypes.Keys.Where(data.ContainsKey))
            variables[input] = data[input]!.DeepClone();
        var started = await engine.StartAsync(tx, new StartFlow(flow.Flow, message.Plant ?? "", message.Source, variables), message.Type, exception, ct);
        if (started.IsRejected)
        {
            LogNotStarted(logger, flow.Flow, message.Id, string.Join("; ", started.Violations.Select(v => $"{v.Field} {v.Rule}")));
            return;
        }

        if (exception is not null)
            await tx.ExecuteAsync("UPDATE orch_exception SET instance_id = $1 WHERE id = $2", ct, started.Value.Id, exception);
        tx.OnCommitted(engine.Wake);
    }

    private async Task EndWaitAsync(StoreTransaction tx, string instanceId, string stepId, OutboxMessage message, CancellationToken ct)
    {
        if (await tx.ExecuteAsync("DELETE FROM orch_wait WHERE instance_id = $1 AND step = $2", ct, instanceId, stepId) == 0)
            return;
        await tx.ExecuteAsync("DELETE FROM orch_work WHERE instance_id = $1 AND step = $2 AND kind = 'timeout'", ct, instanceId, stepId);
        var instances = await FlowEngine.InstancesAsync(tx, [instanceId], ct);
        var instance = instances[instanceId];
        if (instance.Status != "running")
            return;
        var flow = await engine.Catalog.GetAsync(tx, instance.Flow, instance.Version, instance.VariantId, ct);
        var step = flow.Step(stepId);
        engine.Log(tx, instanceId, stepId, "completed", message.Type, message.Id);
        engine.Trace(tx, instance, "step-completed", stepId, new JsonObject { ["event"] = message.Id });
        await engine.AdvanceAsync(tx, instance, flow, step, step.Next, "completed", ct);
        tx.OnCommitted(engine.Wake);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow} not started for event {EventId}: {Violations}")]
    private static partial void LogNotStarted(ILogger logger, string flow, string eventId, string violations);
}
