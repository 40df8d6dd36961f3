using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Store;

namespace Takt.Integration;

internal static class DeadLetterEndpoints
{
    public sealed record ReplayRequest(string? Subscriber, long[]? Seqs);

    public sealed record ReplayResult(int Replayed);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/dead-letters", async (TaktStore store, string? subscriber, int? limit, CancellationToken ct) =>
                Results.Ok(await DeadLetters.ListAsync(store, subscriber, Math.Clamp(limit ?? 100, 1, 1000), ct)))
            .WithName("ListDeadLetters")
            .WithSummary("Outbox deliveries that failed every attempt.");
        api.MapPost("/dead-letters/replay", async (TaktStore store, TimeProvider clock, ReplayRequest request, CancellationToken ct) =>
                Results.Ok(new ReplayResult(await DeadLetters.ReplayAsync(store, clock, request.Subscriber, request.Seqs, ct))))
            .WithName("ReplayDeadLetters")
            .WithSummary("Queue dead-lettered deliveries again (all, one subscriber's, or the given ones).");
    }
}
