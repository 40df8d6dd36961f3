using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Takt.Integration.Gateway;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>A server with small ingest limits, so that the limits and their edges are cheap to reach.</summary>
public abstract class SmallLimitsHost(string engine) : HostFixture(engine)
{
    public const int MaxBodyBytes = 4096;
    public const int MaxBatchEvents = 3;

    protected override void Configure(ServerSettings settings) =>
        settings.Ingest = new IngestOptions { MaxBodyBytes = MaxBodyBytes, MaxBatchEvents = MaxBatchEvents };
}

public sealed class SmallLimitsSqliteHost() : SmallLimitsHost("sqlite");

public sealed class SmallLimitsPostgresHost() : SmallLimitsHost("postgres");

/// <summary>IngestOptions.MaxBodyBytes and MaxBatchEvents: up to the limit is accepted, one past it is 413 and changes nothing.</summary>
public abstract class LimitsContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : SmallLimitsHost
{
    private const string Structured = "application/cloudevents+json";

    private TaktHost Host => fixture.Host;

    private static JsonObject Issue(decimal quantity = 1m) =>
        Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", quantity, "H87", PlantCalendar.Now.AddMinutes(-5));

    /// <summary>A valid event padded with trailing whitespace to exactly <paramref name="bytes"/> bytes.</summary>
    private static string Padded(JsonObject cloudEvent, int bytes)
    {
        var json = cloudEvent.ToJsonString();
        return json + new string(' ', bytes - Encoding.UTF8.GetByteCount(json));
    }

    [Fact]
    public async Task a_body_of_exactly_the_limit_is_accepted()
    {
        using var response = await Host.PostRawAsync(Padded(Issue(), SmallLimitsHost.MaxBodyBytes), Structured);
        Assert.Single((await AcceptedEvent.ReadAsync(response)).JournalEntries);
    }

    [Fact]
    public async Task a_body_one_byte_over_the_limit_is_rejected()
    {
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostRawAsync(Padded(Issue(), SmallLimitsHost.MaxBodyBytes + 1), Structured);
        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task a_chunked_body_over_the_limit_is_rejected_while_it_is_read()
    {
        // No Content-Length: the gateway can only find out by reading, and must stop at the limit.
        var before = await Host.SettledSnapshotAsync();
        using var content = new UnsizedContent(Padded(Issue(), SmallLimitsHost.MaxBodyBytes * 4), Structured);
        using var response = await Host.Http.PostAsync("/api/v1/events", content, TestContext.Current.CancellationToken);
        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task a_batch_of_exactly_the_maximum_count_is_accepted()
    {
        using var response = await Host.PostBatchAsync([Issue(1m), Issue(2m), Issue(3m)]);
        var answer = await BatchAnswer.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal((SmallLimitsHost.MaxBatchEvents, 0), (answer.Accepted, answer.Rejected));
    }

    [Fact]
    public async Task a_batch_of_more_events_than_the_maximum_count_is_rejected_as_a_whole()
    {
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostBatchAsync([Issue(1m), Issue(2m), Issue(3m), Issue(4m)]);
        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "", "batch.too-many-events");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }
}

public sealed class LimitsOnSqlite(SmallLimitsSqliteHost fixture) : LimitsContract<SmallLimitsSqliteHost>(fixture);

public sealed class LimitsOnPostgres(SmallLimitsPostgresHost fixture) : LimitsContract<SmallLimitsPostgresHost>(fixture);
