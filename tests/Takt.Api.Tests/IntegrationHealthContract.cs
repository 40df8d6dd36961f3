using System.Net;
using Takt.Integration.Access;
using Takt.Integration.Health;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>
/// Integration health per client and the KPI integration failure frequency (DESIGN §5): rejected inbound
/// events per 1,000, with the rules they broke, from what the gateway answered each client.
/// </summary>
public abstract class IntegrationHealthContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task rejected_events_count_per_client_with_their_rules()
    {
        var mes = Host.HttpWith((await Host.RegisterClientAsync("health-mes", [Scopes.EventsProductionWrite], ["PA01"])).ApiKey);
        var unknownOrder = Calls.Issue("PA01");
        unknownOrder["data"]!["order"] = "PA01-999999";
        var batch = await Calls.PostBatchAsync(mes, [Calls.Issue("PA01"), Calls.Issue("PA01"), unknownOrder, Calls.Issue("PB01")]);
        Assert.Equal(HttpStatusCode.MultiStatus, batch.StatusCode);
        var noPlant = Calls.Issue("PA01");
        ((System.Text.Json.Nodes.JsonObject)noPlant["data"]!).Remove("plant");
        Assert.Equal(HttpStatusCode.BadRequest, (await Calls.PostEventAsync(mes, noPlant)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Calls.PostEventAsync(mes, Calls.Issue("PA01"))).StatusCode);

        // 3 accepted, 3 rejected (order.unknown, client.plant-forbidden, schema.required) in 6 events: 500 per 1,000.
        // The audit log is written a moment after each answer: wait for the third request's record.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        ClientHealth? health;
        while ((health = (await Host.GetAsync<HealthReport<ClientHealth>>("/api/v1/integration/health")).Clients.SingleOrDefault(c => c.ClientId == "health-mes")) is not { Requests: >= 3 })
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "The audit log never recorded the client's third request.");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.Equal((3L, 3L, 3L, 0L), (health.Requests, health.EventsAccepted, health.EventsRejected, health.Denied));
        Assert.Equal(
            [("client.plant-forbidden", 1L), ("order.unknown", 1L), ("schema.required", 1L)],
            health.RejectedByRule.Select(r => (r.Key, r.Value)));
        Assert.Equal((3L, 6L, 500.0), (health.Failures, health.Exchanges, health.FailuresPer1000));
        Assert.Equal((0L, 0L, 0L), (health.WebhookAttempts, health.WebhookFailed, health.DeadLetters));
        Assert.NotNull(health.P95Ms);
        Assert.Equal(health.P95Ms <= health.LatencyObjectiveMs, health.WithinObjective);

        var kpi = Assert.Single((await Host.GetAsync<HealthReport<IntegrationFailures>>("/api/v1/kpis/integration-failures")).Clients, c => c.ClientId == "health-mes");
        Assert.Equal(new IntegrationFailures("health-mes", 3, 6, 500.0), kpi);

        // A window before any of it holds nothing for the client.
        var before = Uri.EscapeDataString(TimeProvider.System.GetUtcNow().AddDays(-2).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var until = Uri.EscapeDataString(TimeProvider.System.GetUtcNow().AddDays(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain((await Host.GetAsync<HealthReport<IntegrationFailures>>($"/api/v1/kpis/integration-failures?from={before}&to={until}")).Clients, c => c.ClientId == "health-mes");
    }
}

public sealed class IntegrationHealthOnSqlite(SqliteHost fixture) : IntegrationHealthContract<SqliteHost>(fixture);

public sealed class IntegrationHealthOnPostgres(PostgresHost fixture) : IntegrationHealthContract<PostgresHost>(fixture);
