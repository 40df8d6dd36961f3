using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts.Events;
using Takt.Integration.Operations;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// Monitored dependencies (issue 14): a client with a freshness objective ("Plant A's MES sends an event at least
/// every 10 minutes") that stays silent longer raises an integration exception once — the
/// <c>takt.integration.client-silent.v1</c> event, an integration-silence flow waiting for it to come back, a
/// degraded readiness check — and its next event clears it once, ending the flow by itself. Time is a fake clock.
/// </summary>
public abstract class FreshnessContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FreshnessHost
{
    private readonly FakeTimeProvider clock = fixture.Clock;

    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_client_silent_beyond_its_objective_raises_one_integration_exception_and_its_next_event_clears_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await Host.RegisterClientAsync("mes-pa01", [Integration.Access.Scopes.EventsProductionWrite], [DemoData.PlantA]);
        using var mes = Host.HttpWith(key.ApiKey);
        var freshness = Host.Service<ClientFreshness>();

        using (var set = await Host.Http.PutAsJsonAsync("/api/v1/ops/freshness/mes-pa01", new { expectEventsWithinMinutes = 10 }, ct))
            Assert.Equal("fresh", (await TaktHost.JsonAsync(set)).GetProperty("state").GetString());
        await SendAsync(mes, "PA01-100001");
        await freshness.CheckOnceAsync(ct);
        var watched = await StatusAsync();
        Assert.True((clock.GetUtcNow() - watched.GetProperty("lastEventAt").GetDateTimeOffset()).Duration() < TimeSpan.FromMilliseconds(1), $"{watched}");

        // Nine minutes: still within the objective.
        clock.Advance(TimeSpan.FromMinutes(9));
        await freshness.CheckOnceAsync(ct);
        Assert.Equal("fresh", (await StatusAsync()).GetProperty("state").GetString());
        Assert.Equal(0, await CountAsync(EventTypes.ClientSilent));

        // Eleven: silent. One alarm, however often it is checked.
        clock.Advance(TimeSpan.FromMinutes(2));
        await freshness.CheckOnceAsync(ct);
        await freshness.CheckOnceAsync(ct);
        Assert.Equal("silent", (await StatusAsync()).GetProperty("state").GetString());
        Assert.Equal(1, await CountAsync(EventTypes.ClientSilent));
        using var alarmData = JsonDocument.Parse((await Tables.QueryAsync<string>(Host.Store, "SELECT data FROM store_outbox_message WHERE type = @type", new { type = EventTypes.ClientSilent })).Single());
        var alarm = alarmData.RootElement;
        Assert.Equal(("mes-pa01", "PA01", 10, 11), (alarm.GetProperty("client").GetString(), alarm.GetProperty("plant").GetString(),
            alarm.GetProperty("expectEventsWithinMinutes").GetInt32(), alarm.GetProperty("silentMinutes").GetInt32()));
        using (var ready = await Host.Anonymous.GetAsync("/health/ready", ct))
        {
            var check = (await TaktHost.JsonAsync(ready)).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "client-freshness");
            Assert.Equal("Degraded", check.GetProperty("status").GetString());
            Assert.Contains("mes-pa01", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        // The exception flow starts and waits for the client to come back.
        await Host.DrainOutboxAsync();
        Assert.Equal([("running", "PA01")], await FlowStatesAsync());

        // It sends again: one all-clear, the flow ends by itself, readiness is healthy again.
        clock.Advance(TimeSpan.FromMinutes(3));
        await SendAsync(mes, "PA01-100001");
        await freshness.CheckOnceAsync(ct);
        await freshness.CheckOnceAsync(ct);
        Assert.Equal("fresh", (await StatusAsync()).GetProperty("state").GetString());
        Assert.Equal(1, await CountAsync(EventTypes.ClientResumed));
        await Host.DrainOutboxAsync();
        await WaitForAsync(async () => (await FlowStatesAsync()).SequenceEqual([("completed", "PA01")]), "the integration-silence flow completed");
        Assert.Empty(freshness.Silent);
    }

    [Fact]
    public async Task a_bad_objective_or_an_unknown_client_is_refused_and_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await Host.SettledSnapshotAsync();
        foreach (var minutes in new[] { 0, -5, ClientFreshness.MaxMinutes + 1 })
        {
            using var refused = await Host.Http.PutAsJsonAsync($"/api/v1/ops/freshness/{TaktHost.SuiteClientId}", new { expectEventsWithinMinutes = minutes }, ct);
            await Problems.AssertAsync(refused, HttpStatusCode.BadRequest, "/expectEventsWithinMinutes", "freshness.minutes-invalid");
        }

        using (var unknown = await Host.Http.PutAsJsonAsync("/api/v1/ops/freshness/nobody", new { expectEventsWithinMinutes = 10 }, ct))
            await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/client", "client.unknown");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    private async Task SendAsync(HttpClient client, string order)
    {
        var issue = Events.MaterialIssued(DemoData.PlantA, order, "RM-3002", 1m, "H87", clock.GetUtcNow().AddMinutes(-1));
        using var response = await client.PostAsync("/api/v1/events", new StringContent(issue.ToJsonString(), System.Text.Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // The audit log (which reports intake to the freshness monitor) is written behind the answer.
        await WaitForAsync(async () => await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_audit WHERE client_id = 'mes-pa01' AND events_accepted > 0") > 0, "the audit record");
    }

    private async Task<JsonElement> StatusAsync() =>
        (await Host.GetAsync<JsonElement[]>("/api/v1/ops/freshness")).Single(s => s.GetProperty("client").GetString() == "mes-pa01");

    private Task<long> CountAsync(string type) =>
        Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = @type", new { type });

    private async Task<(string Status, string Plant)[]> FlowStatesAsync() =>
        [.. await Tables.QueryAsync<(string, string)>(Host.Store, "SELECT status, plant FROM orch_instance WHERE flow = 'integration-silence'")];

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"Timed out waiting for {what}.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>A server whose business and access clock is a fake the tests move; the background freshness loop waits on it.</summary>
public abstract class FreshnessHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(TimeProvider.System.GetUtcNow());

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.Access.Clock = Clock;
        // The tests run each check themselves; the loop's next turn is a day away on the fake clock.
        settings.Freshness.Interval = TimeSpan.FromDays(1);
    }
}

public sealed class FreshnessSqliteHost() : FreshnessHost("sqlite");

public sealed class FreshnessPostgresHost() : FreshnessHost("postgres");

public sealed class FreshnessOnSqlite(FreshnessSqliteHost fixture) : FreshnessContract<FreshnessSqliteHost>(fixture);

public sealed class FreshnessOnPostgres(FreshnessPostgresHost fixture) : FreshnessContract<FreshnessPostgresHost>(fixture);
