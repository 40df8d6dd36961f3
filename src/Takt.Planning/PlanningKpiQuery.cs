namespace Takt.Planning;

/// <summary>The planning KPIs (schedule change cycle time, late orders, orders on alternates) for other modules and hosts to read.</summary>
public static class PlanningKpiQuery
{
    /// <summary>
    /// Schedule change cycle time (DESIGN §5) over the disruptions re-planned (those that occurred in [from, to) when
    /// given), today's late orders and orders on alternate work centers; all plants or one.
    /// </summary>
    public static async Task<PlanningKpis> KpisAsync(Takt.Store.TaktStore store, TimeProvider clock, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var cycle = (await PlanningEndpoints.DisruptionsAsync(tx, plant, null, ct)).Where(d => d.CycleTimeSeconds is not null && (from is null || d.OccurredAt >= from) && (to is null || d.OccurredAt < to)).Select(d => d.CycleTimeSeconds!.Value).Order().ToList();
        var late = Convert.ToInt64(await tx.Command("SELECT COUNT(DISTINCT order_number) FROM planning_operation WHERE late_minutes > 0 AND ($1 = '' OR plant = $1)", plant ?? "").ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        var alternates = Convert.ToInt64(await tx.Command("SELECT COUNT(DISTINCT order_number) FROM planning_operation WHERE work_center <> routing_work_center AND ($1 = '' OR plant = $1)", plant ?? "").ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        double? Rank(double p) => cycle.Count == 0 ? null : cycle[Math.Clamp((int)Math.Ceiling(p * cycle.Count) - 1, 0, cycle.Count - 1)];
        return new PlanningKpis(plant, cycle.Count, Rank(0.5), Rank(0.95), cycle.Count == 0 ? null : cycle[^1], late, alternates);
    }
}
