using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Takt.Integration.Gateway;
using Takt.Integration.Mqtt;
using Takt.Integration.Operations;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (it can take work: the database answers,
/// intake has room, the outbox is not stuck), for load balancers and orchestrators. Anonymous, like
/// <c>/health</c>; they name components and counts, never data. A degraded check answers 200, unhealthy 503.
/// </summary>
internal static class HealthChecks
{
    private const string Live = "live";
    private const string Ready = "ready";

    /// <summary>A subscriber this many messages behind the head of the outbox makes readiness degraded.</summary>
    public const long OutboxBacklogDegraded = 100_000;

    public static IServiceCollection AddTaktHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("The server answers."), [Live])
            .AddCheck<DatabaseCheck>("database", tags: [Ready])
            .AddCheck<IntakeCheck>("intake", tags: [Ready])
            .AddCheck<OutboxCheck>("outbox", tags: [Ready])
            .AddCheck<ChannelsCheck>("channels", tags: [Ready])
            .AddCheck<BrokerCheck>("broker", tags: [Ready])
            .AddCheck<WebhookTargetsCheck>("webhook-targets", tags: [Ready])
            .AddCheck<FreshnessCheck>("client-freshness", tags: [Ready]);
        return services;
    }

    public static void MapTaktHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Live), ResponseWriter = WriteAsync }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).ExcludeFromDescription();
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        }, Json));
    }

    /// <summary>The database answers a query within two seconds.</summary>
    private sealed class DatabaseCheck(TaktStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await using var connection = await store.OpenConnectionAsync(timeout.Token);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync(timeout.Token);
                return HealthCheckResult.Healthy($"{store.Engine} answers.");
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException or IOException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"{store.Engine} does not answer: {ex.Message}");
            }
        }
    }

    /// <summary>Intake has room: with the queue full, HTTP clients get 503 and Retry-After until the writer catches up.</summary>
    private sealed class IntakeCheck(IngestPipeline pipeline) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var data = new Dictionary<string, object> { ["inFlight"] = pipeline.InFlight, ["capacity"] = pipeline.Capacity };
            return Task.FromResult(pipeline.InFlight >= pipeline.Capacity
                ? HealthCheckResult.Degraded($"The intake queue is full ({pipeline.InFlight} events waiting); HTTP intake answers 503 until the writer catches up.", data: data)
                : HealthCheckResult.Healthy($"{pipeline.InFlight} of {pipeline.Capacity} intake places in use.", data: data));
        }
    }

    /// <summary>No outbox subscriber is far behind or has dead letters waiting for a replay.</summary>
    private sealed class OutboxCheck(TaktStore store, Outbox outbox) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var backlog = await OutboxBacklog.ReadAsync(store, outbox, ct);
            var data = backlog.ToDictionary(b => b.Subscriber, b => (object)new { behind = b.Behind, retrying = b.Retrying, dead = b.Dead });
            var behind = backlog.Where(b => b.Behind >= OutboxBacklogDegraded || b.Dead > 0).ToList();
            return behind.Count == 0
                ? HealthCheckResult.Healthy($"{backlog.Count} subscribers keep up.", data: data)
                : HealthCheckResult.Degraded($"Behind or with dead letters: {string.Join(", ", behind.Select(b => b.Subscriber))}.", data: data);
        }
    }

    /// <summary>Every channel runs; one that ops paused or is draining makes readiness degraded (named, with the reason).</summary>
    private sealed class ChannelsCheck(ChannelControl channels) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var held = channels.Recorded.Where(c => !c.IsRunning).OrderBy(c => c.Channel, StringComparer.Ordinal).ToList();
            var data = held.ToDictionary(c => c.Channel, c => (object)new { state = c.State, reason = c.Reason, actor = c.Actor, since = c.ChangedAt });
            return Task.FromResult(held.Count == 0
                ? HealthCheckResult.Healthy("Every channel runs.")
                : HealthCheckResult.Degraded($"Held by ops: {string.Join(", ", held.Select(c => $"{c.Channel} ({c.State}: {c.Reason})"))}.", data: data));
        }
    }

    /// <summary>
    /// The MQTT broker: connected, or deliberately away (ops paused the intake). A broker that cannot be reached makes
    /// readiness degraded, not unhealthy: HTTP intake still works, and the broker keeps the messages until Takt is back.
    /// </summary>
    private sealed class BrokerCheck(MqttIntake intake, ChannelControl channels) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var status = intake.Status;
            var data = new Dictionary<string, object> { ["connections"] = status.Connections, ["received"] = status.Received, ["accepted"] = status.Accepted, ["rejected"] = status.Rejected };
            return Task.FromResult(
                !status.Enabled ? HealthCheckResult.Healthy("No MQTT broker is configured.")
                : status.Connected ? HealthCheckResult.Healthy($"Connected to {status.Broker}.", data: data)
                : !channels.Get(Channels.Mqtt).IsRunning ? HealthCheckResult.Healthy($"Away from {status.Broker}: ops holds the MQTT intake {channels.Get(Channels.Mqtt).State}.", data: data)
                : HealthCheckResult.Degraded($"Not connected to {status.Broker}; reconnecting (the broker keeps the session's messages).", data: data));
        }
    }

    /// <summary>Every watched client (a plant's MES, the WMS) sent an event within its objective: a silent one makes readiness degraded.</summary>
    private sealed class FreshnessCheck(Takt.Integration.Operations.ClientFreshness freshness) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var silent = freshness.Silent;
            var data = silent.ToDictionary(s => s.Client, s => (object)new { since = s.SilentSince, lastEventAt = s.LastEventAt, expectEventsWithinMinutes = s.ExpectEventsWithinMinutes });
            return Task.FromResult(silent.Count == 0
                ? HealthCheckResult.Healthy("Every watched client sent an event within its objective.")
                : HealthCheckResult.Degraded($"Silent (no event within the objective; integration exception raised): {string.Join(", ", silent.Select(s => $"{s.Client} for {s.ExpectEventsWithinMinutes}+ min"))}.", data: data));
        }
    }

    /// <summary>Every webhook receiver answers: one whose circuit is open (most recent attempts failed) makes readiness degraded.</summary>
    private sealed class WebhookTargetsCheck(Takt.Integration.Webhooks.WebhookCircuits circuits) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var open = circuits.Open;
            return Task.FromResult(open.Count == 0
                ? HealthCheckResult.Healthy("No webhook receiver's circuit is open.")
                : HealthCheckResult.Degraded($"Circuit open (receiver failing; deliveries wait): {string.Join(", ", open.Select(Channels.Webhook))}."));
        }
    }
}
