using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Orchestration.Approvals;
using Takt.Orchestration.Standards;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>Human tasks and approvals: creation with SLA timers, reminders, escalation, and what people do with them.</summary>
internal sealed partial class FlowEngine
{
    private sealed record TaskRow(string Id, string InstanceId, string Step, string Kind, string Plant, string? CostCenter, string Role, int Level, string Status, string? Assignee, int Escalations);

    private async Task EnterApprovalAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, FlowStep step, CancellationToken ct)
    {
        DoaRouting routing;
        if (step.Doa is { } matrixName)
        {
            var matrix = await DoaAsync(tx, matrixName, ct) ?? throw new InvalidOperationException($"No published delegation-of-authority matrix '{matrixName}'.");
            var routed = matrix.Route(DoaRequestOf(instance));
            if (routed.IsRejected)
                throw new InvalidOperationException(string.Join("; ", routed.Violations.Select(v => $"{v.Rule}: {v.Detail}")));
            routing = routed.Value;
        }
        else
        {
            var roles = step.Roles ?? [step.Role!];
            var parallel = step.Mode == "parallel";
            var levels = roles.Select((r, i) => new DoaLevel(parallel ? 1 : i + 1, [new DoaApprover(ResolvedFlow.Role(r, instance.Variables), $"{instance.Plant} {ResolvedFlow.Role(r, instance.Variables)}: named by step '{step.Id}' of {instance.Flow} v{instance.Version}")]))
                .GroupBy(l => l.Level).Select(g => new DoaLevel(g.Key, [.. g.SelectMany(l => l.Approvers)])).ToList();
            routing = new DoaRouting("step", instance.Version, "sequential", levels, [.. levels.SelectMany(l => l.Approvers.Select(a => a.Explanation))]);
        }

        if (routing.Levels.Count == 0)
        {
            Log(tx, instance.Id, step.Id, "completed", "auto-approved", routing.Explanations[0]);
            Trace(tx, instance, "step-completed", step.Id, new JsonObject { ["outcome"] = "auto-approved", ["explanation"] = routing.Explanations[0] });
            await AdvanceAsync(tx, instance, flow, step, step.Next, "approved", ct);
            return;
        }

        tx.Stage("INSERT INTO orch_approval (instance_id, step, routing, level) VALUES ($1, $2, $3, $4) ON CONFLICT (instance_id, step) DO UPDATE SET routing = excluded.routing, level = excluded.level",
            instance.Id, step.Id, JsonSerializer.Serialize(routing, FlowDefinition.Json), (long)routing.Levels[0].Level);
        var levelsNow = routing.Mode == "parallel" ? routing.Levels : [routing.Levels[0]];
        foreach (var level in levelsNow)
        {
            foreach (var approver in level.Approvers)
                await CreateTaskAsync(tx, instance, flow, step, "approval", approver.Role, level.Level, approver.Explanation, ct);
        }

        Log(tx, instance.Id, step.Id, "waiting", "approval", string.Join(" | ", routing.Explanations));
    }

    /// <summary>What the matrix routes by, from the instance's inputs: value, plant, category, urgency, supplier risk.</summary>
    private static DoaRequest DoaRequestOf(InstanceRow instance)
    {
        var value = instance.Variables["value"] as JsonObject;
        return new DoaRequest(
            new Money(value?["amount"]?.GetValue<decimal>() ?? 0m, Currency.TryParse(value?["currency"]?.GetValue<string>(), out var c) ? c : Currency.Eur),
            instance.Plant,
            Optional(instance.Variables, "category"),
            Optional(instance.Variables, "urgency"),
            Optional(instance.Variables, "supplierRisk"));
    }

    /// <summary>
    /// The roles a task escalates to, in order, with why: for an approval routed by a matrix, the higher levels of the
    /// matrix version that routed it (for the instance's plant, category, urgency and supplier risk), then the step's
    /// own <c>escalateTo</c> roles not yet among them; for other tasks the step's <c>escalateTo</c>.
    /// </summary>
    private static async Task<IReadOnlyList<DoaApprover>> EscalationChainAsync(StoreTransaction tx, InstanceRow instance, FlowStep step, TaskRow task, CancellationToken ct)
    {
        var chain = new List<DoaApprover>();
        if (task.Kind == "approval" && step.Doa is not null
            && await tx.Command("SELECT routing FROM orch_approval WHERE instance_id = $1 AND step = $2", instance.Id, step.Id).ExecuteScalarAsync(ct) is string routingJson
            && JsonSerializer.Deserialize<DoaRouting>(routingJson, FlowDefinition.Json) is { } routing
            && await tx.Command("SELECT definition FROM orch_doa WHERE name = $1 AND version = $2", routing.Matrix, (long)routing.Version).ExecuteScalarAsync(ct) is string matrixJson
            && JsonSerializer.Deserialize<DoaMatrix>(matrixJson, FlowDefinition.Json) is { } matrix)
        {
            chain.AddRange(matrix.EscalationChain(DoaRequestOf(instance), task.Level));
        }

        foreach (var role in step.Sla?.EscalateTo ?? [])
        {
            var resolved = ResolvedFlow.Role(role, instance.Variables);
            if (chain.All(a => a.Role != resolved))
                chain.Add(new DoaApprover(resolved, $"escalateTo of step '{step.Id}' of {instance.Flow} v{instance.Version}"));
        }

        return chain;
    }

    private static string? Optional(JsonObject variables, string name) => variables[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private async Task CreateTaskAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, FlowStep step, string kind, string role, int level, string? explanation, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString();
        var costCenter = Optional(instance.Variables, "costCenter");
        DateTimeOffset? due = null;
        if (step.Sla is { } sla)
        {
            var calendar = await CalendarAsync(tx, instance.Plant, ct);
            due = calendar.Add(now, flow.Duration(sla.Within));
            Schedule(tx, instance.Id, step.Id, "escalate", due.Value, id);
            if (sla.RemindAfter is { } remind)
                Schedule(tx, instance.Id, step.Id, "remind", calendar.Add(now, flow.Duration(remind)), id);
        }

        var title = step.Title ?? step.Id;
        tx.Stage(
            "INSERT INTO orch_task (id, instance_id, step, kind, plant, cost_center, role, level, status, title, explanation, created_at_us, due_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            id, instance.Id, step.Id, kind, instance.Plant, costCenter, role, (long)level, "open", title, explanation, now.ToUnixMicroseconds(), due?.ToUnixMicroseconds());
        History(tx, id, "created", null, explanation ?? $"for {role} at {instance.Plant}" + (costCenter is null ? "" : $", cost center {costCenter}"));
        Trace(tx, instance, "task-created", step.Id, new JsonObject { ["task"] = id, ["role"] = role, ["level"] = level, ["explanation"] = explanation }, id);
        outbox.Enqueue(tx, new OutboxMessage(
            Guid.CreateVersion7(now).ToString(), EventTypes.OrchestrationTaskCreated, Source, id, instance.Plant, now,
            JsonSerializer.Serialize(new OrchestrationTaskCreated(id, instance.Id, instance.Flow, step.Id, role, instance.Plant, costCenter, due, explanation), EventJson.Default.OrchestrationTaskCreated)));
    }

    private void History(StoreTransaction tx, string task, string action, string? actor, string? detail) =>
        tx.Stage("INSERT INTO orch_task_history (task_id, action, actor, at_us, detail) VALUES ($1, $2, $3, $4, $5)", task, action, actor, clock.GetUtcNow().ToUnixMicroseconds(), detail);

    private async Task RemindAsync(StoreTransaction tx, InstanceRow instance, FlowStep step, string task, CancellationToken ct)
    {
        if (await tx.ExecuteAsync("UPDATE orch_task SET reminders = reminders + 1 WHERE id = $1 AND status = 'open'", ct, task) == 0)
            return;
        History(tx, task, "reminded", null, $"SLA reminder after {step.Sla?.RemindAfter}");
        Trace(tx, instance, "task-reminded", step.Id, new JsonObject { ["task"] = task }, task);
    }

    /// <summary>The SLA lapsed: the task moves to the next role of the escalation chain, once per lapse; its next SLA starts.</summary>
    private async Task EscalateAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, FlowStep step, string taskId, CancellationToken ct)
    {
        var task = await TaskRowAsync(tx, taskId, ct);
        if (task is null || task.Status != "open")
            return;
        var chain = await EscalationChainAsync(tx, instance, step, task, ct);
        var now = clock.GetUtcNow();
        if (task.Escalations < chain.Count)
        {
            var to = chain[task.Escalations].Role;
            var calendar = await CalendarAsync(tx, instance.Plant, ct);
            var due = calendar.Add(now, flow.Duration(step.Sla!.Within));
            if (await tx.ExecuteAsync("UPDATE orch_task SET role = $1, assignee = NULL, escalations = escalations + 1, due_at_us = $2 WHERE id = $3 AND status = 'open' AND escalations = $4", ct,
                    to, due.ToUnixMicroseconds(), taskId, (long)task.Escalations) == 0)
                return;
            var why = $"SLA {step.Sla.Within} lapsed at {now:O}: escalated from {task.Role} to {to} ({chain[task.Escalations].Explanation})";
            History(tx, taskId, "escalated", null, why);
            Log(tx, instance.Id, step.Id, "escalated", to, why);
            Trace(tx, instance, "task-escalated", step.Id, new JsonObject { ["task"] = taskId, ["from"] = task.Role, ["to"] = to }, taskId);
            Schedule(tx, instance.Id, step.Id, "escalate", due, taskId);
        }
        else
        {
            if (await tx.ExecuteAsync("UPDATE orch_task SET escalations = escalations + 1 WHERE id = $1 AND status = 'open' AND escalations = $2", ct, taskId, (long)task.Escalations) == 0)
                return;
            var why = $"SLA lapsed at {now:O}; no further escalation level after {task.Role}";
            History(tx, taskId, "sla-lapsed", null, why);
            Log(tx, instance.Id, step.Id, "sla-lapsed", task.Role, why);
        }
    }

    private static async Task<TaskRow?> TaskRowAsync(StoreTransaction tx, string id, CancellationToken ct)
    {
        var locked = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE" : "";
        await using var reader = await tx.Command("SELECT id, instance_id, step, kind, plant, cost_center, role, level, status, assignee, escalations FROM orch_task WHERE id = $1" + locked, id).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new TaskRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6), reader.GetInt32(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetInt32(10))
            : null;
    }

    internal static async Task<bool> HoldsRoleAsync(StoreTransaction tx, string user, string role, string plant, string? costCenter, CancellationToken ct) =>
        await tx.Command(
            "SELECT COUNT(*) FROM orch_role_assignment WHERE user_id = $1 AND role = $2 AND plant IN ($3, '*') AND cost_center IN ($4, '*')",
            user, role, plant, costCenter ?? "*").ExecuteScalarAsync(ct) is { } n && Convert.ToInt64(n, System.Globalization.CultureInfo.InvariantCulture) > 0;

    internal static async Task<DoaMatrix?> DoaAsync(StoreTransaction tx, string name, CancellationToken ct) =>
        await tx.Command("SELECT definition FROM orch_doa WHERE name = $1 AND status = 'published' ORDER BY version DESC LIMIT 1", name).ExecuteScalarAsync(ct) is string json
            ? JsonSerializer.Deserialize<DoaMatrix>(json, FlowDefinition.Json)
            : null;

    /// <summary>Claim, approve, reject, complete, delegate or reassign a task; decisions move the instance on in the same transaction.</summary>
    public async Task<Outcome<string>> ActAsync(StoreTransaction tx, string taskId, TaskAction action, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(action.Actor))
            return new Violation("/actor", "task.actor-required", "Name the person acting (actor).");
        var task = await TaskRowAsync(tx, taskId, ct);
        if (task is null)
            return new Violation("/id", "task.unknown", $"No task '{taskId}'.");
        if (task.Status != "open")
            return new Violation("/id", "task.closed", $"Task {taskId} is {task.Status}.");
        var instance = (await InstancesAsync(tx, [task.InstanceId], ct))[task.InstanceId];
        var flow = await catalog.GetAsync(tx, instance.Flow, instance.Version, instance.VariantId, ct);
        var step = flow.Step(task.Step);
        var actor = action.Actor;
        var holdsRole = await HoldsRoleAsync(tx, actor, task.Role, task.Plant, task.CostCenter, ct);
        var mine = task.Assignee == actor || (task.Assignee is null && holdsRole);
        switch (action.Verb)
        {
            case TaskVerb.Claim:
                if (!holdsRole)
                    return RoleRequired(task, actor);
                if (task.Assignee is not null && task.Assignee != actor)
                    return new Violation("/id", "task.claimed-by-other", $"Task {taskId} is claimed by {task.Assignee}.");
                await tx.ExecuteAsync("UPDATE orch_task SET assignee = $1 WHERE id = $2", ct, actor, taskId);
                History(tx, taskId, "claimed", actor, null);
                return taskId;
            case TaskVerb.Delegate:
                if (!mine)
                    return NotYours(task, actor);
                if (string.IsNullOrWhiteSpace(action.To) || action.To == actor)
                    return new Violation("/to", "task.delegate-required", "Name the person the task is delegated to (not yourself).");
                if (task.Kind == "approval" && action.To == instance.Requester)
                    return new Violation("/to", "sod.requester-approves", $"{action.To} requested this flow and may not approve it (segregation of duties).");
                await tx.ExecuteAsync("UPDATE orch_task SET assignee = $1 WHERE id = $2", ct, action.To, taskId);
                History(tx, taskId, "delegated", actor, $"to {action.To}" + (action.Comment is null ? "" : $": {action.Comment}"));
                return taskId;
            case TaskVerb.Reassign:
                var owner = ResolvedFlow.Role(flow.Definition.Owner, instance.Variables);
                if (!await HoldsRoleAsync(tx, actor, "task-admin", task.Plant, null, ct) && !await HoldsRoleAsync(tx, actor, owner, task.Plant, null, ct))
                    return new Violation("/actor", "task.reassign-forbidden", $"Only a task-admin or the process owner ({owner}) at {task.Plant} reassigns tasks; {actor} is neither.");
                if (string.IsNullOrWhiteSpace(action.To))
                    return new Violation("/to", "task.assignee-required", "Name the person the task is reassigned to.");
                if (!await HoldsRoleAsync(tx, action.To, task.Role, task.Plant, task.CostCenter, ct))
                    return new Violation("/to", "task.assignee-lacks-role", $"{action.To} does not hold {task.Role} at {task.Plant}" + (task.CostCenter is null ? "" : $" for cost center {task.CostCenter}") + ".");
                await tx.ExecuteAsync("UPDATE orch_task SET assignee = $1 WHERE id = $2", ct, action.To, taskId);
                History(tx, taskId, "reassigned", actor, $"to {action.To}" + (action.Comment is null ? "" : $": {action.Comment}"));
                return taskId;
        }

        // Approve, reject, complete.
        if (action.Verb == TaskVerb.Approve && task.Kind != "approval")
            return new Violation("/verb", "task.verb-invalid", $"Task {taskId} is a {task.Kind}: complete or reject it.");
        if (action.Verb == TaskVerb.Complete && task.Kind == "approval")
            return new Violation("/verb", "task.verb-invalid", $"Task {taskId} is an approval: approve or reject it.");
        if (!mine)
            return task.Assignee is null ? RoleRequired(task, actor) : NotYours(task, actor);
        if (action.Verb == TaskVerb.Reject && string.IsNullOrWhiteSpace(action.Comment))
            return new Violation("/comment", "task.comment-required", "A rejection says why (comment).");
        if (task.Kind == "approval")
        {
            var sod = await SegregationAsync(tx, task, instance, actor, ct);
            if (sod is not null)
                return sod;
        }

        var now = clock.GetUtcNow();
        var status = action.Verb switch { TaskVerb.Approve => "approved", TaskVerb.Reject => "rejected", _ => "completed" };
        if (await tx.ExecuteAsync("UPDATE orch_task SET status = $1, decided_at_us = $2, decided_by = $3, decided_role = $4, comment = $5, assignee = $3 WHERE id = $6 AND status = 'open'", ct,
                status, now.ToUnixMicroseconds(), actor, task.Role, action.Comment, taskId) == 0)
            return new Violation("/id", "task.closed", $"Task {taskId} was decided meanwhile.");
        await tx.ExecuteAsync("DELETE FROM orch_work WHERE task_id = $1", ct, taskId);
        History(tx, taskId, status, actor, action.Comment);
        Trace(tx, instance, "task-decided", step.Id, new JsonObject { ["task"] = taskId, ["decision"] = status, ["by"] = actor, ["role"] = task.Role }, taskId);

        if (task.Kind == "task")
        {
            Log(tx, instance.Id, step.Id, "completed", status, actor);
            await AdvanceAsync(tx, instance, flow, step, status == "rejected" ? step.OnReject ?? step.Next : step.Next, status, ct);
            return taskId;
        }

        if (status == "rejected")
        {
            await CancelOpenAsync(tx, instance.Id, step.Id, ct);
            Log(tx, instance.Id, step.Id, "rejected", actor, action.Comment);
            await AdvanceAsync(tx, instance, flow, step, step.OnReject, "rejected", ct);
            return taskId;
        }

        var open = Convert.ToInt64(await tx.Command("SELECT COUNT(*) FROM orch_task WHERE instance_id = $1 AND step = $2 AND status = 'open'", instance.Id, step.Id).ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        if (open > 0)
            return taskId;
        var routingJson = await tx.Command("SELECT routing FROM orch_approval WHERE instance_id = $1 AND step = $2", instance.Id, step.Id).ExecuteScalarAsync(ct) as string;
        var routing = JsonSerializer.Deserialize<DoaRouting>(routingJson!, FlowDefinition.Json)!;
        var nextLevel = routing.Mode == "parallel" ? null : routing.Levels.FirstOrDefault(l => l.Level > task.Level);
        if (nextLevel is not null)
        {
            await tx.ExecuteAsync("UPDATE orch_approval SET level = $1 WHERE instance_id = $2 AND step = $3", ct, (long)nextLevel.Level, instance.Id, step.Id);
            foreach (var approver in nextLevel.Approvers)
                await CreateTaskAsync(tx, instance, flow, step, "approval", approver.Role, nextLevel.Level, approver.Explanation, ct);
            return taskId;
        }

        Log(tx, instance.Id, step.Id, "completed", "approved", actor);
        await AdvanceAsync(tx, instance, flow, step, step.Next, "approved", ct);
        return taskId;
    }

    private static Violation RoleRequired(TaskRow task, string actor) =>
        new("/actor", "task.role-required", $"{actor} does not hold {task.Role} at {task.Plant}" + (task.CostCenter is null ? "" : $" for cost center {task.CostCenter}") + ".");

    private static Violation NotYours(TaskRow task, string actor) =>
        new("/actor", "task.not-yours", $"Task {task.Id} is assigned to {task.Assignee ?? "the role " + task.Role}, not to {actor}.");

    /// <summary>
    /// Segregation of duties: the requester never approves; nobody approves two levels of one approval; nobody acts
    /// in a role that conflicts (orch_sod_conflict) with a role they already acted in on this instance.
    /// </summary>
    private static async Task<Violation?> SegregationAsync(StoreTransaction tx, TaskRow task, InstanceRow instance, string actor, CancellationToken ct)
    {
        if (actor == instance.Requester)
            return new Violation("/actor", "sod.requester-approves", $"{actor} requested this flow and may not approve it (segregation of duties).");
        var earlier = new List<(string Step, string Role)>();
        await using (var reader = await tx.Command("SELECT step, decided_role FROM orch_task WHERE instance_id = $1 AND decided_by = $2 AND id <> $3 AND status IN ('approved', 'completed', 'rejected')", instance.Id, actor, task.Id).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                earlier.Add((reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1)));
        }

        if (earlier.Any(e => e.Step == task.Step))
            return new Violation("/actor", "sod.same-approver-twice", $"{actor} already approved another level of step '{task.Step}'; each level needs another person.");
        foreach (var (_, role) in earlier)
        {
            var conflict = Convert.ToInt64(await tx.Command("SELECT COUNT(*) FROM orch_sod_conflict WHERE (role_a = $1 AND role_b = $2) OR (role_a = $2 AND role_b = $1)", role, task.Role).ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            if (conflict > 0)
                return new Violation("/actor", "sod.conflicting-roles", $"{actor} acted as {role} in this flow; {role} and {task.Role} are a conflicting pair (segregation of duties).");
        }

        return null;
    }

    private async Task CancelOpenAsync(StoreTransaction tx, string instance, string step, CancellationToken ct)
    {
        var open = new List<string>();
        await using (var reader = await tx.Command("SELECT id FROM orch_task WHERE instance_id = $1 AND step = $2 AND status = 'open'", instance, step).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                open.Add(reader.GetString(0));
        }

        foreach (var id in open)
        {
            await tx.ExecuteAsync("UPDATE orch_task SET status = 'cancelled', decided_at_us = $1 WHERE id = $2 AND status = 'open'", ct, clock.GetUtcNow().ToUnixMicroseconds(), id);
            await tx.ExecuteAsync("DELETE FROM orch_work WHERE task_id = $1", ct, id);
            History(tx, id, "cancelled", null, "another approver rejected");
        }
    }
}
