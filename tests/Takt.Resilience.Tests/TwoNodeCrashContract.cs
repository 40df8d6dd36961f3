using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Contracts.Events;
using Takt.Integration.Webhooks;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// Scale-out under a crash (issue 14, docs/scaling.md): two real <c>takt run</c> processes on one PostgreSQL, each with
/// all its background workers (outbox dispatcher, webhook worker, object indexer, flow worker). Events go to both
/// nodes; one is killed with SIGKILL mid-load while requests are in flight and the outbox has work, the survivor
/// takes all intake and catches up the projection and the webhook alone, then the killed node comes back. After
/// every event is resent (each to the other node than before) until it has a 200, every effect is there exactly
/// once, as in <see cref="CrashContract"/>; the webhook received every message, and a message twice only when the
/// killed node had sent it and died before it recorded that.
/// </summary>
public sealed class TwoNodeCrashContract
{
    private const int PoolSize = 3000;
    private const int BatchSize = 25;
    private const int Senders = 3;

    /// <summary>The webhook worker's messages per turn (WebhookOptions.BatchSize): what a killed node may have sent without recording it.</summary>
    private const int WebhookTurn = 200;

    [Fact]
    public async Task two_nodes_on_one_postgresql_one_killed_mid_load_the_survivor_finishes_and_no_effect_is_lost_or_doubled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync("postgres");
        var work = Directory.CreateTempSubdirectory("takt-two-nodes-");
        var store = database.Store;
        await using var receiver = await WebhookReceiver.StartAsync();
        var nodeA = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
        var bootstrapKey = await nodeA.BootstrapKeyAsync(ct);
        var nodeB = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
        try
        {
            var loadClient = await Takt.Integration.Access.ClientRegistry.RegisterAsync(store, TimeProvider.System, new Takt.Integration.Access.AccessOptions(),
                new Takt.Integration.Access.NewClient("two-node-load", "two-node suite load", "tests", [.. Takt.Integration.Access.Scopes.All], ["*"], RateLimitPerMinute: 10_000_000, RateLimitBurst: 1_000_000), ct);
            Assert.False(loadClient.IsRejected, bootstrapKey);
            var apiKey = loadClient.Value.Key.ApiKey;

            // A webhook subscription both nodes' workers serve.
            var subscribedAt = await Db.ScalarAsync(store, "SELECT COALESCE(MAX(seq), 0) FROM store_outbox_message");
            using (var http = new HttpClient())
            {
                http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
                http.DefaultRequestHeaders.Add("Idempotency-Key", Guid.NewGuid().ToString());
                using var created = await http.PostAsJsonAsync(new Uri(nodeB.Address!, "/api/v1/webhooks"),
                    new { url = receiver.Url, eventTypes = new[] { EventTypes.JournalEntryPosted, EventTypes.StockMoved }, ordered = false }, ct);
                var body = await created.Content.ReadAsStringAsync(ct);
                Assert.True(created.StatusCode == HttpStatusCode.Created, body);
                using var document = JsonDocument.Parse(body);
                receiver.Secrets.Add(document.RootElement.GetProperty("secret").GetString()!);
                webhookSubscriber = WebhookSubscriptions.SubscriberOf(document.RootElement.GetProperty("webhook").GetProperty("id").GetString()!);
            }

            var orders = await CrashContract.OrdersAsync(nodeA.Address!, apiKey, ct);
            var baseline = await CrashContract.BooksBaseline.CaptureAsync(store);
            var pool = ShopFloorPool.Generate(orders, PoolSize, TimeProvider.System.GetUtcNow().AddMinutes(-1), seed: 13);
            var batches = pool.Chunk(BatchSize).ToArray();

            // 1. Load on both nodes: batch i to node i mod 2, the first 60 % released now.
            using var toA = new EventSenders(pool.Count, Senders, apiKey, ct);
            using var toB = new EventSenders(pool.Count, Senders, apiKey, ct);
            toA.ServerUp(nodeA.Address!);
            toB.ServerUp(nodeB.Address!);
            var firstPart = batches.Length * 6 / 10;
            toA.Release(batches.Take(firstPart).Where((_, i) => i % 2 == 0));
            toB.Release(batches.Take(firstPart).Where((_, i) => i % 2 == 1));

            // 2. Node A is killed once 30 % are answered, with requests of its own in flight and outbox work pending.
            var waited = Stopwatch.StartNew();
            long pendingAtKill;
            while (true)
            {
                if (toA.Answered + toB.Answered >= PoolSize * 3 / 10 && toA.InFlightRequests > 0
                    && (pendingAtKill = await Db.ScalarAsync(store, CrashContract.ProjectionBehindSql)) > 0)
                    break;
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(5), $"Only {toA.Answered + toB.Answered} events answered.\nA:\n{nodeA.Output}\nB:\n{nodeB.Output}");
                Assert.True(toA.Unfinished > 0, "Node A ran out of load before the moment of the kill.");
                await Task.Delay(5, ct);
            }

            toA.ServerDown();
            var inFlightAtKill = toA.InFlightEvents;
            await nodeA.KillAsync();
            var receivedBeforeKill = receiver.All.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

