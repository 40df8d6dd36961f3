using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary><c>/api/v1/clients</c>: register clients, rotate and revoke their keys (scope clients:manage); and the audit log.</summary>
internal static class ClientEndpoints
{
    public sealed record RotateRequest(int? GraceMinutes, int? ExpiresInDays);

    public sealed record RevokeRequest(string? KeyId);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/clients", async (NewClient request, TaktStore store, AccessClock clock, AccessOptions options, CancellationToken ct) =>
                Respond(await ClientRegistry.RegisterAsync(store, clock.Time, options, request, ct), r => Results.Json(r, Problem.Json, statusCode: 201)))
            .WithName("RegisterClient")
            .WithSummary("Register a client; the answer holds its first API key, shown this once.")
            .Produces<ClientRegistered>(201)
            .ProducesProblem(400)
            .ProducesProblem(409);
        api.MapGet("/clients", async (TaktStore store, CancellationToken ct) => Results.Json(await ClientRegistry.ListAsync(store, ct), Problem.Json))
            .WithName("ListClients")
            .WithSummary("Registered clients with their keys (never the secrets).")
            .Produces<IReadOnlyList<RegisteredClient>>();
        api.MapGet("/clients/{clientId}", async (string clientId, TaktStore store, CancellationToken ct) =>
                await ClientRegistry.GetAsync(store, clientId, ct) is { } client
                    ? Results.Json(client, Problem.Json)
                    : ReceiveEvents.Respond(AccessProblems.NotFound(new Violation("/clientId", "client.unknown", $"No client '{clientId}' is registered."))))
            .WithName("GetClient")
            .WithSummary("One registered client.")
            .Produces<RegisteredClient>()
            .ProducesProblem(404);
        api.MapPost("/clients/{clientId}/rotate", async (string clientId, [FromBody] RotateRequest? request, TaktStore store, AccessClock clock, CancellationToken ct) =>
                Respond(await ClientRegistry.RotateAsync(store, clock.Time, clientId, TimeSpan.FromMinutes(request?.GraceMinutes ?? 0), request?.ExpiresInDays, ct), k => Results.Json(k, Problem.Json)))
            .WithName("RotateClientKey")
            .WithSummary("Issue a new API key; the client's other keys stop working after graceMinutes (default 0: at once).")
            .Produces<IssuedKey>()
            .ProducesProblem(400)
            .ProducesProblem(404)
            .ProducesProblem(409);
        api.MapPost("/clients/{clientId}/revoke", async (string clientId, [FromBody] RevokeRequest? request, TaktStore store, AccessClock clock, CancellationToken ct) =>
                Respond(await ClientRegistry.RevokeAsync(store, clock.Time, clientId, request?.KeyId, ct), c => Results.Json(c, Problem.Json)))
            .WithName("RevokeClient")
            .WithSummary("Revoke one key (keyId), or the client and all its keys.")
            .Produces<RegisteredClient>()
            .ProducesProblem(404);
        api.MapPost("/clients/{clientId}/mqtt-credentials", async (string clientId, TaktStore store, AccessClock clock, CancellationToken ct) =>
                Respond(await Mqtt.MqttCredentials.IssueAsync(store, clock.Time, clientId, ct), c => Results.Json(c, Problem.Json)))
            .WithName("IssueMqttCredential")
            .WithSummary("Give a client an MQTT login (user = client id), replacing its previous password; the password is shown this once. Regenerate the broker's files afterwards (takt clients mqtt-broker).")
            .Produces<Mqtt.MqttCredential>()
            .ProducesProblem(404)
            .ProducesProblem(409);
        api.MapGet("/audit", async (TaktStore store, AuditLog audit, string? clientId, string? decision, long? after, int? limit, CancellationToken ct) =>
            {
                await audit.FlushAsync(ct);
                return Results.Json(await AuditLog.ReadAsync(store, clientId, decision, after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct), Problem.Json);
            })
            .WithName("ListAudit")
            .WithSummary("Authorization decisions, oldest first: who called what, with which scope and plants, allowed or denied and why.")
            .Produces<IReadOnlyList<AuditRecord>>();
    }

    private static IResult Respond<T>(Outcome<T> outcome, Func<T, IResult> ok)
    {
        if (!outcome.IsRejected)
            return ok(outcome.Value);
        var first = outcome.Violations[0];
        return ReceiveEvents.Respond(first.Rule switch
        {
            "client.id-taken" or "client.revoked" => Problem.Conflict(first),
            "client.unknown" or "key.unknown" => AccessProblems.NotFound(first),
            _ => Problem.Malformed(outcome.Violations),
        });
    }
}
