using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Webhooks;

internal static class WebhookEndpoints
{
    public sealed record RotateRequest(int? GraceSeconds);

    public sealed record ReplayRequest(DateTimeOffset? From, DateTimeOffset? To, string[]? MessageIds);

    public sealed record ReplayResult(int Replayed);

    public static void Map(RouteGroupBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        webhooks.MapPost("/", async (TaktStore store, TimeProvider clock, WebhookRequest request, HttpContext http, CancellationToken ct) =>
            {
                var violations = WebhookSubscriptions.Check(request);
                if (violations.Count > 0)
                    return Answer(Problem.Malformed(violations));
                // A restricted client subscribes within its plants; without a filter, "my plants" (checked at delivery).
                var client = AccessDecision.ClientOf(http);
                if (request.Plant is { } plant && !client.MayAccessPlant(plant))
                    return Refuse(http, AccessProblems.PlantForbidden("/plant", plant, client));
                // The subscription belongs to the client that created it (shown in its listing and health figures).
                var created = await WebhookSubscriptions.CreateAsync(store, clock, request, http.User.FindFirst("client_id")?.Value, ct);
                return Results.Json(created, Problem.Json, statusCode: StatusCodes.Status201Created);
            })
            .WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to published events (from now on); the answer shows the signing secret once.");
        webhooks.MapGet("/", async (TaktStore store, HttpContext http, CancellationToken ct) =>
                Results.Json(await WebhookSubscriptions.ListAsync(store, AccessDecision.ClientOf(http) is { AllPlantsAllowed: false } client ? client.ClientId : null, ct), Problem.Json))
            .WithName("ListWebhooks")
            .WithSummary("Active webhook subscriptions (a plant-restricted client's own).");
        webhooks.MapGet("/{id}", async (TaktStore store, string id, HttpContext http, CancellationToken ct) =>
                await OwnedAsync(store, id, http, ct) ?? Results.Json(await WebhookSubscriptions.GetAsync(store, id, ct), Problem.Json))
            .WithName("GetWebhook");
        webhooks.MapDelete("/{id}", async (TaktStore store, string id, HttpContext http, CancellationToken ct) =>
                await OwnedAsync(store, id, http, ct) ?? (await WebhookSubscriptions.DeleteAsync(store, id, ct) ? Results.NoContent() : Missing(id)))
            .WithName("DeleteWebhook")
            .WithSummary("Stop deliveries; the subscription's history stays.");
        webhooks.MapPost("/{id}/rotate-secret", async (TaktStore store, TimeProvider clock, string id, RotateRequest? request, HttpContext http, CancellationToken ct) =>
            {
                if (await OwnedAsync(store, id, http, ct) is { } refused)
                    return refused;
                var grace = TimeSpan.FromSeconds(Math.Clamp(request?.GraceSeconds ?? 86_400, 0, 7 * 86_400));
                return await WebhookSubscriptions.RotateAsync(store, clock, id, grace, ct) is { } rotated ? Results.Json(rotated, Problem.Json) : Missing(id);
            })
            .WithName("RotateWebhookSecret")
            .WithSummary("A new signing secret; the old one keeps signing beside it for the grace period (default 24 h).");
        webhooks.MapPost("/{id}/replay", async (TaktStore store, TimeProvider clock, string id, ReplayRequest request, HttpContext http, CancellationToken ct) =>
            {
                if (await OwnedAsync(store, id, http, ct) is { } refused)
                    return refused;
                if (request.From is { } from && request.To is { } to && to <= from)
                    return Answer(Problem.Malformed([new Violation("/to", "replay.range-empty", "to must lie after from.")]));
                if (request.From is null && request.To is null && request.MessageIds is not { Length: > 0 })
                    return Answer(Problem.Malformed([new Violation("", "replay.selection-required", "Name a time range (from, to) or messageIds.")]));
                var count = await WebhookSubscriptions.ReplayAsync(store, clock, id, request.From, request.To, request.MessageIds, ct);
                return count < 0 ? Missing(id) : Results.Json(new ReplayResult(count), Problem.Json);
            })
            .WithName("ReplayWebhook")
            .WithSummary("Send already published events again, by event time range and/or message ids.");
        webhooks.MapGet("/{id}/attempts", async (TaktStore store, string id, int? limit, HttpContext http, CancellationToken ct) =>
                await OwnedAsync(store, id, http, ct) ?? Results.Json(await WebhookSubscriptions.AttemptsAsync(store, id, Math.Clamp(limit ?? 100, 1, 1000), ct), Problem.Json))
            .WithName("ListWebhookAttempts")
            .WithSummary("The latest HTTP attempts, newest first.");
    }

    /// <summary>
    /// Null when the caller may manage subscription <paramref name="id"/>; else the answer: 404 when there is no
    /// such subscription, 403 <c>webhook.not-owned</c> when a plant-restricted client names another client's.
    /// Unrestricted clients manage every subscription.
    /// </summary>
    private static async Task<IResult?> OwnedAsync(TaktStore store, string id, HttpContext http, CancellationToken ct)
    {
        var webhook = await WebhookSubscriptions.GetAsync(store, id, ct);
        if (webhook is null)
            return Missing(id);
        var client = AccessDecision.ClientOf(http);
        if (client.AllPlantsAllowed || string.Equals(webhook.ClientId, client.ClientId, StringComparison.Ordinal))
            return null;
        return Refuse(http, new Violation("/id", "webhook.not-owned",
            $"Subscription '{id}' belongs to another client; client '{client.ClientId}' may act for {string.Join(", ", client.Plants)} only and manages its own subscriptions."));
    }

    private static IResult Refuse(HttpContext http, Violation violation)
    {
        AccessDecision.Of(http).Deny(violation.Rule);
        return Answer(AccessProblems.Forbidden(violation));
    }

    private static IResult Missing(string id) => Answer(Problem.NotFound(new Violation("/id", "webhook.unknown", $"No webhook subscription '{id}'.")));

    private static IResult Answer(Problem problem) => Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
}
