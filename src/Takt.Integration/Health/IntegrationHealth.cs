using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Store;

namespace Takt.Integration.Health;

/// <summary>
/// One client's integration figures over a window (DESIGN §5). FailuresPer1000 is the integration failure
/// frequency: rejected inbound events and failed webhook deliveries (Failures) per 1,000 of both (Exchanges).
/// </summary>
public sealed record ClientHealth(
    string ClientId,
    string? Name,
    long? LatencyObjectiveMs,
    long Requests,
    long Denied,
    long EventsAccepted,
    long EventsRejected,
    IReadOnlyDictionary<string, long> RejectedByRule,
    long? P95Ms,
    bool? WithinObjective,
    long WebhookAttempts,
    long WebhookDelivered,
    long WebhookFailed,
    long WebhookRetries,
    long DeadLetters,
    long Failures,
    long Exchanges,
    double FailuresPer1000);

public sealed record IntegrationFailures(string ClientId, long Failures, long Exchanges, double FailuresPer1000);

public sealed record HealthReport<T>(DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<T> Clients);

/// <summary>
/// Per client: requests and denials and request latency (p95 against the client's objective) from the audit
/// log, events accepted and rejected by rule from intake requests, webhook attempts, failures, retries and dead
/// letters of the client's subscriptions.
/// </summary>
public static class IntegrationHealth
{
    public static async Task<IReadOnlyList<ClientHealth>> ReadAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var window = new { from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue };
        await using var connection = await store.OpenConnectionAsync(ct);
        var clients = (await connection.QueryAsync<(string Id, string Name, long Objective)>(new CommandDefinition(
            "SELECT id, name, latency_objective_ms FROM integration_client", cancellationToken: ct))).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var requests = (await connection.QueryAsync<(string Client, string Decision, long? DurationMs, long Accepted, long Rejected, string? Rules)>(new CommandDefinition(
            """
            SELECT client_id, decision, duration_ms, events_accepted, events_rejected, rejected_rules FROM integration_audit
            WHERE client_id IS NOT NULL AND at_us >= @from AND at_us < @to
            """, window, cancellationToken: ct))).ToLookup(r => r.Client, StringComparer.Ordinal);
        var attempts = (await connection.QueryAsync<(string Client, long Attempts, long Delivered, long Failed, long Retries)>(new CommandDefinition(
            """
            SELECT w.client_id, COUNT(*),
                   SUM(CASE WHEN a.error IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN a.error IS NULL THEN 0 ELSE 1 END), SUM(CASE WHEN a.attempt > 1 THEN 1 ELSE 0 END)
            FROM integration_webhook_attempt a JOIN integration_webhook w ON w.id = a.webhook_id
            WHERE w.client_id IS NOT NULL AND a.at_us >= @from AND a.at_us < @to
            GROUP BY w.client_id
            """, window, cancellationToken: ct))).ToDictionary(r => r.Client, StringComparer.Ordinal);
        var dead = (await connection.QueryAsync<(string Client, long Dead)>(new CommandDefinition(
            """
            SELECT w.client_id, COUNT(*) FROM store_outbox_retry r JOIN integration_webhook w ON r.subscriber = 'webhook:' || w.id
            WHERE r.status = 'dead' AND w.client_id IS NOT NULL GROUP BY w.client_id
            """, cancellationToken: ct))).ToDictionary(r => r.Client, r => r.Dead, StringComparer.Ordinal);

        var ids = requests.Select(g => g.Key).Concat(attempts.Keys).Concat(dead.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return [.. ids.Select(id =>
        {
            var mine = requests[id].ToList();
            var durations = mine.Where(r => r.DurationMs is not null).Select(r => r.DurationMs!.Value).Order().ToArray();
            long? p95 = durations.Length == 0 ? null : durations[Math.Clamp((int)Math.Ceiling(0.95 * durations.Length) - 1, 0, durations.Length - 1)];
            var known = clients.TryGetValue(id, out var client);
            var rules = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var pair in mine.Where(r => r.Rules is not null).SelectMany(r => r.Rules!.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                var at = pair.LastIndexOf(':');
                rules[pair[..at]] = rules.GetValueOrDefault(pair[..at]) + long.Parse(pair[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }

            var accepted = mine.Sum(r => r.Accepted);
            var rejected = mine.Sum(r => r.Rejected);
            var web = attempts.GetValueOrDefault(id);
            var failures = rejected + web.Failed;
            var exchanges = accepted + rejected + web.Attempts;
            return new ClientHealth(
                id, known ? client.Name : null, known ? client.Objective : null,
                mine.Count, mine.Count(r => r.Decision == "denied"), accepted, rejected, rules,
                p95, p95 is null || !known ? null : p95 <= client.Objective,
                web.Attempts, web.Delivered, web.Failed, web.Retries, dead.GetValueOrDefault(id),
                failures, exchanges, exchanges == 0 ? 0 : Math.Round(failures * 1000.0 / exchanges, 2));
        })];
    }

    public static void Map(RouteGroupBuilder api)
    {
        // Both read the audit log, which requests fill through a queue: flush it first, so that the figures hold every
        // request answered before this one (as GET /api/v1/audit does).
        api.MapGet("/kpis/integration-failures", async (TaktStore store, Access.AuditLog audit, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            {
                await audit.FlushAsync(ct);
                var clients = await ReadAsync(store, from, to, ct);
                return Results.Json(new HealthReport<IntegrationFailures>(from, to, [.. clients.Select(h => new IntegrationFailures(h.ClientId, h.Failures, h.Exchanges, h.FailuresPer1000))]), Gateway.Problem.Json);
            })
            .WithName("IntegrationFailures")
            .WithSummary("KPI: rejected inbound events and failed webhook deliveries per 1,000, by client (DESIGN §5).");
        api.MapGet("/integration/health", async (TaktStore store, Access.AuditLog audit, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            {
                await audit.FlushAsync(ct);
                return Results.Json(new HealthReport<ClientHealth>(from, to, await ReadAsync(store, from, to, ct)), Gateway.Problem.Json);
            })
            .WithName("IntegrationHealth")
            .WithSummary("Per client: requests, denials, events accepted and rejected by rule, p95 latency against its objective, webhook deliveries, failures, retries and dead letters.");
    }
}
