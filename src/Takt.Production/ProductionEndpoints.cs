using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.MasterData;
using Takt.Production.Costing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Store;

namespace Takt.Production;

/// <summary>The order lifecycle, cost versions and settled variances over HTTP; every write is one transaction.</summary>
internal static class ProductionEndpoints
{
    internal sealed record ProblemBody(string Type, string Title, int Status, string? Detail, IReadOnlyList<Violation> Errors);

    public sealed record SimulateRequest(string Plant, DateOnly ValidFrom, string? Reason);

    public sealed record CostActionRequest(string? Reason);

    public sealed record VarianceReport(IReadOnlyList<VarianceRow> Rows, IReadOnlyDictionary<string, decimal> Totals);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/production-orders", async (HttpContext http, IProduction production, TaktStore store, TimeProvider clock, CreateProductionOrder body, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var created = await production.CreateAsync(tx, body, null, ct);
                if (!created.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(created, StatusCodes.Status201Created);
            })
            .WithName("CreateProductionOrder")
            .WithSummary("Create a production order: the BOM and routing valid today are snapshot with plan prices and rates.");
        api.MapPost("/production-orders/{number}/{action}", async (HttpContext http, IProduction production, TaktStore store, TimeProvider clock, string number, string action, OrderAction body, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var done = await production.ActAsync(tx, number, action, body ?? new OrderAction(), Actor(http), ct);
                if (!done.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(done);
            })
            .WithName("ActOnProductionOrder")
            .WithSummary("release | issue | confirm | yield | scrap | hold | release-hold | complete | settle; a step the order's state does not allow is refused with the state and rule.");
        api.MapGet("/production/variances", async (IProduction production, TaktStore store, string? plant, string? order, string? item, int? period, CancellationToken ct) =>
            {
                var rows = await production.VariancesAsync(store, plant, order, item, period, ct);
                var totals = rows.GroupBy(r => r.Category, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount), StringComparer.Ordinal);
                return Results.Json(new VarianceReport(rows, totals), Json);
            })
            .WithName("ListProductionVariances")
            .WithSummary("Settled variances (price, usage, efficiency, scrap, mix, remaining) per order, item, plant and period (yyyymm), with totals per category.");

        api.MapPost("/production/quality-holds", async (HttpContext http, TaktStore store, TimeProvider clock, Orders.PlaceLotHold body, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var placed = await Orders.QualityHolds.PlaceLotHoldAsync(tx, http.RequestServices.GetRequiredService<Takt.Orchestration.IOrchestration>(), body, Actor(http), ct);
                if (!placed.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(placed, StatusCodes.Status201Created);
            })
            .WithName("PlaceLotQualityHold")
            .WithSummary("Put a lot of a lot-controlled item on quality hold: issuing it is refused until the plant's quality-hold-release flow releases it. (Orders: POST /production-orders/{number}/hold.)");
        api.MapGet("/production/quality-holds", async (TaktStore store, string? plant, string? status, CancellationToken ct) =>
                Results.Json(await Orders.QualityHolds.ListAsync(store, plant, status, null, ct), Json))
            .WithName("ListQualityHolds")
            .WithSummary("Quality holds on orders and lots (open, released, scrap-requested) with who placed them, why, the release flow and its disposition.");

        var costing = api.MapGroup("/costing").WithTags("Costing");
        costing.MapPost("/versions", async (HttpContext http, IProduction production, TaktStore store, SimulateRequest body, CancellationToken ct) =>
                Answer(await production.SimulateCostsAsync(store, body.Plant ?? "", body.ValidFrom, new ChangeReason(Actor(http), body.Reason ?? "cost estimate"), ct), StatusCodes.Status201Created))
            .WithName("SimulateCostVersion")
            .WithSummary("Roll up standard costs of a plant as of a date (material, activity, overhead) into a simulated cost version.");
        costing.MapPost("/versions/{id}/{action}", async (HttpContext http, IProduction production, TaktStore store, string id, string action, CostActionRequest? body, CancellationToken ct) =>
                Answer(action switch
                {
                    "mark" => await production.MarkCostsAsync(store, id, Actor(http), ct),
                    "release" => await production.ReleaseCostsAsync(store, id, new ChangeReason(Actor(http), body?.Reason ?? "cost release"), ct),
                    _ => new Violation("/action", "cost-version.action-unknown", "action is mark or release."),
                }))
            .WithName("ActOnCostVersion")
            .WithSummary("mark (simulated → marked) | release (marked → released: new standard costs, stock revalued with a balanced posting).");
        costing.MapGet("/versions/{id}", async (IProduction production, TaktStore store, string id, CancellationToken ct) =>
                await production.CostVersionAsync(store, id, ct) is { } version ? Results.Json(version, Json) : Answer(Outcome<CostVersionView>.FromViolations([new Violation("/id", "cost-version.unknown", $"No cost version '{id}'.")])))
            .WithName("GetCostVersion")
            .WithSummary("A cost version with its estimates per item.");
    }

    private static string Actor(HttpContext http) => http.User.FindFirst("client_id")?.Value ?? "unknown";

    private static IResult Answer<T>(Outcome<T> outcome, int status = StatusCodes.Status200OK)
    {
        if (!outcome.IsRejected)
            return Results.Json(outcome.Value, Json, statusCode: status);
        var v = outcome.Violations;
        var problem = v.All(x => x.Rule is "order.unknown" or "cost-version.unknown")
            ? new ProblemBody("urn:takt:problem:not-found", "The resource does not exist.", 404, v[0].Detail, v)
            : v.Any(x => x.Rule.StartsWith("json.", StringComparison.Ordinal) || x.Rule.EndsWith(".action-unknown", StringComparison.Ordinal))
                ? new ProblemBody("urn:takt:problem:malformed", "The request is malformed.", 400, v.Count == 1 ? v[0].Detail : null, v)
                : new ProblemBody("urn:takt:problem:rule-violated", "A business rule is broken.", 422, v.Count == 1 ? v[0].Detail : null, v);
        return Results.Json(problem, Json, "application/problem+json", problem.Status);
    }
}
