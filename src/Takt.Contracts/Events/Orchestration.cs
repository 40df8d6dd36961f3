using System.Text.Json.Nodes;

namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.orchestration.signal.v1</c>: a flow's <c>signal</c> step asks another module or system to act (create the
/// expedite order, release the hold); published once per step run, in the step's transaction.
/// </summary>
/// <param name="Name">The signal's name (the step's <c>with.name</c>; the step id when it has none).</param>
/// <param name="Compensation">True when the step runs as compensation of an earlier step.</param>
/// <param name="Instance">The flow instance's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Flow">The flow standard's name.</param>
/// <param name="Version">The version of the standard the instance follows.</param>
/// <param name="Step">The id of the step that sent the signal.</param>
/// <param name="Plant">Plant code of the instance.</param>
/// <param name="Variables">The instance's variables when the signal was sent, as the flow defines them.</param>
public sealed record OrchestrationSignal(
    string Name,
    bool Compensation,
    string Instance,
    string Flow,
    int Version,
    string Step,
    string Plant,
    JsonObject Variables);

/// <summary><c>takt.orchestration.task-created.v1</c>: a flow created a human task (an approval) for a role.</summary>
/// <param name="Task">The task's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Instance">The flow instance's id.</param>
/// <param name="Flow">The flow standard's name.</param>
/// <param name="Step">The id of the step that waits for the task.</param>
/// <param name="Role">The role the task is assigned to.</param>
/// <param name="Plant">Plant code of the instance.</param>
/// <param name="CostCenter">The instance's cost center, if it has one.</param>
/// <param name="DueAt">When the step's SLA lapses (business calendar of the plant), if the step has one.</param>
/// <param name="Explanation">Why this role was asked (the approval routing's reason), if given.</param>
public sealed record OrchestrationTaskCreated(
    string Task,
    string Instance,
    string Flow,
    string Step,
    string Role,
    string Plant,
    string? CostCenter = null,
    DateTimeOffset? DueAt = null,
    string? Explanation = null);

/// <summary><c>takt.orchestration.instance-completed.v1</c>: a flow instance reached its end.</summary>
/// <param name="Instance">The flow instance's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Flow">The flow standard's name.</param>
/// <param name="Version">The version of the standard the instance followed.</param>
/// <param name="Plant">Plant code of the instance.</param>
/// <param name="Outcome">
/// The outcome of the transition that ended the instance: a decision (<c>approved</c>, <c>rejected</c>,
/// <c>timed-out</c>) or the outcome of the last step. An earlier decision the instance keeps (a rejection followed by
/// a notification step) is not repeated here.
/// </param>
/// <param name="Variant">The plant variant of the standard the instance followed, if any.</param>
public sealed record OrchestrationInstanceCompleted(
    string Instance,
    string Flow,
    int Version,
    string Plant,
    string Outcome,
    string? Variant = null);
