using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts;
using Takt.Orchestration.Approvals;
using Takt.Orchestration.Calendar;
using Takt.Store;

namespace Takt.Orchestration;

/// <summary>A version of a flow standard: draft → published → retired.</summary>
public sealed record StandardVersion(string Flow, int Version, string Status, string Title, string Owner, string Category, string? TriggerEvent, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, DateTimeOffset? RetiredAt, string Document);

/// <summary>A plant variant: proposed → active (approved by the process owner) or rejected; superseded by the next active one.</summary>
public sealed record VariantView(string Id, string Flow, int Version, string Plant, string Status, string ProposedBy, string? ApprovalInstance, IReadOnlyList<Variants.VariantDifference> Differences, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt);

/// <summary>Start a flow for a plant: the latest published version, with the plant's active variant of it.</summary>
/// <param name="Flow">The standard's key.</param>
/// <param name="Plant">The plant.</param>
/// <param name="Requester">Who asks (never approves it: segregation of duties).</param>
/// <param name="Variables">The standard's inputs by name; money as <c>{"amount": 48200, "currency": "EUR"}</c>.</param>
/// <param name="Version">A published version to start instead of the latest.</param>
public sealed record StartFlow(string Flow, string Plant, string Requester, JsonObject? Variables, int? Version = null);

public sealed record InstanceStep(long Seq, string Step, string Event, string? Outcome, string Node, DateTimeOffset At, string? Detail);

public sealed record InstanceView(string Id, string Flow, int Version, string? VariantId, string Plant, string Status, string? Outcome, string Requester, JsonObject Variables, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, IReadOnlyList<string> Waiting, IReadOnlyList<InstanceStep> History);

public sealed record TaskView(string Id, string InstanceId, string Flow, string Step, string Kind, string Plant, string? CostCenter, string Role, int Level, string Status, string? Assignee, string Title, string? Explanation, DateTimeOffset CreatedAt, DateTimeOffset? DueAt, DateTimeOffset? DecidedAt, string? DecidedBy, string? Comment, int Reminders, int Escalations);

public enum TaskVerb
{
    Claim,
    Approve,
    Reject,
    Complete,
    Delegate,
    Reassign,
}

/// <summary>What a person does with a task. <paramref name="Actor"/> is the person (named by the calling client); <paramref name="To"/> for delegate and reassign.</summary>
public sealed record TaskAction(TaskVerb Verb, string Actor, string? Comment = null, string? To = null);

/// <param name="CostCenter">A cost center, or <c>*</c> for all.</param>
public sealed record RoleAssignment(string User, string Role, string Plant, string CostCenter = "*");

public sealed record DoaVersion(string Matrix, int Version, string Status, string Document);

/// <summary>
/// Per plant, standard version and variant: instances by state, how well their paths fit the standard's graph
/// (token replay: <see cref="Fitness"/> over all their moves, <see cref="FittingInstances"/> with fitness 1), the moves
/// the graph does not allow and the steps left unfinished (<see cref="DeviatingMoves"/>, "from → to": count), and
/// the deviation events (escalations, SLA lapses, migrations, failures, timeouts, compensations, rejections).
/// </summary>
public sealed record ConformanceRow(string Plant, string Flow, int Version, string? VariantId, long Instances, long Completed, long Running, long Failed, long VariantStepsRun, IReadOnlyDictionary<string, long> Deviations,
    double Fitness = 1.0, long FittingInstances = 0, IReadOnlyDictionary<string, long>? DeviatingMoves = null);

/// <summary>Where one instance's path left the graph of its standard version (with its variant).</summary>
/// <param name="Kind"><c>unexpected-move</c> (a step entered that the graph did not allow then: a missing token) or <c>left-unfinished</c> (a step still due when the instance ended: a remaining token).</param>
public sealed record PathDeviation(string Kind, string From, string To, string Detail);

/// <summary>
/// One instance's path replayed against its standard version's graph (with its plant variant): tokens produced,
/// consumed, missing and remaining, and fitness ½(1 − missing/consumed) + ½(1 − remaining/produced).
/// </summary>
public sealed record InstanceConformance(string Instance, string Plant, string Flow, int Version, string? VariantId, string Status, double Fitness,
    long Produced, long Consumed, long Missing, long Remaining, long VariantMoves, IReadOnlyList<string> Path, IReadOnlyList<PathDeviation> Deviations);

/// <summary>Approval turnaround (task created → decided) by role and plant, in hours (DESIGN §5).</summary>
public sealed record TurnaroundRow(string Plant, string Role, long Decided, double P50Hours, double P90Hours);

/// <summary>Exceptions resolved through a standard flow ÷ all exceptions (DESIGN §5), per plant.</summary>
public sealed record ResolutionRow(string Plant, long Exceptions, long ResolvedByStandardFlow, long ResolvedOtherwise, long Open, double Rate);

/// <summary>A standard's variation point values at one plant: the standard's defaults, or its active variant's settings.</summary>
public sealed record PlantSettings(string Flow, int Version, string? VariantId, IReadOnlyDictionary<string, JsonElement> Values);

/// <summary>A system action a flow step can run (other modules plug in theirs): it runs inside the step's transaction.</summary>
public interface IFlowAction
{
    string Name { get; }

    Task RunAsync(FlowActionContext context, CancellationToken ct);
}

/// <param name="Variables">The instance's variables; an action may change them (they are saved with the step).</param>
/// <param name="With">The step's parameters.</param>
/// <param name="Compensating">True when run as a compensation.</param>
public sealed record FlowActionContext(StoreTransaction Transaction, string InstanceId, string Flow, int Version, string Plant, string Step, JsonObject Variables, IReadOnlyDictionary<string, JsonElement> With, bool Compensating);

