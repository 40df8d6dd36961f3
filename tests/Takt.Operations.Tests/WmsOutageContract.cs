using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Takt.Wms;
using Xunit;
using static Takt.Operations.Tests.Http;

namespace Takt.Operations.Tests;

/// <summary>
/// The fault suite's WMS outage (issue 14): the WMS simulator is down for 20 minutes of the server's (fake) clock
/// while allocations are made. Every pick instruction is retried with backoff (the circuit breaker holding calls
/// off meanwhile), none is given up, and after the WMS comes back each is acknowledged exactly once.
/// </summary>
public abstract class WmsOutageContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : OperationsHost
{
    private static readonly string[] PickEvents = ["takt.inventory.pick-instructed.v1", "takt.inventory.pick-changed.v1", "takt.inventory.pick-cancelled.v1"];

    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task pick_instructions_made_while_the_wms_is_down_for_minutes_are_retried_until_each_is_acknowledged_once()
    {
        var key = await Host.RegisterClientAsync("wms-outage-pa01", [Scopes.EventsProductionWrite, Scopes.InventoryRead, Scopes.WebhooksManage], ["PA01"]);
        var options = new WmsOptions
        {
            Takt = Host.Http.BaseAddress!, ApiKey = key.ApiKey, Urls = "http://127.0.0.1:0",
            MinDelay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(2), FailureRate = 0, SplitRate = 0, DuplicateRate = 0, Seed = 5,
        };
        await using var wms = new WmsSimulator(options);
        await wms.SeedFromTaktAsync("PA01", Ct);
        await wms.StartAsync(Ct);
        string webhook;
        using (var wmsHttp = Host.HttpWith(key.ApiKey))
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks") { Content = JsonContent.Create(new { url = new Uri(wms.Address!, "webhook"), eventTypes = PickEvents, maxAttempts = 50 }) })
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var subscribed = await wmsHttp.SendAsync(request, Ct);
            var created = await OkAsync(subscribed, System.Net.HttpStatusCode.Created);
            options.WebhookSecret = created.GetProperty("secret").GetString();
            webhook = created.GetProperty("webhook").GetProperty("id").GetString()!;
        }

        // The WMS goes down; allocations are made meanwhile.
        await wms.StopAsync();
        var order = (await Host.OrdersAsync()).First(o => o.Plant == "PA01" && o.Status == "released" && o.Item.StartsWith("SF-6", StringComparison.Ordinal));
        var date = fixture.Clock.GetUtcNow().AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var component in order.Components)
        {
            using var reserved = await Host.PostJsonAsync("/api/v1/reservations", new { plant = "PA01", item = component.Item, quantity = new { value = 1, unit = "H87" }, kind = "production-order", reference = order.Number, requirementDate = date });
            var reservation = await OkAsync(reserved, System.Net.HttpStatusCode.Created);
            using var allocated = await Host.PostJsonAsync($"/api/v1/reservations/{reservation.GetProperty("id").GetString()}/allocations", new { });
            Assert.True(allocated.IsSuccessStatusCode, await allocated.Content.ReadAsStringAsync(Ct));
        }

        var instructions = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.pick-instructed.v1' AND plant = 'PA01'", null);
        Assert.True(instructions >= order.Components.Count);

        // 20 minutes of the server's clock pass in steps; every attempt fails, nothing is given up.
        for (var minute = 0; minute < 40; minute++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(100, Ct);
        }

        var failedAttempts = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_webhook_attempt WHERE webhook_id = @webhook AND (status_code IS NULL OR status_code >= 300)", new { webhook });
        Assert.True(failedAttempts >= 2, $"Only {failedAttempts} failed attempts while the WMS was down.");
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'dead'", new { s = "webhook:" + webhook }));
        Assert.Equal(0, wms.State.Locked(s => s.Picks.Count));

        // The WMS comes back at the same address; the retries reach it.
        await wms.StartAsync(Ct);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (wms.State.Locked(s => s.Picks.Count) < instructions || await PendingAsync(webhook) > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"{wms.State.Locked(s => s.Picks.Count)} of {instructions} pick instructions acknowledged; {await PendingAsync(webhook)} pending.");
            fixture.Clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(100, Ct);
        }

        Assert.Equal(instructions, wms.State.Locked(s => s.Picks.Count));
        // Each delivery arrived once: the retries stopped at the first success.
        Assert.All(wms.State.Locked(s => s.Deliveries.Values.ToList()), n => Assert.Equal(1, n));
        Assert.Equal(instructions, await Tables.CountAsync(Host.Store, "SELECT COUNT(DISTINCT message_id) FROM integration_webhook_attempt WHERE webhook_id = @webhook AND status_code >= 200 AND status_code < 300", new { webhook }));
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'dead'", new { s = "webhook:" + webhook }));
        TestContext.Current.TestOutputHelper?.WriteLine($"{instructions} pick instructions; {failedAttempts} failed attempts during the 20-minute outage; all acknowledged once after it.");
    }

    private Task<long> PendingAsync(string webhook) =>
        Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'pending'", new { s = "webhook:" + webhook });
}

public sealed class WmsOutageOnSqlite(WmsOutageSqliteHost fixture) : WmsOutageContract<WmsOutageSqliteHost>(fixture);

public sealed class WmsOutageOnPostgres(WmsOutagePostgresHost fixture) : WmsOutageContract<WmsOutagePostgresHost>(fixture);

public sealed class WmsOutageSqliteHost() : OperationsHost("sqlite");

public sealed class WmsOutagePostgresHost() : OperationsHost("postgres");
