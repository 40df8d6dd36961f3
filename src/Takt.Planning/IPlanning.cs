using Takt.Contracts;
using Takt.Store;

namespace Takt.Planning;

/// <summary>What a planning run did.</summary>
/// <param name="Kind"><c>regenerative</c> or <c>net-change</c>.</param>
/// <param name="ItemsPlanned">Plant items netted.</param>
/// <param name="OrdersRescheduled">Production orders whose operations moved.</param>
/// <param name="Requisitions">Expedite requisitions created.</param>
public sealed record PlanRunView(
    string Id,
    string Kind,
    string Trigger,
    string? Disruption,
    IReadOnlyList<string> Plants,
    int ItemsPlanned,
    int PlannedOrders,
    int Requisitions,
    int OrdersRescheduled,
    int LateOrders,
    DateTimeOffset CommittedAt);

/// <summary>A request to plan plants: every open order scheduled; MRP regenerative (every item netted, the default) or
/// <c>net-change</c> (only the items whose input changed since the last run, and what their changes reach).</summary>
public sealed record PlanRequest(IReadOnlyList<string>? Plants, string? Mode = null);

/// <summary>Material requirements planning and finite capacity scheduling.</summary>
public interface IPlanning
{
    /// <summary>Plans the plants from scratch in the caller's transaction (regenerative MRP, finite capacity schedule).</summary>
    Task<Outcome<PlanRunView>> RunAsync(StoreTransaction transaction, PlanRequest request, CancellationToken ct);
}

/// <summary>How expedites are costed and who planning acts as.</summary>
public sealed record PlanningOptions
{
    /// <summary>Premium freight of an expedite as a share of its value (percent).</summary>
    public decimal PremiumFreightPercent { get; set; } = 18m;

    /// <summary>The least premium freight of one expedite (company currency).</summary>
    public decimal MinimumPremiumFreight { get; set; } = 150m;

    /// <summary>The requester of planning's requisitions and the proposer of its accruals (segregation of duties keeps it from approving them).</summary>
    public string Actor { get; set; } = "mrp-planner";
}