/// <summary>Versioned flow standards, plant variants, durable instances, human tasks and approvals (DESIGN §1 Orchestration).</summary>
public interface IOrchestration
{
    Task<Outcome<StandardVersion>> SaveStandardAsync(TaktStore store, string document, string author, CancellationToken ct);

    Task<Outcome<StandardVersion>> PublishStandardAsync(TaktStore store, string flow, int version, CancellationToken ct);

    Task<Outcome<StandardVersion>> RetireStandardAsync(TaktStore store, string flow, int version, CancellationToken ct);

    Task<IReadOnlyList<StandardVersion>> StandardsAsync(TaktStore store, string? flow, CancellationToken ct);

    /// <summary>Checks a variant against its standard's bounds and starts its approval by the process owner (a flow with a human task).</summary>
    Task<Outcome<VariantView>> ProposeVariantAsync(TaktStore store, string document, string proposer, CancellationToken ct);

    /// <summary>The difference a variant document (not stored) would make to its standard, or the violations it has.</summary>
    Task<Outcome<IReadOnlyList<Variants.VariantDifference>>> DiffVariantAsync(TaktStore store, string document, CancellationToken ct);

    Task<IReadOnlyList<VariantView>> VariantsAsync(TaktStore store, string? plant, CancellationToken ct);

    Task<Outcome<InstanceView>> StartAsync(TaktStore store, StartFlow request, CancellationToken ct);

    Task<InstanceView?> InstanceAsync(TaktStore store, string id, CancellationToken ct);

    /// <summary>
    /// Who approved the instance's most recently approved task, read inside the caller's transaction (a flow action
    /// that releases a document records its approver); null when no task of the instance was approved.
    /// </summary>
    async Task<string?> LastApproverAsync(StoreTransaction transaction, string instanceId, CancellationToken ct) =>
        await transaction.Command("SELECT decided_by FROM orch_task WHERE instance_id = $1 AND status = 'approved' ORDER BY decided_at_us DESC LIMIT 1", instanceId).ExecuteScalarAsync(ct) as string;

    /// <summary>Moves a running instance to another published version of its standard, when every step it waits in exists there.</summary>
    Task<Outcome<InstanceView>> MigrateAsync(TaktStore store, string id, int toVersion, string actor, CancellationToken ct);

    /// <summary>Runs work that is due (steps, timers, SLA reminders and escalations), up to <paramref name="max"/> items; returns how many ran.</summary>
    Task<int> RunDueAsync(StoreSession session, int max, CancellationToken ct);

    Task<IReadOnlyList<TaskView>> InboxAsync(TaktStore store, string user, string? plant, CancellationToken ct);

    Task<TaskView?> TaskAsync(TaktStore store, string id, CancellationToken ct);

    Task<Outcome<TaskView>> ActAsync(TaktStore store, string taskId, TaskAction action, CancellationToken ct);

    Task<Outcome<RoleAssignment>> AssignRoleAsync(TaktStore store, RoleAssignment assignment, CancellationToken ct);

    Task AddSodConflictAsync(TaktStore store, string roleA, string roleB, CancellationToken ct);

    Task<Outcome<BusinessCalendar>> SetCalendarAsync(TaktStore store, string plant, BusinessCalendar calendar, CancellationToken ct);

    Task<BusinessCalendar> CalendarAsync(TaktStore store, string plant, CancellationToken ct);

    /// <summary>A plant's business calendar read in the caller's transaction; null when the plant has none.</summary>
    Task<BusinessCalendar?> CalendarAsync(StoreTransaction transaction, string plant, CancellationToken ct);

    /// <summary>Stores and publishes a delegation-of-authority matrix version (the previous one is retired).</summary>
    Task<Outcome<DoaVersion>> PublishDoaAsync(TaktStore store, string document, CancellationToken ct);

    Task<Outcome<DoaRouting>> RouteAsync(TaktStore store, string matrix, DoaRequest request, CancellationToken ct);

    /// <summary>Starts a flow inside the caller's transaction: the instance exists only if the caller commits (a module starts the approval of the document it writes).</summary>
    Task<Outcome<InstanceView>> StartAsync(StoreTransaction transaction, StartFlow request, CancellationToken ct);

    /// <summary>The routing of a delegation-of-authority matrix, read inside the caller's transaction.</summary>
    Task<Outcome<DoaRouting>> RouteAsync(StoreTransaction transaction, string matrix, DoaRequest request, CancellationToken ct);

    /// <summary>
    /// The values of a standard's variation points at a plant (the latest published version with the plant's active
    /// variant), with the variant's id; null when the standard has no published version.
    /// </summary>
    Task<PlantSettings?> PlantSettingsAsync(StoreTransaction transaction, string flow, string plant, CancellationToken ct);

    Task<IReadOnlyList<ConformanceRow>> ConformanceAsync(TaktStore store, string? plant, CancellationToken ct);

    /// <summary>One instance's path replayed against its standard's graph; null when there is no such instance.</summary>
    Task<InstanceConformance?> InstanceConformanceAsync(TaktStore store, string id, CancellationToken ct);

    /// <summary>Every instance's path replayed (of a plant, or all), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<InstanceConformance>> InstanceConformancesAsync(TaktStore store, string? plant, string? flow, int limit, CancellationToken ct);

    /// <summary>Approval turnaround (DESIGN §5) by plant and role, over the approvals decided in [from, to) (open ends: all).</summary>
    Task<IReadOnlyList<TurnaroundRow>> ApprovalTurnaroundAsync(TaktStore store, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null);

    /// <summary>Standardized resolution rate (DESIGN §5) by plant, over the exceptions that occurred in [from, to) (open ends: all).</summary>
    Task<IReadOnlyList<ResolutionRow>> ResolutionRateAsync(TaktStore store, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null);
}
