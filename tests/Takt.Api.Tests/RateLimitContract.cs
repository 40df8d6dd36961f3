using System.Net;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>
/// Per-client token buckets: a client with a bucket of 2 that refills one request a minute gets two answers,
/// then 429 with Retry-After and a problem; other clients are not affected. No wall-clock assertion: the refill
/// is far slower than any run of this test.
/// </summary>
public abstract class RateLimitContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_client_past_its_bucket_gets_429_with_retry_after_and_others_go_on()
    {
        var tiny = Host.HttpWith((await Host.RegisterClientAsync("tiny-bucket", [Scopes.InventoryRead], ["PA01"], perMinute: 1, burst: 2)).ApiKey);
        var neighbour = Host.HttpWith((await Host.RegisterClientAsync("neighbour", [Scopes.InventoryRead], ["PA01"], perMinute: 1, burst: 2)).ApiKey);

        Assert.Equal(HttpStatusCode.OK, (await Calls.GetAsync(tiny, "/api/v1/stock")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Calls.GetAsync(tiny, "/api/v1/stock")).StatusCode);
        using var limited = await Calls.GetAsync(tiny, "/api/v1/stock");

        await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests, "", "client.rate-limited");
        var retryAfter = Assert.Single(limited.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(HttpStatusCode.OK, (await Calls.GetAsync(neighbour, "/api/v1/stock")).StatusCode);

        var audit = await Host.GetAsync<JsonElement[]>("/api/v1/audit?clientId=tiny-bucket");
        Assert.Equal(["allowed", "allowed", "denied"], audit.Select(a => a.GetProperty("decision").GetString()));
        Assert.Equal((429, "client.rate-limited"), (audit[2].GetProperty("status").GetInt32(), audit[2].GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task a_refused_event_batch_over_the_limit_changes_nothing()
    {
        var tiny = Host.HttpWith((await Host.RegisterClientAsync("tiny-writer", [Scopes.EventsProductionWrite], ["PA01"], perMinute: 1, burst: 1)).ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await Calls.PostEventAsync(tiny, Calls.Issue("PA01"))).StatusCode);
        var before = await Host.SettledSnapshotAsync();

        using var limited = await Calls.PostEventAsync(tiny, Calls.Issue("PA01"));

        await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests, "", "client.rate-limited");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }
}

public sealed class RateLimitOnSqlite(SqliteHost fixture) : RateLimitContract<SqliteHost>(fixture);

public sealed class RateLimitOnPostgres(PostgresHost fixture) : RateLimitContract<PostgresHost>(fixture);
