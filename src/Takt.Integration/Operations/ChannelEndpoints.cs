using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Operations;

/// <summary><c>/api/v1/ops/channels</c>: queue management for controlled restarts (pause, drain, resume, status).</summary>
internal static class ChannelEndpoints
{
    public sealed record ChannelRequest(string? Reason);

    public static void Map(RouteGroupBuilder api)
    {
        var ops = api.MapGroup("/ops/channels").WithTags("Operations");
        ops.MapGet("/", async (TaktStore store, ChannelControl control, TimeProvider clock, CancellationToken ct) =>
                Results.Json(await ChannelStatuses.ReadAsync(store, control, clock, ct), Problem.Json))
            .Produces<ChannelStatus[]>(200)
            .WithName("ListChannels")
            .WithSummary("Every inbound channel and outbound subscription: state, queue depth, age of the oldest message, throughput.");
        ops.MapGet("/history", async (TaktStore store, string? channel, int? limit, CancellationToken ct) =>
                Results.Json(await ChannelStore.HistoryAsync(store, channel, Math.Clamp(limit ?? 100, 1, 1000), ct), Problem.Json))
            .Produces<ChannelChange[]>(200)
            .WithName("ChannelHistory")
            .WithSummary("Who paused, drained or resumed which channel, when and why; newest first.");
        Action(ops, "pause", ChannelAction.Pause, "PauseChannel", "Stop taking (inbound: 503 with Retry-After; MQTT: the broker keeps the messages) or sending (outbound: deliveries wait).");
        Action(ops, "drain", ChannelAction.Drain, "DrainChannel", "Finish what waits, then pause: inbound refuses new work at once; outbound delivers up to the outbox position of now.");
        Action(ops, "resume", ChannelAction.Resume, "ResumeChannel", "Run the channel again; what waited is taken or delivered.");
    }

    private static void Action(RouteGroupBuilder ops, string verb, ChannelAction action, string name, string summary) =>
        ops.MapPost($"/{{channel}}/{verb}", async (TaktStore store, ChannelControl control, string channel, ChannelRequest? request, HttpContext http, CancellationToken ct) =>
            {
                var errors = await ChannelStore.CheckAsync(store, channel, action, request?.Reason, ct);
                if (errors.Any(e => e.Rule == "channel.unknown"))
                    return ReceiveEvents.Respond(Problem.NotFound(errors.First(e => e.Rule == "channel.unknown")));
                if (errors.Count > 0)
                    return ReceiveEvents.Respond(Problem.Malformed(errors));
                var actor = http.User.FindFirst("client_id")?.Value ?? "anonymous";
                return Results.Json(await control.ApplyAsync(channel, action, request?.Reason, actor, ct), Problem.Json);
            })
            .Produces<ChannelState>(200)
            .ProducesProblem(400)
            .ProducesProblem(404)
            .WithName(name)
            .WithSummary(summary);
}
