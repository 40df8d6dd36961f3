using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using Takt.Integration.Gateway;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>A server that lets at most two events wait for the writer, so back-pressure is cheap to reach.</summary>
public abstract class TinyQueueHost(string engine) : HostFixture(engine)
{
    public const int QueueCapacity = 2;

    protected override void Configure(ServerSettings settings) =>
        settings.Ingest = new IngestOptions { QueueCapacity = QueueCapacity };
}

public sealed class TinyQueueSqliteHost() : TinyQueueHost("sqlite");

public sealed class TinyQueuePostgresHost() : TinyQueueHost("postgres");

/// <summary>
/// Back-pressure (IngestOptions.QueueCapacity): while the writer is held up, a request that would put more events
/// in flight than the capacity is answered 503 with Retry-After and queues nothing; once the writer moves again the
/// same request is accepted.
/// </summary>
public abstract class BackPressureContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : TinyQueueHost
{
    private TaktHost Host => fixture.Host;

    private static JsonObject Issue(decimal quantity) =>
        Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", quantity, "H87", PlantCalendar.Now.AddMinutes(-5));

    [Fact]
    public async Task a_request_past_the_queue_capacity_gets_503_with_retry_after_and_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var pipeline = Host.Service<IngestPipeline>();
        var first = new[] { Issue(1m), Issue(4m) };
        var batch = new[] { Issue(2m), Issue(3m) };

        Task<HttpResponseMessage> waiting;
        await using (var blocker = await HoldTheWriterAsync(Host.Store, ct))
        {
            waiting = Host.PostBatchAsync(first);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (pipeline.InFlight < 2 && waited.Elapsed < TimeSpan.FromSeconds(30))
                await Task.Delay(10, ct);
            Assert.Equal(2, pipeline.InFlight);

            // Full: readiness says so (degraded, still 200, so a balancer keeps sending reads).
            using (var ready = await Host.Anonymous.GetAsync("/health/ready", ct))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                var report = await TaktHost.JsonAsync(ready);
                Assert.Equal("Degraded", report.GetProperty("status").GetString());
                var intake = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "intake");
                Assert.Equal("Degraded", intake.GetProperty("status").GetString());
                Assert.Equal(2, intake.GetProperty("data").GetProperty("inFlight").GetInt32());
            }

            // 2 waiting + 2 > 2: the whole batch is refused, none of it queued.
            using var busy = await Host.PostBatchAsync(batch);
            await Problems.AssertAsync(busy, HttpStatusCode.ServiceUnavailable, "", "intake.busy");
            Assert.Equal(["1"], busy.Headers.GetValues("Retry-After"));
            Assert.Equal(2, pipeline.InFlight);
            Assert.False(waiting.IsCompleted);
        }

        using (var accepted = await waiting)
            Assert.Equal((2, 0), ((await BatchAnswer.ReadAsync(accepted, HttpStatusCode.OK)).Accepted, 0));
        foreach (var refused in batch)
            Assert.Equal(0, await Recorded.TracesOfAsync(Host.Store, (string)refused["source"]!, (string)refused["id"]!));

        // Retried once the writer has caught up: accepted.
        using var retried = await Host.PostBatchAsync(batch);
        var answer = await BatchAnswer.ReadAsync(retried, HttpStatusCode.OK);
        Assert.Equal((2, 0), (answer.Accepted, answer.Rejected));
        Assert.Equal(0, pipeline.InFlight);
    }

    /// <summary>
    /// Holds the database's write lock from a connection of its own (SQLite: BEGIN IMMEDIATE; PostgreSQL: the inbox
    /// locked exclusively, which the writer reads first), so the intake writer waits until it is disposed.
    /// </summary>
    private static async Task<WriterHold> HoldTheWriterAsync(TaktStore store, CancellationToken ct)
    {
        var connection = await store.OpenConnectionAsync(ct);
        var transaction = await connection.BeginTransactionAsync(ct);
        if (store.Engine == StoreEngine.Postgres)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "LOCK TABLE integration_inbox IN ACCESS EXCLUSIVE MODE";
            await command.ExecuteNonQueryAsync(ct);
        }

        return new WriterHold(connection, transaction);
    }

    private sealed class WriterHold(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

public sealed class BackPressureOnSqlite(TinyQueueSqliteHost fixture) : BackPressureContract<TinyQueueSqliteHost>(fixture);

public sealed class BackPressureOnPostgres(TinyQueuePostgresHost fixture) : BackPressureContract<TinyQueuePostgresHost>(fixture);
