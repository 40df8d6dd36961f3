using System.Diagnostics;
using Npgsql;
using Takt.Contracts.Events;
using Takt.Store;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// The fault suite's database outage (issue 14): PostgreSQL crashes (immediate stop: connections cut, no checkpoint)
/// in the middle of a load against a running server process and comes back seconds later. The server must not
/// die; during the outage it refuses with a 5xx (never a 4xx, never a wrong 200); once the database is back, every
/// event is sent again until each has a 200, and then every effect is there exactly once — the same checks as
/// the SIGKILL suite (inbox, process log, journal, stock, WIP, ledger balance, outbox deliveries).
/// </summary>
public sealed class PostgresRestartContract
{
    private const int PoolSize = 2000;
    private const int BatchSize = 25;
    private const int Senders = 4;

    [Fact]
    public async Task postgresql_crashed_and_restarted_mid_load_loses_and_duplicates_no_effect_once_every_event_is_resent()
    {
        if (PrivatePostgres.Unavailable() is { } why)
            Assert.Skip(why);
        var ct = TestContext.Current.CancellationToken;
        await using var postgres = await PrivatePostgres.StartAsync(ct);
        var work = Directory.CreateTempSubdirectory("takt-pg-restart-");
        var store = TaktStore.Open(postgres.ConnectionString);
        var server = await TaktProcess.StartServerAsync(postgres.ConnectionString, work.FullName, ct);
        try
        {
            var apiKey = await server.BootstrapKeyAsync(ct);
            var orders = await CrashContract.OrdersAsync(server.Address!, apiKey, ct);
            var baseline = await CrashContract.BooksBaseline.CaptureAsync(store);
            var pool = ShopFloorPool.Generate(orders, PoolSize, TimeProvider.System.GetUtcNow().AddMinutes(-1), seed: 11);
            var batches = pool.Chunk(BatchSize).ToArray();

            // 1. Load; at a quarter answered the database crashes, stays down 3 s while the senders go on, and restarts.
            using var load = new EventSenders(pool.Count, Senders, apiKey, ct);
            load.ServerUp(server.Address!);
            load.Release(batches.Take(batches.Length / 2));
            var waited = Stopwatch.StartNew();
            while (load.Answered < PoolSize / 4)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(3), $"Only {load.Answered} events answered.\n{server.Output}");
                await Task.Delay(5, ct);
            }

            var answeredAtCrash = load.Answered;
            await postgres.CrashAsync(ct);
            load.Release(batches.Skip(batches.Length / 2));
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var answeredWhileDown = load.Answered - answeredAtCrash;
            await postgres.StartServerAsync(ct);
            NpgsqlConnection.ClearAllPools();
            await load.CompleteAsync();
            Assert.False(server.HasExited, $"The server died with its database:\n{server.Output}");
            var firstAnswers = pool.Select(e => load.AnswerFor(e.Index)).ToArray();

            // 2. Every event again until each has a 200 (a client retries a 5xx).
            var resend = await EventSenders.ResendUntilAnsweredAsync(pool, batches, BatchSize, Senders, apiKey, [server.Address!], ct);
            var finalAnswers = resend.Answers;
            var drained = await CrashContract.DrainOutboxAsync(store, ct);
            await server.KillAsync();

            var refused = load.Refusals;
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"pool {pool.Count} events; database crashed at {answeredAtCrash} answered, {answeredWhileDown} answered in the 3 s it was down; " +
                $"first round: {firstAnswers.Count(a => a == Answer.Accepted)} accepted, {refused.Count} refusals, {load.LostEvents} events without answer; " +
                $"resend: {finalAnswers.Count(a => a == Answer.Accepted)} accepted, {finalAnswers.Count(a => a == Answer.Replayed)} replayed; outbox drained in {drained} polls");

            // The premise: the outage really refused work.
            Assert.True(refused.Count + load.LostEvents > 0, "Nothing was refused while the database was down; the test did not test an outage.");
            // Refusals are the server's (5xx), never a client error or an event wrongly refused for its content.
            Assert.Empty(refused.Where(r => !(r.StartsWith("batch answered 50", StringComparison.Ordinal) || r.Contains("\"status\":50", StringComparison.Ordinal) || r.Contains("\"status\": 50", StringComparison.Ordinal))).Take(5));
            Assert.True(resend.Refusals.Count == 0, "Refused on resend: " + string.Join("\n", resend.Refusals.Take(3)));
            Assert.Empty(pool.Where(e => finalAnswers[e.Index] is not (Answer.Accepted or Answer.Replayed)).Select(e => $"{e.Id}: no 200 after the resends").Take(10));
            Assert.Empty(pool.Where(e => firstAnswers[e.Index] == Answer.Accepted && finalAnswers[e.Index] != Answer.Replayed)
                .Select(e => $"{e.Id}: answered 200 before the outage, but {finalAnswers[e.Index]} when sent again").Take(10));

            await CrashContract.AssertEachEventTookEffectOnceAsync(store, pool);
            await CrashContract.AssertBooksMatchTheEventsAsync(store, pool, baseline);
            await CrashContract.AssertOutboxDeliveredEachEntryOnceAsync(store, pool, baseline.StockMoved);
        }
        finally
        {
            await server.DisposeAsync();
            CrashContract.DeleteQuietly(work);
        }
    }
}
