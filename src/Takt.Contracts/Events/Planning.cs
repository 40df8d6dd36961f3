namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.production.machine-down.v1</c>: the MES reports a work center down (breakdown, unplanned maintenance). Planning
/// takes its capacity out from <paramref name="Since"/> for the expected duration, re-schedules the affected production
/// orders (alternate work centers or the sister plant where the routing allows) and re-plans material by net change.
/// </summary>
/// <param name="Plant">Plant code of the work center.</param>
/// <param name="WorkCenter">The work center that is down.</param>
/// <param name="Since">When it went down.</param>
/// <param name="ExpectedDurationHours">How long the MES expects it to stay down, in hours; greater than 0, at most 720.</param>
/// <param name="Reason">What happened, in words.</param>
public sealed record MachineDown(string Plant, string WorkCenter, DateTimeOffset Since, decimal ExpectedDurationHours, string? Reason = null);

/// <summary>
/// <c>takt.production.machine-up.v1</c>: the work center runs again. Planning ends its open disruption and plans again
/// (regenerative schedule, net change material).
/// </summary>
/// <param name="Plant">Plant code of the work center.</param>
/// <param name="WorkCenter">The work center that is back.</param>
/// <param name="Since">When it came back.</param>
public sealed record MachineUp(string Plant, string WorkCenter, DateTimeOffset Since);

/// <summary>Where one operation of a rescheduled order runs now.</summary>
/// <param name="Operation">Operation number, e.g. <c>0010</c>.</param>
/// <param name="FromWorkCenter">The work center it was planned on.</param>
/// <param name="ToWorkCenter">The work center it is planned on now (the same when only its time moved).</param>
/// <param name="ToPlant">The plant of <paramref name="ToWorkCenter"/> (the sister plant when it moved there).</param>
/// <param name="Start">Planned start.</param>
/// <param name="Finish">Planned finish.</param>
public sealed record OperationMove(string Operation, string FromWorkCenter, string ToWorkCenter, string ToPlant, DateTimeOffset Start, DateTimeOffset Finish);

/// <summary>
/// <c>takt.planning.order-rescheduled.v1</c>: finite capacity scheduling moved a production order's operations (a
/// disruption, or the work center coming back). <c>subject</c> is the order number.
/// </summary>
/// <param name="Order">Production order number.</param>
/// <param name="Plant">The order's plant.</param>
/// <param name="Disruption">The disruption that caused it, if any.</param>
/// <param name="DueDate">The order's due date.</param>
/// <param name="PreviousFinish">Planned finish before.</param>
/// <param name="Finish">Planned finish now.</param>
/// <param name="DelayHours">Hours the finish lies after the end of the due date (0 when on time).</param>
/// <param name="Operations">The operations that moved.</param>
public sealed record OrderRescheduled(
    string Order,
    string Plant,
    string? Disruption,
    DateOnly DueDate,
    DateTimeOffset? PreviousFinish,
    DateTimeOffset Finish,
    decimal DelayHours,
    IReadOnlyList<OperationMove> Operations);

/// <summary>
/// <c>takt.planning.plan-committed.v1</c>: a planning run committed (regenerative or net change): its planned orders,
/// purchase requisitions, rescheduled and late orders. <c>subject</c> is the run id.
/// </summary>
/// <param name="Run">Run id.</param>
/// <param name="Kind"><c>regenerative</c> or <c>net-change</c>.</param>
/// <param name="Trigger">What started it: <c>manual</c>, <c>machine-down</c>, <c>machine-up</c>, <c>demo</c>.</param>
/// <param name="Disruption">The disruption, for runs a machine event started.</param>
/// <param name="Plants">The plants planned.</param>
/// <param name="ItemsPlanned">Plant items netted in this run (all of them in a regenerative run, the affected ones in a net change).</param>
/// <param name="PlannedOrders">Planned orders of the items planned.</param>
/// <param name="Requisitions">Requisitions created.</param>
/// <param name="OrdersRescheduled">Production orders whose operations moved.</param>
/// <param name="LateOrders">Production orders planned to finish after their due date.</param>
public sealed record PlanCommitted(
    string Run,
    string Kind,
    string Trigger,
    string? Disruption,
    IReadOnlyList<string> Plants,
    int ItemsPlanned,
    int PlannedOrders,
    int Requisitions,
    int OrdersRescheduled,
    int LateOrders);

/// <summary>
/// <c>takt.planning.requisition-created.v1</c>: planning created a purchase requisition (an expedite after a disruption,
/// or a planned purchase). Starts the <c>expedite-procurement-approval</c> standard when the urgency is <c>expedite</c>
/// and procurement approved it by policy; one routed to a person is approved by <c>requisition-approval</c> alone (one
/// approval route per requisition). <c>subject</c> is the requisition number.
/// </summary>
/// <param name="Requisition">Requisition number.</param>
/// <param name="Plant">Receiving plant.</param>
/// <param name="Item">Item number.</param>
/// <param name="Quantity">Quantity with its unit.</param>
/// <param name="NeedDate">When the plan needs it at the plant.</param>
/// <param name="Value">Estimated value (company currency).</param>
/// <param name="PremiumFreight">Expected premium freight of expediting it (company currency).</param>
/// <param name="Category">Spend category.</param>
/// <param name="Urgency"><c>expedite</c> or <c>normal</c>.</param>
/// <param name="SupplierRisk">The supplier's risk (<c>low</c>, <c>medium</c>, <c>high</c>, <c>unknown</c>).</param>
/// <param name="CostCenter">The cost object the spend is for (the disruption's work center).</param>
/// <param name="Disruption">The disruption that made it necessary, if any.</param>
/// <param name="Approval">Its approval route, decided by procurement's policy: <c>policy</c> (approved at once, within the
/// plant's and the expedite threshold and the budget) or <c>requisition-approval</c> (the approval flow routes it to people).</param>
public sealed record PlanningRequisitionCreated(
    string Requisition,
    string Plant,
    string Item,
    QuantityValue Quantity,
    DateOnly NeedDate,
    MoneyValue Value,
    MoneyValue PremiumFreight,
    string Category,
    string Urgency,
    string SupplierRisk,
    string CostCenter,
    string? Disruption = null,
    string? Approval = null);

/// <summary>
/// <c>takt.planning.cost-variance-expected.v1</c>: what a disruption is expected to cost before month end: the
/// efficiency variance of operations moved to other work centers and the premium freight of expedites, each proposed as
/// an accrual to finance. <c>subject</c> is the disruption id.
/// </summary>
/// <param name="Disruption">Disruption id.</param>
/// <param name="Plant">Plant of the disruption.</param>
/// <param name="Efficiency">Expected efficiency variance (extra conversion cost on alternate work centers).</param>
/// <param name="PremiumFreight">Expected premium freight of the expedites.</param>
/// <param name="Accruals">The accrual proposals made.</param>
public sealed record CostVarianceExpected(string Disruption, string Plant, MoneyValue Efficiency, MoneyValue PremiumFreight, IReadOnlyList<string> Accruals);