            // 3. The survivor takes the rest of the intake and catches up every background job alone.
            toB.Release(batches.Skip(firstPart));
            await toB.WaitIdleAsync(ct);
            var survivorDrained = await CrashContract.DrainOutboxAsync(store, ct);
            await WebhookCaughtUpAsync(store, ct);
            Assert.False(nodeB.HasExited, nodeB.Output);
            var receivedBySurvivor = receiver.All.Count - receivedBeforeKill.Count;

            // 4. Node A comes back; its senders go on with what they still held.
            nodeA = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
            toA.ServerUp(nodeA.Address!);
            await toA.CompleteAsync();
            await toB.CompleteAsync();
            var firstAnswers = pool.Select(e => toA.AnswerFor(e.Index) is Answer.None ? toB.AnswerFor(e.Index) : toA.AnswerFor(e.Index)).ToArray();

            // 5. Every event again, each batch to the other node than the first time, until each has a 200.
            var resend = await EventSenders.ResendUntilAnsweredAsync(pool, batches, BatchSize, Senders, apiKey, [nodeB.Address!, nodeA.Address!], ct);
            var finalAnswers = resend.Answers;
            var drained = await CrashContract.DrainOutboxAsync(store, ct);
            await WebhookCaughtUpAsync(store, ct);
            await nodeA.KillAsync();
            await nodeB.KillAsync();

            var received = receiver.All.GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var twice = received.Where(r => r.Value > 1).Select(r => r.Key).ToArray();
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"pool {pool.Count} events in {batches.Length} batches to 2 nodes; node A killed with {inFlightAtKill} events in flight and {pendingAtKill} outbox messages behind; " +
                $"{toA.LostEvents} events without answer; survivor drained the projection in {survivorDrained} polls and sent {receivedBySurvivor} webhook requests alone; " +
                $"resend: {finalAnswers.Count(a => a == Answer.Accepted)} accepted, {finalAnswers.Count(a => a == Answer.Replayed)} replayed; outbox drained in {drained} polls; " +
                $"webhook: {received.Count} messages, {twice.Length} received twice");

            Assert.True(toA.LostEvents > 0, "No request to node A was in flight at the kill; the test did not test a crash.");
            Assert.True(receivedBySurvivor > 0, "The survivor sent no webhook while node A was down.");
            Assert.Empty(toA.Refusals);
            Assert.Empty(toB.Refusals);
            Assert.Empty(resend.Refusals);
            Assert.Empty(pool.Where(e => finalAnswers[e.Index] is not (Answer.Accepted or Answer.Replayed)).Select(e => $"{e.Id}: no 200 after the resends").Take(10));
            Assert.Empty(pool.Where(e => firstAnswers[e.Index] == Answer.Accepted && finalAnswers[e.Index] != Answer.Replayed)
                .Select(e => $"{e.Id}: answered 200 on one node, but {finalAnswers[e.Index]} when sent to the other").Take(10));

            await CrashContract.AssertEachEventTookEffectOnceAsync(store, pool);
            await CrashContract.AssertBooksMatchTheEventsAsync(store, pool, baseline);
            await CrashContract.AssertOutboxDeliveredEachEntryOnceAsync(store, pool, baseline.StockMoved);

            // The webhook: every message of its types since it was created, signed; twice only what the killed node had
            // sent in its last turn (at most one turn's batch, each first received before the kill).
            var expected = (await Db.RowsAsync(store, "SELECT id FROM store_outbox_message WHERE seq > @from AND type IN (@posted, @moved)",
                new { from = subscribedAt, posted = EventTypes.JournalEntryPosted, moved = EventTypes.StockMoved })).Select(r => Db.Text(r[0])).ToArray();
            Assert.True(expected.Length >= pool.Count, "Every event of the pool published at least its journal entry.");
            Assert.Empty(expected.Where(id => !received.ContainsKey(id)).Take(10));
            Assert.All(receiver.All, r => Assert.True(r.SignatureValid, r.Id));
            Assert.Empty(twice.Where(id => !receivedBeforeKill.Contains(id)).Select(id => $"{id}: received twice, the first time after the kill").Take(10));
            Assert.True(twice.Length <= WebhookTurn, $"{twice.Length} messages received twice: more than the killed node's last turn.");
        }
        finally
        {
            await nodeA.DisposeAsync();
            await nodeB.DisposeAsync();
            CrashContract.DeleteQuietly(work);
        }
    }

    private string webhookSubscriber = "";

    private async Task WebhookCaughtUpAsync(Takt.Store.TaktStore store, CancellationToken ct)
    {
        for (var polls = 0; polls < 1800; polls++)
        {
            var behind = await Db.ScalarAsync(store, """
                SELECT (SELECT COALESCE(MAX(seq), 0) FROM store_outbox_message) - COALESCE((SELECT position FROM store_outbox_cursor WHERE subscriber = @s), 0)
                     + (SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'pending')
                """, new { s = webhookSubscriber });
            if (behind == 0)
                return;
            await Task.Delay(100, ct);
        }

        throw new TimeoutException("The webhook did not catch up with the outbox.");
    }
}
