using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Operations;

/// <summary><c>/api/v1/ops/freshness</c>: which clients must send events how often, and which are silent.</summary>
internal static class FreshnessEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var ops = api.MapGroup("/ops/freshness").WithTags("Operations");
        ops.MapGet("/", async (TaktStore store, CancellationToken ct) => Results.Json(await ClientFreshness.ReadAsync(store, ct), Problem.Json))
            .Produces<ClientFreshnessStatus[]>(200)
            .WithName("ListClientFreshness")
            .WithSummary("Every active client: its freshness objective, last accepted event and open silence alarm (watched clients first).");
        ops.MapPut("/{client}", async (TaktStore store, TimeProvider clock, string client, FreshnessRequest request, CancellationToken ct) =>
            {
                var set = await ClientFreshness.SetAsync(store, clock, client, request.ExpectEventsWithinMinutes, ct);
                return set.IsRejected
                    ? ReceiveEvents.Respond(set.Violations[0].Rule == "client.unknown" ? Problem.NotFound(set.Violations[0]) : Problem.Malformed(set.Violations))
                    : Results.Json(set.Value, Problem.Json);
            })
            .Produces<ClientFreshnessStatus>(200)
            .ProducesProblem(400)
            .ProducesProblem(404)
            .WithName("SetClientFreshness")
            .WithSummary("Expect an accepted event from the client at least every N minutes (null: stop watching). Silence beyond it raises an integration exception.");
    }
}
