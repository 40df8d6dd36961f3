using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Orchestration.Approvals;
using Takt.Orchestration.Calendar;
using Takt.Orchestration.Standards;
using Takt.Store;

namespace Takt.Orchestration.Engine;

public sealed record OrchestrationOptions
{
    /// <summary>Run the flow worker in this process (off in tests that step work by hand). Default true.</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>Work items claimed per transaction. Default 100: short transactions keep starts and task decisions from waiting long for the (SQLite) writer.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How long one worker turn goes on taking claimed items and chaining steps before it commits; the claimed items
    /// it did not reach stay due. Default (null): 5 ms on SQLite, where a turn holds the one writer that starts and
    /// task decisions wait for; 50 ms on PostgreSQL, where a turn blocks nobody and each commit costs a WAL flush
    /// under the process log's commit-order lock, so fewer, larger turns finish more instances per second.
    /// </summary>
    public TimeSpan? TurnBudget { get; set; }

    /// <summary>How often to look for due work (timers) when nothing wakes the worker. Default 500 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Attempts of a failing step before its instance fails. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>This node's name in the step log. Default host name and process id.</summary>
    public string Node { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}

/// <summary>Wakes the flow workers of this process when work was committed.</summary>
internal sealed class FlowSignal
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref next).Task;

    public void Notify() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

internal sealed record InstanceRow(string Id, string Flow, int Version, string? VariantId, string Plant, string Status, string Requester, JsonObject Variables, string? ExceptionId, string? Outcome = null, long StartedAtUs = 0)
{
    public string Status { get; set; } = Status;

    /// <summary>The outcome stored on the instance: set by its decisions (approved, rejected, timed-out) as they happen.</summary>
    public string? Outcome { get; set; } = Outcome;

    /// <summary>
    /// The outcome after a transition with <paramref name="outcome"/>: a decision (approved, rejected, timed-out)
    /// sets it, a rejection or timeout outweighs an earlier approval (never the reverse); other transitions
    /// (completed, compensated) keep a decided outcome and only fill an empty one.
    /// </summary>
    public static string? After(string? stored, string outcome, bool final) =>
        IsDecision(outcome) && (stored is null || stored == "approved") ? outcome
        : stored ?? (final ? outcome : null);

    public static bool IsDecision(string outcome) => outcome is "approved" or "rejected" or "timed-out";

    public bool VariablesChanged { get; set; }
}

internal sealed record WorkItem(long Id, string InstanceId, string Step, string Kind, string? TaskId, int Attempts);

