using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Planning;

/// <summary>An expedite requisition planning made for a disruption, with its expected premium freight.</summary>
public sealed record ExpediteView(string Requisition, string Plant, string Item, decimal Quantity, decimal Value, decimal PremiumFreight);

/// <summary>A work center outage and what re-planning did about it.</summary>
/// <param name="CycleTimeSeconds">Schedule change cycle time: the machine-down event's time to the committed re-plan (affected orders rescheduled in the same commit).</param>
/// <param name="MaxDelayHours">The largest delay of a late order past its due date.</param>
public sealed record DisruptionView(
    string Id,
    string Plant,
    string WorkCenter,
    DateTimeOffset DownFrom,
    DateTimeOffset DownTo,
    string Status,
    DateTimeOffset OccurredAt,
    DateTimeOffset? CommittedAt,
    DateTimeOffset? UpAt,
    DateTimeOffset? ReplannedUpAt,
    int AffectedOrders,
    int LateOrders,
    decimal MaxDelayHours,
    int Requisitions,
    decimal EfficiencyVariance,
    decimal PremiumFreight,
    string Currency,
    double? CycleTimeSeconds,
    IReadOnlyList<ExpediteView> Expedites);

/// <summary>One operation of the finite capacity schedule.</summary>
/// <param name="LateMinutes">Minutes the order finishes after the end of its due date (0 when on time).</param>
public sealed record ScheduledOperationView(string Order, string Operation, string Plant, string Item, string RoutingWorkCenter, string WorkCenter, string WorkPlant,
    DateTimeOffset Start, DateTimeOffset Finish, long Minutes, DateOnly DueDate, long LateMinutes, string? Disruption);

/// <summary>A planned order of the last run: make (production proposal) or buy (purchase proposal).</summary>
public sealed record PlannedOrderView(string Plant, string Item, int Seq, bool Make, decimal Quantity, DateOnly ReleaseDate, DateOnly DueDate, string Run, IReadOnlyList<PegView> Pegs);

/// <summary>What a planned order serves (single-level pegging).</summary>
/// <param name="Kind"><c>customer-order</c>, <c>forecast</c>, <c>production-order</c> (an open order's component),
/// <c>planned-order</c> (the parent's planned order, reference <c>item#seq</c> at the same plant) or <c>safety-stock</c>.</param>
/// <param name="NeedDate">When the requirement needs it.</param>
public sealed record PegView(string Kind, string Reference, decimal Quantity, DateOnly NeedDate);

/// <summary>Schedule change cycle time (DESIGN §5) in seconds over the disruptions re-planned, and today's late orders.</summary>
public sealed record PlanningKpis(string? Plant, long Disruptions, double? CycleTimeP50Seconds, double? CycleTimeP95Seconds, double? CycleTimeMaxSeconds, long LateOrders, long OrdersOnAlternates);

