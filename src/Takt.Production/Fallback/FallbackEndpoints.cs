using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Production.Fallback;

/// <summary>Manual fallback over HTTP: record a fact by hand (one transaction), read the reconciliation report.</summary>
internal static class FallbackEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/fallback/entries", async (HttpContext http, IFallback fallback, TaktStore store, TimeProvider clock, FallbackRequest? body, CancellationToken ct) =>
            {
                var actor = http.User.FindFirst("client_id")?.Value ?? "unknown";
                var recorded = await store.WriteAsync(clock, tx => fallback.RecordAsync(tx, body ?? new FallbackRequest(), actor, ct), ct);
                if (!recorded.IsRejected)
                    return Results.Json(recorded.Value, Json, statusCode: StatusCodes.Status201Created);
                var v = recorded.Violations;
                var problem = new ProductionEndpoints.ProblemBody("urn:takt:problem:rule-violated", "A business rule is broken.", 422, v.Count == 1 ? v[0].Detail : null, v);
                return Results.Json(problem, Json, "application/problem+json", problem.Status);
            })
            .WithName("RecordFallbackEntry")
            .WithTags("Operations")
            .WithSummary("Manual fallback: record an issue, confirmation or yield by hand while the plant system is down; it posts at once and is later matched to the plant system's own event (only the difference is applied).");
        api.MapGet("/fallback/reconciliation", async (IFallback fallback, TaktStore store, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
                Results.Json(await fallback.ReportAsync(store, plant, from, to, ct), Json))
            .WithName("FallbackReconciliation")
            .WithTags("Operations")
            .WithSummary("The reconciliation of fallback records with the plant systems' events: waiting, matched, difference-applied, conflicting, unmatched, with each match.");
    }
}