/// <summary>
/// Runs flow instances. Work (a step to enter, a timer, an SLA reminder or escalation) is a row in <c>orch_work</c>;
/// a worker claims due rows (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so nodes share the work and never take the same
/// row), runs each step, and in ONE transaction commits the step's effects, its log entry, the next step's work row
/// and the deletion of the claimed row. A crash before the commit leaves the row to be claimed again, with no effect
/// written; after it, the row is gone: each step's effects happen exactly once.
/// </summary>
internal sealed partial class FlowEngine(
    FlowCatalog catalog,
    Outbox outbox,
    IIntelligence intelligence,
    IEnumerable<IFlowAction> actions,
    OrchestrationOptions options,
    FlowSignal signal,
    TimeProvider clock,
    ILogger<FlowEngine> logger)
{
    public const string Source = "/takt/orchestration";
    private static readonly Meter Meter = new("Takt.Orchestration");
    private static readonly Counter<long> Steps = Meter.CreateCounter<long>("takt.orchestration.steps");
    private static readonly Counter<long> Started = Meter.CreateCounter<long>("takt.orchestration.instances_started");

    private readonly Dictionary<string, IFlowAction> actions = actions.ToDictionary(a => a.Name, StringComparer.Ordinal);

    public ISet<string> ActionNames => actions.Keys.ToHashSet(StringComparer.Ordinal);

    public FlowCatalog Catalog => catalog;

    public TimeProvider Clock => clock;

    // ---------------------------------------------------------------- start

    public async Task<Outcome<InstanceView>> StartAsync(StoreTransaction tx, StartFlow request, string? triggerEvent, string? exceptionId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Plant))
            return new Violation("/plant", "flow.plant-required", "Name the plant the flow runs for.");
        if (string.IsNullOrWhiteSpace(request.Requester))
            return new Violation("/requester", "flow.requester-required", "Name the requester (segregation of duties keeps them from approving).");
        // One read: the version to start (latest published, or the one asked for) and the plant's active variant of it;
        // once per transaction for each flow, plant and version asked for (a group of starts shares it).
        var asked = (request.Flow, request.Plant, request.Version ?? 0);
        var memo = startReads.GetOrCreateValue(tx);
        if (!memo.TryGetValue(asked, out var known))
        {
            await using var reader = await tx.Command(
                """
                SELECT s.version, s.status, v.id FROM orch_standard s
                LEFT JOIN orch_variant v ON v.flow = s.flow AND v.version = s.version AND v.plant = $2 AND v.status = 'active'
                WHERE s.flow = $1 AND ((s.status = 'published' AND $3 = 0) OR s.version = $3)
                ORDER BY s.version DESC LIMIT 1
                """, request.Flow, request.Plant, (long)(request.Version ?? 0)).ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return request.Version is { } missing
                    ? new Violation("/version", "flow.version-not-published", $"{request.Flow} v{missing} is unknown; instances start on a published version only.")
                    : new Violation("/flow", "flow.not-published", $"No published version of flow standard '{request.Flow}'.");
            }

            if (reader.GetString(1) != "published")
                return new Violation("/version", "flow.version-not-published", $"{request.Flow} v{reader.GetInt32(0)} is {reader.GetString(1)}; instances start on a published version only.");
            memo[asked] = known = (reader.GetInt32(0), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        var (version, variantId) = known;
        var flow = await catalog.GetAsync(tx, request.Flow, version, variantId, ct);
        var variables = request.Variables?.DeepClone().AsObject() ?? [];
        var errors = CheckInputs(flow.Definition, variables);
        if (errors.Count > 0)
            return Outcome<InstanceView>.FromViolations(errors);

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString();
        var instance = new InstanceRow(id, flow.Definition.Flow, version, variantId, request.Plant, "running", request.Requester, variables, exceptionId);
        tx.Stage(
            "INSERT INTO orch_instance (id, flow, version, variant_id, plant, status, requester, variables, started_at_us, trigger_event, exception_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            id, instance.Flow, (long)version, variantId, request.Plant, "running", request.Requester, variables.ToJsonString(), now.ToUnixMicroseconds(), triggerEvent, exceptionId);
        Log(tx, id, "", "started", variantId is null ? "standard" : "variant", $"{flow.Definition.Flow} v{version}" + (variantId is null ? "" : $" with variant {variantId}"));
        // The first step's work row ("start") also carries the instance-started event of the process log: the worker's
        // turn that runs the step appends it, stamped with the start time. A start thus commits without the process
        // log's lock (held through each appending commit's disk flush), so concurrent starts share their flushes.
        Schedule(tx, id, flow.Definition.Steps[0].Id, "start", now);
        Started.Add(1);
        return new InstanceView(id, instance.Flow, version, variantId, request.Plant, "running", null, request.Requester, variables, now, null, [flow.Definition.Steps[0].Id + ":step"], []);
    }

    internal static List<Violation> CheckInputs(FlowDefinition flow, JsonObject variables)
    {
        var errors = new List<Violation>();
        foreach (var (name, type) in flow.InputTypes)
        {
            var at = "/variables/" + name;
            var value = variables[name];
            if (value is null)
            {
                errors.Add(new Violation(at, "flow.input-required", $"{flow.Flow} needs the input '{name}' ({type})."));
                continue;
            }

            switch (type)
            {
                case "money":
                    if (value is not JsonObject money || money["amount"] is not JsonValue amount || amount.GetValueKind() != JsonValueKind.Number || money["currency"] is not JsonValue currency || currency.GetValueKind() != JsonValueKind.String)
                        errors.Add(new Violation(at, "flow.input-type", $"'{name}' is money: {{\"amount\": 48200, \"currency\": \"{flow.Currency}\"}}."));
                    else if (currency.GetValue<string>() != flow.Currency)
                        errors.Add(new Violation(at + "/currency", "flow.input-currency", $"'{name}' is in the company currency {flow.Currency}; {currency.GetValue<string>()} given."));
                    else if (amount.GetValue<decimal>() < 0)
                        errors.Add(new Violation(at + "/amount", "flow.input-negative", $"'{name}' cannot be negative."));
                    break;
                case "number":
                    if (value is not JsonValue n || n.GetValueKind() != JsonValueKind.Number)
                        errors.Add(new Violation(at, "flow.input-type", $"'{name}' is a number."));
                    break;
                default:
                    if (value is not JsonValue s || s.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(s.GetValue<string>()))
                        errors.Add(new Violation(at, "flow.input-type", $"'{name}' is a text."));
                    break;
            }
        }

        foreach (var (name, _) in variables.Where(v => !flow.InputTypes.ContainsKey(v.Key)))
            errors.Add(new Violation("/variables/" + name, "flow.input-undeclared", $"{flow.Flow} v{flow.Version} declares no input '{name}'."));
        return errors;
    }

    // ---------------------------------------------------------------- the worker's turn

    public async Task<int> RunDueAsync(StoreSession session, int max, CancellationToken ct)
    {
        List<WorkItem> items;
        await using (var tx = await session.BeginAsync(ct))
        {
            items = await ClaimAsync(tx, null, max, ct);
            if (items.Count == 0)
                return 0;
            var budget = options.TurnBudget ?? (tx.Engine == StoreEngine.Sqlite ? TimeSpan.FromMilliseconds(5) : TimeSpan.FromMilliseconds(50));
            var chain = new Chain(Math.Max(max, 1), Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency));
            try
            {
                var instances = await InstancesAsync(tx, [.. items.Select(i => i.InstanceId).Distinct(StringComparer.Ordinal)], ct);
                chains.AddOrUpdate(tx, chain);
                var ran = 0;
                var reached = items.Count;
                for (var wave = items; wave.Count > 0; wave = chain.Drain())
                {
                    for (var i = 0; i < wave.Count; i++)
                    {
                        // Past the budget the turn stops taking claimed items, which stay due; the steps reached by
                        // chaining exist only in this turn, so they run (the chain takes no new ones once spent).
                        if (wave == items && i > 0 && chain.Spent)
                        {
                            reached = i;
                            break;
                        }

                        await ExecuteAsync(tx, wave[i], instances, ct);
                        ran++;
                    }
                }

                if (reached < items.Count)
                    items = items[..reached];
                await DeleteAsync(tx, items, ct);
                SaveVariables(tx, instances.Values);
                await tx.CommitAsync(ct, recordCommit: false);
                Steps.Add(ran);
                return items.Count;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(ct);
                if (items.Count == 1 && !chain.Used)
                {
                    await FailedAsync(session, items[0], ex, ct);
                    return 1;
                }
            }
        }

        // Something in the batch failed: one at a time, so only the failing items wait for a retry. These turns do not
        // chain: the steps before the failing one commit, and the failure is the failing step's own.
        foreach (var item in items)
        {
            await using var tx = await session.BeginAsync(ct);
            var claimed = await ClaimAsync(tx, item.Id, 1, ct);
            if (claimed.Count == 0)
                continue;
            try
            {
                var instances = await InstancesAsync(tx, [item.InstanceId], ct);
                await ExecuteAsync(tx, claimed[0], instances, ct);
                await DeleteAsync(tx, claimed, ct);
                SaveVariables(tx, instances.Values);
                await tx.CommitAsync(ct, recordCommit: false);
                Steps.Add(1);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(ct);
                await FailedAsync(session, claimed[0], ex, ct);
            }
        }

        return items.Count;
    }

    private async Task<List<WorkItem>> ClaimAsync(StoreTransaction tx, long? id, int max, CancellationToken ct)
    {
        var locked = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE SKIP LOCKED" : "";
        var sql = id is null
            ? "SELECT id, instance_id, step, kind, task_id, attempts FROM orch_work WHERE due_at_us <= $1 ORDER BY due_at_us, id LIMIT $2" + locked
            : "SELECT id, instance_id, step, kind, task_id, attempts FROM orch_work WHERE id = $1 AND $2 > 0" + locked;
        var items = new List<WorkItem>();
        await using var reader = await tx.Command(sql, id ?? clock.GetUtcNow().ToUnixMicroseconds(), (long)max).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            items.Add(new WorkItem(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5)));
        return items;
    }

    private static async Task DeleteAsync(StoreTransaction tx, List<WorkItem> items, CancellationToken ct)
    {
        var (ids, value) = SqlList.In(tx.Engine, "id", [.. items.Select(i => i.Id)]);
        await tx.ExecuteAsync($"DELETE FROM orch_work WHERE {ids}", ct, value);
    }

    internal static async Task<Dictionary<string, InstanceRow>> InstancesAsync(StoreTransaction tx, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var (condition, value) = SqlList.In(tx, "id", ids);
        var rows = new Dictionary<string, InstanceRow>(StringComparer.Ordinal);
        await using var reader = await tx.Command($"SELECT id, flow, version, variant_id, plant, status, requester, variables, exception_id, outcome, started_at_us FROM orch_instance WHERE {condition}", value).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows[reader.GetString(0)] = new InstanceRow(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), JsonNode.Parse(reader.GetString(7))!.AsObject(), reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetInt64(10));
        }

        return rows;
    }

    private static void SaveVariables(StoreTransaction tx, IEnumerable<InstanceRow> instances)
    {
        foreach (var instance in instances.Where(i => i.VariablesChanged))
        {
            tx.Stage("UPDATE orch_instance SET variables = $1 WHERE id = $2", instance.Variables.ToJsonString(), instance.Id);
            instance.VariablesChanged = false;
        }
    }

    /// <summary>A step failed: retry with backoff; after the last attempt the instance fails (an incident in its log).</summary>
    private async Task FailedAsync(StoreSession session, WorkItem item, Exception error, CancellationToken ct)
    {
        var attempts = item.Attempts + 1;
        var message = $"{error.GetType().Name}: {error.Message}";
        await using var tx = await session.BeginAsync(ct);
        if (attempts >= options.MaxAttempts)
        {
            await tx.ExecuteAsync("DELETE FROM orch_work WHERE id = $1", ct, item.Id);
            if (item.Kind == "start" && (await InstancesAsync(tx, [item.InstanceId], ct)).TryGetValue(item.InstanceId, out var started))
                TraceStarted(tx, started); // the process log shows the instance's start before its failure
            await tx.ExecuteAsync("UPDATE orch_instance SET status = 'failed', outcome = 'failed', completed_at_us = $1 WHERE id = $2 AND status = 'running'", ct, clock.GetUtcNow().ToUnixMicroseconds(), item.InstanceId);
            Log(tx, item.InstanceId, item.Step, "failed", null, $"after {attempts} attempts: {message}");
            LogInstanceFailed(logger, item.InstanceId, item.Step, attempts, error);
        }
        else
        {
            var delay = RetryDelay.Of(attempts, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
            await tx.ExecuteAsync("UPDATE orch_work SET attempts = $1, due_at_us = $2, last_error = $3 WHERE id = $4", ct, attempts, (clock.GetUtcNow() + delay).ToUnixMicroseconds(), message, item.Id);
            LogStepRetrying(logger, item.InstanceId, item.Step, attempts, delay, error);
        }

        await tx.CommitAsync(ct, recordCommit: false);
    }

    /// <summary>The process log's instance-started event, at the instance's start time (see <see cref="StartAsync"/>).</summary>
    private void TraceStarted(StoreTransaction tx, InstanceRow instance) =>
        Trace(tx, instance, "instance-started", null, new JsonObject { ["requester"] = instance.Requester, ["variant"] = instance.VariantId },
            at: instance.StartedAtUs > 0 ? Instants.FromUnixMicroseconds(instance.StartedAtUs) : null);

    private async Task ExecuteAsync(StoreTransaction tx, WorkItem item, Dictionary<string, InstanceRow> instances, CancellationToken ct)
    {
        if (!instances.TryGetValue(item.InstanceId, out var instance) || instance.Status != "running")
            return; // the instance ended (or failed) after this work was scheduled
        var flow = await catalog.GetAsync(tx, instance.Flow, instance.Version, instance.VariantId, ct);
        var step = flow.Step(item.Step);
        switch (item.Kind)
        {
            case "start":
                TraceStarted(tx, instance);
                await EnterAsync(tx, instance, flow, step, ct);
                break;
            case "step":
                await EnterAsync(tx, instance, flow, step, ct);
                break;
            case "timer":
                Log(tx, instance.Id, step.Id, "completed", "elapsed", null);
                await AdvanceAsync(tx, instance, flow, step, step.Next, "completed", ct);
                break;
            case "timeout":
                if (await tx.ExecuteAsync("DELETE FROM orch_wait WHERE instance_id = $1 AND step = $2", ct, instance.Id, step.Id) == 0)
                    return; // the event came first
                Log(tx, instance.Id, step.Id, "timed-out", null, $"no {step.Event} within {step.Timeout}");
                await AdvanceAsync(tx, instance, flow, step, step.OnTimeout ?? step.Next, "timed-out", ct);
                break;
            case "remind":
                await RemindAsync(tx, instance, step, item.TaskId!, ct);
                break;
            case "escalate":
                await EscalateAsync(tx, instance, flow, step, item.TaskId!, ct);
                break;
            default:
                throw new InvalidOperationException($"Unknown work kind '{item.Kind}'.");
        }
    }

    private async Task EnterAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, FlowStep step, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        switch (step.Type)
        {
            case StepTypes.Action:
                await RunActionAsync(tx, instance, step, step.Action!, step.With, compensating: false, ct);
                Log(tx, instance.Id, step.Id, "completed", step.Action, null);
                Trace(tx, instance, "step-completed", step.Id, new JsonObject { ["action"] = step.Action });
                await AdvanceAsync(tx, instance, flow, step, step.Next, "completed", ct);
                break;
            case StepTypes.Decision:
                string? target = null;
                string chosen = "otherwise";
                for (var i = 0; i < step.Cases!.Count && target is null; i++)
                {
                    // Conditions were parsed when the standard was saved; an unparsable one never matches.
                    if (Condition.TryParse(step.Cases[i].When, out var condition, out _) && condition.Evaluate(name => flow.Resolve(name, instance.Variables)))
                        (target, chosen) = (step.Cases[i].Next, step.Cases[i].When);
                }

                target ??= step.Otherwise ?? step.Next;
                Log(tx, instance.Id, step.Id, "decided", target ?? FlowStep.End, chosen);
                Trace(tx, instance, "step-completed", step.Id, new JsonObject { ["decision"] = chosen, ["next"] = target ?? FlowStep.End });
                await AdvanceAsync(tx, instance, flow, step, target, "completed", ct);
                break;
            case StepTypes.Timer:
                var duration = flow.Duration(step.After!);
                var due = step.Business == false ? now + duration : (await CalendarAsync(tx, instance.Plant, ct)).Add(now, duration);
                Schedule(tx, instance.Id, step.Id, "timer", due);
                Log(tx, instance.Id, step.Id, "waiting", "timer", $"until {due:O}");
                break;
            case StepTypes.Wait:
                var correlation = step.Correlate is { } name ? ResolvedFlow.Text(instance.Variables, name) : instance.Id;
                tx.Stage("INSERT INTO orch_wait (instance_id, step, event_type, correlation) VALUES ($1, $2, $3, $4)", instance.Id, step.Id, step.Event!, correlation);
                if (step.Timeout is { } timeout)
                {
                    var limit = flow.Duration(timeout);
                    Schedule(tx, instance.Id, step.Id, "timeout", step.Business == false ? now + limit : (await CalendarAsync(tx, instance.Plant, ct)).Add(now, limit));
                }

                Log(tx, instance.Id, step.Id, "waiting", step.Event, $"subject {correlation}");
                break;
            case StepTypes.Task:
                await CreateTaskAsync(tx, instance, flow, step, "task", ResolvedFlow.Role(step.Role!, instance.Variables), 1, null, ct);
                Log(tx, instance.Id, step.Id, "waiting", "task", null);
                break;
            case StepTypes.Approval:
                await EnterApprovalAsync(tx, instance, flow, step, ct);
                break;
            case StepTypes.Parallel:
                await tx.ExecuteAsync(
                    "INSERT INTO orch_join (instance_id, step, arrived) VALUES ($1, $2, 0) ON CONFLICT (instance_id, step) DO UPDATE SET arrived = 0", ct, instance.Id, step.Id);
                foreach (var branch in step.Branches!)
                    Continue(tx, instance.Id, branch[0], now);
                Log(tx, instance.Id, step.Id, "forked", $"{step.Branches.Count} branches", null);
                break;
            case StepTypes.Compensate:
                await CompensateAsync(tx, instance, flow, step, ct);
                break;
            default:
                throw new InvalidOperationException($"Unknown step type '{step.Type}'.");
        }
    }

    private async Task RunActionAsync(StoreTransaction tx, InstanceRow instance, FlowStep step, string name, IReadOnlyDictionary<string, JsonElement>? with, bool compensating, CancellationToken ct)
    {
        var action = actions.TryGetValue(name, out var found) ? found : throw new InvalidOperationException($"No system action '{name}' is registered.");
        var before = instance.Variables.ToJsonString();
        await action.RunAsync(new FlowActionContext(tx, instance.Id, instance.Flow, instance.Version, instance.Plant, step.Id, instance.Variables, with ?? new Dictionary<string, JsonElement>(StringComparer.Ordinal), compensating), ct);
        if (instance.Variables.ToJsonString() != before)
            instance.VariablesChanged = true;
    }

    /// <summary>Runs the compensations of the completed action steps, newest first, then continues.</summary>
    private async Task CompensateAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, FlowStep step, CancellationToken ct)
    {
        var done = new List<string>();
        await using (var reader = await tx.Command("SELECT step FROM orch_step_log WHERE instance_id = $1 AND event = 'completed' ORDER BY seq DESC", instance.Id).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                done.Add(reader.GetString(0));
        }

        var compensated = new List<string>();
        foreach (var id in done.Distinct(StringComparer.Ordinal))
        {
            if (flow.Definition.Step(id) is not { Type: StepTypes.Action, Compensation: { } compensation } completed)
                continue;
            await RunActionAsync(tx, instance, completed, compensation.Action, compensation.With, compensating: true, ct);
            Log(tx, instance.Id, completed.Id, "compensated", compensation.Action, null);
            compensated.Add(completed.Id);
        }

        Log(tx, instance.Id, step.Id, "completed", "compensation", compensated.Count == 0 ? "nothing to compensate" : string.Join(", ", compensated));
        Trace(tx, instance, "step-completed", step.Id, new JsonObject { ["compensated"] = new JsonArray([.. compensated.Select(c => JsonValue.Create(c))]) });
        await AdvanceAsync(tx, instance, flow, step, step.Next, "compensated", ct);
    }

    /// <summary>
    /// Goes on from a finished step: inside a parallel branch to the branch's next step or its join; else to
    /// <paramref name="target"/> (absent or <c>end</c>: the instance completes with <paramref name="outcome"/>).
    /// </summary>
    internal async Task AdvanceAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, FlowStep from, string? target, string outcome, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (flow.BranchOf.TryGetValue(from.Id, out var at))
        {
            var parallel = flow.Step(at.Parallel);
            var branch = parallel.Branches![at.Branch];
            if (at.Position + 1 < branch.Count)
            {
                Continue(tx, instance.Id, branch[at.Position + 1], now);
                return;
            }

            // The row lock of the upsert orders branches that end at once, on any node: exactly one sees the last arrival.
            var arrived = Convert.ToInt32(await tx.Command(
                "UPDATE orch_join SET arrived = arrived + 1 WHERE instance_id = $1 AND step = $2 RETURNING arrived", instance.Id, parallel.Id).ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            if (arrived < parallel.Branches.Count)
                return;
            Log(tx, instance.Id, parallel.Id, "completed", "joined", null);
            await AdvanceAsync(tx, instance, flow, parallel, parallel.Next, outcome, ct);
            return;
        }

        if (target is null or FlowStep.End)
        {
            await CompleteAsync(tx, instance, flow, outcome, ct);
            return;
        }

        // A decision sets the instance's outcome even when steps (notifications, compensation) follow; a rejection or
        // timeout outweighs an earlier approval, never the reverse.
        if (InstanceRow.IsDecision(outcome))
        {
            await tx.ExecuteAsync("UPDATE orch_instance SET outcome = $1 WHERE id = $2 AND (outcome IS NULL OR outcome = 'approved')", ct, outcome, instance.Id);
            instance.Outcome = InstanceRow.After(instance.Outcome, outcome, final: false);
        }

        Continue(tx, instance.Id, target, now);
    }

    private async Task CompleteAsync(StoreTransaction tx, InstanceRow instance, ResolvedFlow flow, string last, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // The outcome stored on the instance (its decisions), not merely the last transition's: a rejection followed by
        // a notification step completes as rejected.
        string outcome;
        if (flow.Sequential)
        {
            // Only the worker moves an instance without human steps, waits or branches, one transition at a time: what
            // it read is what is stored.
            outcome = InstanceRow.After(instance.Outcome, last, final: true)!;
            tx.Stage("UPDATE orch_instance SET status = 'completed', outcome = $1, completed_at_us = $2 WHERE id = $3", outcome, now.ToUnixMicroseconds(), instance.Id);
        }
        else
        {
            // A task decision or another branch may have decided meanwhile: the row says (under its row lock).
            outcome = await tx.Command(
                """
                UPDATE orch_instance SET status = 'completed', completed_at_us = $2,
                  outcome = CASE WHEN $1 IN ('approved', 'rejected', 'timed-out') AND (outcome IS NULL OR outcome = 'approved') THEN $1 ELSE COALESCE(outcome, $1) END
                WHERE id = $3 RETURNING outcome
                """, last, now.ToUnixMicroseconds(), instance.Id).ExecuteScalarAsync(ct) as string ?? last;
        }

        instance.Status = "completed";
        instance.Outcome = outcome;
        Log(tx, instance.Id, "", "completed", outcome, null);
        Trace(tx, instance, "instance-completed", null, new JsonObject { ["outcome"] = outcome });
        outbox.Enqueue(tx, new OutboxMessage(
            Guid.CreateVersion7(now).ToString(), EventTypes.OrchestrationInstanceCompleted, Source, instance.Id, instance.Plant, now,
            JsonSerializer.Serialize(new OrchestrationInstanceCompleted(instance.Id, instance.Flow, instance.Version, instance.Plant, outcome, instance.VariantId), EventJson.Default.OrchestrationInstanceCompleted)));
        if (instance.ExceptionId is { } exception)
        {
            await tx.ExecuteAsync("UPDATE orch_exception SET resolved_at_us = $1, resolution = 'standard-flow' WHERE id = $2 AND resolved_at_us IS NULL", ct, now.ToUnixMicroseconds(), exception);
        }
    }

    /// <summary>
    /// The steps a worker's turn runs after the ones it claimed: a system step that leads straight to another step
    /// (an action, a decision, a branch) runs on in the same transaction until the instance waits (a timer, an event,
    /// a task) or ends, instead of committing a work row for the next turn. Each commit holds the process log's lock
    /// through its disk flush, so a three-step flow took three turns and three flushes. The budget bounds a turn (a
    /// flow that loops through system steps goes on in later turns); outside a worker's turn (a task decision, an
    /// event) the next step is a work row as before.
    /// </summary>
    private sealed class Chain(int budget, long deadline)
    {
        private int left = budget;

        /// <summary>Whether the turn's time is up (<see cref="OrchestrationOptions.TurnBudget"/>).</summary>
        public bool Spent => Stopwatch.GetTimestamp() >= deadline;

        private List<WorkItem> next = [];

        /// <summary>The steps queued since the last drain, in the order they were reached.</summary>
        public List<WorkItem> Drain()
        {
            var queued = next;
            next = [];
            return queued;
        }

        public void Add(WorkItem item) => next.Add(item);

        /// <summary>Whether the turn went on past a claimed step (then a failure may be a later step's).</summary>
        public bool Used { get; private set; }

        public bool Take()
        {
            Used = true;
            return left-- > 0 && !Spent;
        }
    }

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<StoreTransaction, Chain> chains = new();

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<StoreTransaction, Dictionary<(string Flow, string Plant, int Version), (int Version, string? Variant)>> startReads = new();

    /// <summary>Goes on to <paramref name="step"/> now: in this turn if the transaction is a worker's chaining turn, else as a work row.</summary>
    private void Continue(StoreTransaction tx, string instance, string step, DateTimeOffset now)
    {
        if (chains.TryGetValue(tx, out var chain) && chain.Take())
            chain.Add(new WorkItem(0, instance, step, "step", null, 0));
        else
            Schedule(tx, instance, step, "step", now);
    }

    internal static void Schedule(StoreTransaction tx, string instance, string step, string kind, DateTimeOffset due, string? task = null) =>
        tx.Stage("INSERT INTO orch_work (instance_id, step, kind, due_at_us, task_id, attempts) VALUES ($1, $2, $3, $4, $5, $6)", instance, step, kind, due.ToUnixMicroseconds(), task, 0);

    internal void Log(StoreTransaction tx, string instance, string step, string @event, string? outcome, string? detail) =>
        tx.Stage("INSERT INTO orch_step_log (instance_id, step, event, outcome, node, at_us, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            instance, step, @event, outcome, options.Node, clock.GetUtcNow().ToUnixMicroseconds(), detail);

    /// <summary>The transition in the object-centric process log (takt.orchestration.*.v1), linked to the instance, its standard and plant.</summary>
    internal void Trace(StoreTransaction tx, InstanceRow instance, string what, string? step, JsonObject data, string? task = null, DateTimeOffset? at = null)
    {
        data["instance"] = instance.Id;
        data["flow"] = instance.Flow;
        data["version"] = instance.Version;
        if (step is not null)
            data["step"] = step;
        List<ObjectLink> objects =
        [
            new("flow-instance", instance.Id, "of"),
            new("flow-standard", $"{instance.Flow}@v{instance.Version}", "follows"),
            new("plant", instance.Plant, "at"),
        ];
        if (task is not null)
            objects.Add(new ObjectLink("task", task, "about"));
        intelligence.Append(tx, new ProcessEventDraft(
            $"takt.orchestration.{what}.v1", Source, $"{instance.Id}/{step}/{what}/{Guid.CreateVersion7(clock.GetUtcNow())}", instance.Plant, at ?? clock.GetUtcNow(), data.ToJsonString(), 0, objects));
    }

    internal static async Task<BusinessCalendar> CalendarAsync(StoreTransaction tx, string plant, CancellationToken ct) =>
        await tx.Command("SELECT definition FROM orch_calendar WHERE plant = $1", plant).ExecuteScalarAsync(ct) is string json
            ? JsonSerializer.Deserialize<BusinessCalendar>(json, FlowDefinition.Json)!
            : BusinessCalendar.AlwaysOpen;

    public void Wake() => signal.Notify();

    public Task NextWake => signal.Next;

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow instance {Instance} failed at step {Step} after {Attempts} attempts")]
    private static partial void LogInstanceFailed(ILogger logger, string instance, string step, int attempts, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow instance {Instance} step {Step} failed (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogStepRetrying(ILogger logger, string instance, string step, int attempt, TimeSpan delay, Exception error);
}