internal static class PlanningEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/planning/runs", async (PlanRequest? body, IPlanning planning, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                Answer(await WriteAsync(store, clock, tx => planning.RunAsync(tx, body ?? new PlanRequest(null), ct), ct), StatusCodes.Status201Created))
            .WithName("RunPlanning")
            .WithSummary("Plans plants from scratch: regenerative MRP and a finite capacity schedule of every open production order.");
        api.MapGet("/planning/disruptions", async (TaktStore store, TimeProvider clock, string? plant, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                return Results.Json(await DisruptionsAsync(tx, plant, null, ct), Problem.Json);
            })
            .WithName("ListDisruptions")
            .WithSummary("Work center outages and what re-planning did: affected and late orders, expedites, expected variance, cycle time.");
        api.MapGet("/planning/schedule", async (TaktStore store, TimeProvider clock, string? plant, string? workCenter, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var rows = new List<ScheduledOperationView>();
                await using var reader = await tx.Command(
                    $"SELECT {PlanningData.ScheduleColumns} FROM planning_operation WHERE ($1 = '' OR plant = $1 OR work_plant = $1) AND ($2 = '' OR work_center = $2 OR routing_work_center = $2) ORDER BY start_us, order_number, operation LIMIT 10000",
                    plant ?? "", workCenter ?? "").ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var r = PlanningData.ReadSchedule(reader);
                    rows.Add(new ScheduledOperationView(r.Order, r.Operation, r.Plant, r.Item, r.RoutingWorkCenter, r.WorkCenter, r.WorkPlant, r.Start, r.Finish, r.Minutes, r.DueDate, r.LateMinutes, r.Disruption));
                }

                return Results.Json(rows, Problem.Json);
            })
            .WithName("GetSchedule")
            .WithSummary("The finite capacity schedule: where and when each operation of the open production orders runs.");
        api.MapGet("/planning/planned-orders", async (TaktStore store, TimeProvider clock, string? plant, string? item, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var pegs = new Dictionary<(string, string, long), List<PegView>>();
                await using (var pegReader = await tx.Command(
                    "SELECT plant, item, seq, kind, reference, quantity_e6, need_date FROM planning_peg WHERE ($1 = '' OR plant = $1) AND ($2 = '' OR item = $2) ORDER BY plant, item, seq, line",
                    plant ?? "", item ?? "").ExecuteReaderAsync(ct))
                {
                    while (await pegReader.ReadAsync(ct))
                    {
                        var key = (pegReader.GetString(0), pegReader.GetString(1), pegReader.GetInt64(2));
                        if (!pegs.TryGetValue(key, out var list))
                            pegs[key] = list = [];
                        list.Add(new PegView(pegReader.GetString(3), pegReader.GetString(4), Fixed.FromE6(pegReader.GetInt64(5)), Instants.FromDateKey((int)pegReader.GetInt64(6))));
                    }
                }

                var rows = new List<PlannedOrderView>();
                await using var reader = await tx.Command(
                    "SELECT plant, item, seq, make, quantity_e6, release_date, due_date, run_id FROM planning_planned_order WHERE ($1 = '' OR plant = $1) AND ($2 = '' OR item = $2) ORDER BY plant, item, seq LIMIT 50000",
                    plant ?? "", item ?? "").ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new PlannedOrderView(reader.GetString(0), reader.GetString(1), (int)reader.GetInt64(2), reader.GetInt64(3) != 0, Fixed.FromE6(reader.GetInt64(4)),
                        Instants.FromDateKey((int)reader.GetInt64(5)), Instants.FromDateKey((int)reader.GetInt64(6)), reader.GetString(7),
                        pegs.GetValueOrDefault((reader.GetString(0), reader.GetString(1), reader.GetInt64(2))) ?? []));
                }

                return Results.Json(rows, Problem.Json);
            })
            .WithName("ListPlannedOrders")
            .WithSummary("Planned orders of the last planning run (make: production proposals, buy: purchase proposals), each with what it serves (single-level pegging).");
        api.MapGet("/planning/kpis", async (TaktStore store, TimeProvider clock, string? plant, CancellationToken ct) =>
                Results.Json(await PlanningKpiQuery.KpisAsync(store, clock, plant, ct), Problem.Json))
            .WithName("PlanningKpis")
            .WithSummary("Schedule change cycle time (p50, p95, max), late orders and orders on alternate work centers.");
    }

    internal static async Task<List<DisruptionView>> DisruptionsAsync(StoreTransaction tx, string? plant, string? id, CancellationToken ct)
    {
        var expedites = new Dictionary<string, List<ExpediteView>>(StringComparer.Ordinal);
        await using (var reader = await tx.Command("SELECT disruption, requisition, plant, item, quantity_e6, value_e4, freight_e4 FROM planning_expedite WHERE ($1 = '' OR disruption = $1) ORDER BY requisition", id ?? "").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (!expedites.TryGetValue(reader.GetString(0), out var list))
                    expedites[reader.GetString(0)] = list = [];
                list.Add(new ExpediteView(reader.GetString(1), reader.GetString(2), reader.GetString(3), Fixed.FromE6(reader.GetInt64(4)), Fixed.FromE4(reader.GetInt64(5)), Fixed.FromE4(reader.GetInt64(6))));
            }
        }

        var result = new List<DisruptionView>();
        await using (var reader = await tx.Command(
            "SELECT id, plant, work_center, down_from_us, down_to_us, status, occurred_at_us, committed_at_us, up_at_us, replanned_up_at_us, affected_orders, late_orders, max_delay_minutes, requisitions, efficiency_e4, freight_e4, currency FROM planning_disruption WHERE ($1 = '' OR plant = $1) AND ($2 = '' OR id = $2) ORDER BY id DESC LIMIT 1000",
            plant ?? "", id ?? "").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : Instants.FromUnixMicroseconds(reader.GetInt64(i));
                var occurred = Instants.FromUnixMicroseconds(reader.GetInt64(6));
                var committed = At(7);
                result.Add(new DisruptionView(reader.GetString(0), reader.GetString(1), reader.GetString(2), Instants.FromUnixMicroseconds(reader.GetInt64(3)), Instants.FromUnixMicroseconds(reader.GetInt64(4)),
                    reader.GetString(5), occurred, committed, At(8), At(9), (int)reader.GetInt64(10), (int)reader.GetInt64(11), decimal.Round(reader.GetInt64(12) / 60m, 2), (int)reader.GetInt64(13),
                    Fixed.FromE4(reader.GetInt64(14)), Fixed.FromE4(reader.GetInt64(15)), reader.GetString(16), committed is { } c ? (c - occurred).TotalSeconds : null,
                    expedites.GetValueOrDefault(reader.GetString(0)) ?? []));
            }
        }

        return result;
    }

    private static Task<Outcome<T>> WriteAsync<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<Outcome<T>>> work, CancellationToken ct) =>
        store.WriteAsync(clock, work, ct);

    private static IResult Answer<T>(Outcome<T> outcome, int status = StatusCodes.Status200OK)
    {
        if (!outcome.IsRejected)
            return Results.Json(outcome.Value, Problem.Json, statusCode: status);
        var problem = Problem.RuleViolated(outcome.Violations);
        return Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
    }
}
