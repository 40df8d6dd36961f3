using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Contracts.Events;
using Takt.Production;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// DESIGN §2.7 "Nothing lost": a real server process under concurrent load is killed with SIGKILL three times while
/// requests are in flight and the outbox dispatcher has work, restarted on the same database, and every event
/// is sent again until each has a 200. Then every effect must be there exactly once: inbox, process log,
/// journal entries, stock, order WIP, ledger, outbox deliveries and the projection the outbox feeds.
/// </summary>
public abstract class CrashContract(string engine)
{
    // CI runs 3,000 events and 3 kills per engine. The long run of the fault suite (issue 14: 100,000 events, kills
    // repeated) is the same test with TAKT_FAULT_EVENTS and TAKT_FAULT_KILLS set, run by hand (README, "Fault suite").
    private static readonly int PoolSize = FromEnvironment("TAKT_FAULT_EVENTS", 3000, 500, 1_000_000);
    private const int BatchSize = 25;
    private const int Senders = 4;

    // Kill when this share of the pool has been answered (so every kill falls inside the load).
    private static readonly double[] KillPoints = FromEnvironment("TAKT_FAULT_KILLS", 3, 1, 50) is var kills && kills == 3
        ? [0.2, 0.45, 0.7]
        : [.. Enumerable.Range(1, kills).Select(k => 0.8 * k / (kills + 1))];

    private static int FromEnvironment(string name, int fallback, int min, int max) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out var value) ? Math.Clamp(value, min, max) : fallback;

    private sealed record Kill(int Answered, int InFlightRequests, int InFlightEvents, long PendingDeliveries, long DeliveredDeliveries);

    [Fact]
    public async Task a_server_killed_three_times_under_load_loses_and_duplicates_no_effect_once_every_event_is_resent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync(engine);
        var work = Directory.CreateTempSubdirectory("takt-crash-");
        var store = database.Store;
        var server = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
        try
        {
            // The new database's bootstrap credential, printed once by the first start, serves every later one.
            var bootstrapKey = await server.BootstrapKeyAsync(ct);
            // The load's own client, as an operator registers a plant system: all scopes and plants, and a rate limit
            // the long run (100,000 events, each resent) does not reach — the admin client's default would throttle it.
            var loadClient = await Takt.Integration.Access.ClientRegistry.RegisterAsync(store, TimeProvider.System, new Takt.Integration.Access.AccessOptions(),
                new Takt.Integration.Access.NewClient("crash-load", "crash suite load", "tests", [.. Takt.Integration.Access.Scopes.All], ["*"], RateLimitPerMinute: 10_000_000, RateLimitBurst: 1_000_000), ct);
            Assert.False(loadClient.IsRejected, bootstrapKey);
            var apiKey = loadClient.Value.Key.ApiKey;
            var orders = await OrdersAsync(server.Address!, apiKey, ct);
            var baseline = await BooksBaseline.CaptureAsync(store);
            var pool = ShopFloorPool.Generate(orders, PoolSize, TimeProvider.System.GetUtcNow().AddMinutes(-1), seed: 7);
            var batches = pool.Chunk(BatchSize).ToArray();

            // 1. Load, with kills mid-run. Batches are released in stages so that load remains at every kill.
            using var load = new EventSenders(pool.Count, Senders, apiKey, ct);
            load.ServerUp(server.Address!);
            var releasedBatches = 0;
            bool ReleaseUpTo(int events)
            {
                var before = releasedBatches;
                while (releasedBatches < batches.Length && releasedBatches * BatchSize < events)
                    load.Release([batches[releasedBatches++]]);
                return releasedBatches > before;
            }

            var kills = new List<Kill>();
            foreach (var point in KillPoints)
            {
                kills.Add(await KillMidRunAsync(server, load, store, (int)(point * pool.Count), ReleaseUpTo, ct));
                server = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
                load.ServerUp(server.Address!);
            }

            ReleaseUpTo(pool.Count);
            await load.CompleteAsync();
            var firstAnswers = pool.Select(e => load.AnswerFor(e.Index)).ToArray();

            // 2. Every event again, byte-identical, until each has a definite 200.
            var resend = await EventSenders.ResendUntilAnsweredAsync(pool, batches, BatchSize, Senders, apiKey, [server.Address!], ct);
            var finalAnswers = resend.Answers;

            // 3. The restarted server drains the outbox; then it is stopped (hard) so nothing moves while we look.
            var drained = await DrainOutboxAsync(store, ct);
            await server.KillAsync();

            var lostButCommitted = pool.Count(e => firstAnswers[e.Index] == Answer.None && finalAnswers[e.Index] == Answer.Replayed);
            var lostAndRolledBack = pool.Count(e => firstAnswers[e.Index] == Answer.None && finalAnswers[e.Index] == Answer.Accepted);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"[{engine}] pool {pool.Count} events in {batches.Length} batches by {Senders} senders; " +
                string.Join("; ", kills.Select((k, i) => $"kill {i + 1}: {k.Answered} answered, {k.InFlightRequests} requests / {k.InFlightEvents} events in flight, outbox {k.PendingDeliveries} pending / {k.DeliveredDeliveries} delivered")) +
                $"; first round: {firstAnswers.Count(a => a == Answer.Accepted)} accepted, {load.LostRequests} requests / {load.LostEvents} events without answer; " +
                $"resend: {finalAnswers.Count(a => a == Answer.Accepted)} accepted, {finalAnswers.Count(a => a == Answer.Replayed)} replayed " +
                $"(of the unanswered: {lostButCommitted} had committed, {lostAndRolledBack} had not); {load.Throttled + resend.Throttled} requests throttled (429) and sent again; outbox drained in {drained} polls");

            // The premise: the kills really cut requests off.
            Assert.True(load.LostEvents > 0, "No request was in flight at a kill; the test did not test a crash.");
            Assert.True(kills.Any(k => k.PendingDeliveries > 0), "The outbox had no pending delivery at any kill; the dispatcher was not under way.");
            Assert.Empty(load.Refusals);
            Assert.Empty(resend.Refusals);
            Assert.Empty(pool.Where(e => finalAnswers[e.Index] is not (Answer.Accepted or Answer.Replayed)).Select(e => $"{e.Id}: no 200 after the resends").Take(10));
            // A 200 means committed: every event answered before a kill is replayed, not applied again.
            Assert.Empty(pool.Where(e => firstAnswers[e.Index] == Answer.Accepted && finalAnswers[e.Index] != Answer.Replayed)
                .Select(e => $"{e.Id}: answered 200 before a kill, but {finalAnswers[e.Index]} when sent again").Take(10));

            await AssertEachEventTookEffectOnceAsync(store, pool);
            await AssertBooksMatchTheEventsAsync(store, pool, baseline);
            await AssertOutboxDeliveredEachEntryOnceAsync(store, pool, baseline.StockMoved);
        }
        finally
        {
            await server.DisposeAsync();
            DeleteQuietly(work);
        }
    }

    /// <summary>
    /// Kills the server once <paramref name="answeredTarget"/> events are answered, with requests in flight and, if
    /// such a moment comes within another 5 % of the pool, outbox deliveries pending. Releases batches as needed
    /// so the senders never run dry before the kill.
    /// </summary>
    private static async Task<Kill> KillMidRunAsync(
        TaktProcess server, EventSenders load, TaktStore store, int answeredTarget, Func<int, bool> releaseUpTo, CancellationToken ct)
    {
        var margin = PoolSize / 10;
        var releaseTo = answeredTarget + margin;
        releaseUpTo(releaseTo);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var answered = load.Answered;
            if (answered >= answeredTarget && load.InFlightRequests > 0)
            {
                var pending = await Db.ScalarAsync(store, ProjectionBehindSql);
                if (pending > 0 || answered >= answeredTarget + (margin / 2))
                {
                    var delivered = await Db.ScalarAsync(store, ProjectionReadSql);
                    load.ServerDown();
                    var kill = new Kill(answered, load.InFlightRequests, load.InFlightEvents, pending, delivered);
                    await server.KillAsync();
                    return kill;
                }
            }

            if (load.Unfinished == 0)
            {
                // Everything released was answered before the moment came: give the senders more.
                releaseTo += margin;
                if (!releaseUpTo(releaseTo))
                    throw new InvalidOperationException($"The pool ran out before the kill at {answeredTarget} answered events.");
            }

            if (waited.Elapsed > TimeSpan.FromMinutes(5))
                throw new TimeoutException($"Only {answered} events answered while waiting for {answeredTarget}.\n{server.Output}");
            await Task.Delay(5, ct);
        }
    }

    internal static async Task<IReadOnlyList<ProductionOrderView>> OrdersAsync(Uri server, string apiKey, CancellationToken ct)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        var orders = await http.GetFromJsonAsync<List<ProductionOrderView>>(new Uri(server, "/api/v1/production-orders?limit=1000"), JsonSerializerOptions.Web, ct);
        Assert.NotNull(orders);
        Assert.NotEmpty(orders);
        return orders;
    }

    private const string Projection = "intelligence.plant-activity";

    /// <summary>Messages after the projection's position, and its retries still waiting (a position not yet created is 0).</summary>
    internal const string ProjectionBehindSql = """
        SELECT (SELECT COUNT(*) FROM store_outbox_message WHERE seq > COALESCE((SELECT position FROM store_outbox_cursor WHERE subscriber = 'intelligence.plant-activity'), 0))
             + (SELECT COUNT(*) FROM store_outbox_retry WHERE status = 'pending')
        """;

    private const string ProjectionReadSql =
        "SELECT COUNT(*) FROM store_outbox_message WHERE seq <= COALESCE((SELECT position FROM store_outbox_cursor WHERE subscriber = 'intelligence.plant-activity'), 0)";

    internal static async Task<int> DrainOutboxAsync(TaktStore store, CancellationToken ct)
    {
        for (var polls = 1; polls <= 1800; polls++)
        {
            if (await Db.ScalarAsync(store, ProjectionBehindSql) == 0)
                return polls;
            await Task.Delay(100, ct);
        }

        throw new TimeoutException("The restarted server did not drain the outbox.");
    }

    internal static async Task AssertEachEventTookEffectOnceAsync(TaktStore store, IReadOnlyList<PlannedEvent> pool)
    {
        // The demo data also posts (invoices, planning, opening stock) through the same tables: count the pool's events.
        var ids = pool.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        Dictionary<string, long> Pooled(Dictionary<string, long> rows) => rows.Where(r => ids.Contains(r.Key)).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        var inbox = Pooled(await Db.MapAsync(store, "SELECT event_id, COUNT(*) FROM integration_inbox GROUP BY event_id"));
        var processLog = Pooled(await Db.MapAsync(store, "SELECT source_id, COUNT(*) FROM intel_event WHERE type LIKE 'takt.production.%' GROUP BY source_id"));
        var entries = Pooled(await Db.MapAsync(store, "SELECT source_id, COUNT(*) FROM ledger_journal_entry WHERE document_type <> 'opening-stock' GROUP BY source_id"));
        var movements = Pooled(await Db.MapAsync(store, "SELECT source_event_id, COUNT(*) FROM inventory_movement WHERE source_event_id IS NOT NULL GROUP BY source_event_id"));

        Assert.Equal(pool.Count, inbox.Count);
        Assert.Equal(pool.Count, processLog.Count);
        Assert.Equal(pool.Count, entries.Count);
        Assert.Empty(Mismatches(pool.ToDictionary(e => e.Id, _ => 1L, StringComparer.Ordinal), inbox));
        Assert.Empty(Mismatches(pool.ToDictionary(e => e.Id, _ => 1L, StringComparer.Ordinal), processLog));
        Assert.Empty(Mismatches(pool.ToDictionary(e => e.Id, _ => 1L, StringComparer.Ordinal), entries));
        Assert.Empty(Mismatches(
            pool.Where(e => e.Effect.StockItem is not null).ToDictionary(e => e.Id, _ => 1L, StringComparer.Ordinal), movements));
    }

    /// <summary>
    /// The books before the load: stock, orders and WIP lines the demo data (or an earlier run) left, so the checks compare
    /// what the pool's events changed (the demo posts too: invoices, planning, shop-floor confirmations for the anomaly demo).
    /// </summary>
    internal sealed record BooksBaseline(
        Dictionary<string, long> Stock, Dictionary<string, long> Value, Dictionary<string, long> Wip, Dictionary<string, long> WipLines,
        Dictionary<string, long> Yield, Dictionary<string, long> Scrap, Dictionary<string, long> Issued, long StockMoved)
    {
        public static async Task<BooksBaseline> CaptureAsync(TaktStore store) => new(
            await Db.MapAsync(store, StockSql), await Db.MapAsync(store, ValueSql), await Db.MapAsync(store, WipSql), await Db.MapAsync(store, WipLinesSql, new { account = ShopFloorPool.WipAccount }),
            await Db.MapAsync(store, YieldSql), await Db.MapAsync(store, ScrapSql), await Db.MapAsync(store, IssuedSql),
            await Db.ScalarAsync(store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = @type", new { type = EventTypes.StockMoved }));
    }

    private const string StockSql = "SELECT plant, item, quantity_e6 FROM inventory_stock";
    private const string ValueSql = "SELECT plant, item, value_e4 FROM inventory_stock";
    private const string WipSql = "SELECT number, wip_e4 FROM production_order WHERE wip_e4 <> 0";
    private const string WipLinesSql = "SELECT order_number, SUM(debit_e4) - SUM(credit_e4) FROM ledger_journal_line WHERE account = @account AND order_number IS NOT NULL GROUP BY order_number";
    private const string YieldSql = "SELECT number, yield_e6 FROM production_order WHERE yield_e6 <> 0";
    private const string ScrapSql = "SELECT number, scrap_e6 FROM production_order WHERE scrap_e6 <> 0";
    private const string IssuedSql = "SELECT order_number, item, issued_e6 FROM production_order_component WHERE issued_e6 <> 0";

    /// <summary>What changed since the baseline, per key (keys that did not change left out).</summary>
    private static Dictionary<string, long> Since(Dictionary<string, long> now, Dictionary<string, long> before) =>
        now.Keys.Union(before.Keys, StringComparer.Ordinal)
            .Select(k => (Key: k, Change: now.GetValueOrDefault(k) - before.GetValueOrDefault(k)))
            .Where(c => c.Change != 0)
            .ToDictionary(c => c.Key, c => c.Change, StringComparer.Ordinal);

    internal static async Task AssertBooksMatchTheEventsAsync(TaktStore store, IReadOnlyList<PlannedEvent> pool, BooksBaseline baseline)
    {
        // Every entry balances; so does the whole ledger.
        Assert.Empty(await Db.RowsAsync(store, "SELECT entry_id FROM ledger_journal_line GROUP BY entry_id HAVING SUM(debit_e4) <> SUM(credit_e4)"));
        Assert.Equal(
            await Db.ScalarAsync(store, "SELECT SUM(debit_e4) FROM ledger_journal_line"),
            await Db.ScalarAsync(store, "SELECT SUM(credit_e4) FROM ledger_journal_line"));

        // Each account moved by exactly what the unique events imply.
        var expectedAccounts = pool.SelectMany(e => e.Effect.Lines)
            .GroupBy(l => l.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(l => l.DebitE4 - l.CreditE4), StringComparer.Ordinal);
        // Only the pool's entries: the demo data posts too (invoices, planning), before the load starts.
        var ids = pool.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var accounts = (await Db.RowsAsync(store,
                "SELECT e.source_id, l.account, SUM(l.debit_e4) - SUM(l.credit_e4) FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id WHERE e.document_type <> 'opening-stock' GROUP BY e.source_id, l.account"))
            .Where(r => ids.Contains(Db.Text(r[0])))
            .GroupBy(r => Db.Text(r[1]), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => Convert.ToInt64(r[2], System.Globalization.CultureInfo.InvariantCulture)), StringComparer.Ordinal);
        Assert.Empty(Mismatches(expectedAccounts, accounts));

        // Stock: quantity and value changed by what the events imply, and the value change equals the inventory accounts' lines.
        var stock = await Db.MapAsync(store, StockSql);
        var value = await Db.MapAsync(store, ValueSql);
        var moved = pool.Where(e => e.Effect.StockItem is not null).GroupBy(e => $"{e.Effect.Plant}|{e.Effect.StockItem}", StringComparer.Ordinal).ToArray();
        Assert.Empty(Mismatches(
            moved.ToDictionary(g => g.Key, g => g.Sum(e => e.Effect.StockQuantityE6), StringComparer.Ordinal),
            Since(stock, baseline.Stock)));
        var valueChange = Since(value, baseline.Value);
        Assert.Empty(Mismatches(moved.ToDictionary(g => g.Key, g => g.Sum(e => e.Effect.StockValueE4), StringComparer.Ordinal), valueChange));
        var inventoryLines = ShopFloorPool.InventoryAccounts.Sum(a => accounts.GetValueOrDefault(a));
        Assert.Equal(valueChange.Values.Sum(), inventoryLines);
        Assert.Equal(
            await Db.ScalarAsync(store, "SELECT SUM(value_e4) FROM inventory_stock"),
            await Db.ScalarAsync(store, "SELECT SUM(debit_e4) - SUM(credit_e4) FROM ledger_journal_line WHERE account IN ('140000', '141000', '142000')"));

        // Orders: WIP, yield and scrap as the events imply; WIP equals the order's lines on the WIP account.
        var byOrder = pool.GroupBy(e => e.Effect.Order, StringComparer.Ordinal).ToArray();
        var expectedWip = byOrder.ToDictionary(g => g.Key, g => g.Sum(e => e.Effect.WipE4), StringComparer.Ordinal);
        var wip = Since(await Db.MapAsync(store, WipSql), baseline.Wip);
        var wipLines = Since(await Db.MapAsync(store, WipLinesSql, new { account = ShopFloorPool.WipAccount }), baseline.WipLines);
        Assert.Empty(Mismatches(expectedWip, wip));
        Assert.Empty(Mismatches(expectedWip, wipLines));
        Assert.Empty(Mismatches(
            byOrder.ToDictionary(g => g.Key, g => g.Sum(e => e.Effect.YieldE6), StringComparer.Ordinal),
            Since(await Db.MapAsync(store, YieldSql), baseline.Yield)));
        Assert.Empty(Mismatches(
            byOrder.ToDictionary(g => g.Key, g => g.Sum(e => e.Effect.ScrapE6), StringComparer.Ordinal),
            Since(await Db.MapAsync(store, ScrapSql), baseline.Scrap)));
        Assert.Empty(Mismatches(
            pool.Where(e => e.Effect.StockQuantityE6 < 0).GroupBy(e => $"{e.Effect.Order}|{e.Effect.StockItem}", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => -g.Sum(e => e.Effect.StockQuantityE6), StringComparer.Ordinal),
            Since(await Db.MapAsync(store, IssuedSql), baseline.Issued)));
    }

    internal static async Task AssertOutboxDeliveredEachEntryOnceAsync(TaktStore store, IReadOnlyList<PlannedEvent> pool, long baselineStockMoved)
    {
        // The projection read the whole log and never failed: its effects below are its only ones.
        Assert.Equal(0, await Db.ScalarAsync(store, "SELECT COUNT(*) FROM store_outbox_retry"));
        Assert.Equal(
            await Db.ScalarAsync(store, "SELECT MAX(seq) FROM store_outbox_message"),
            await Db.ScalarAsync(store, "SELECT position FROM store_outbox_cursor WHERE subscriber = @subscriber", new { subscriber = Projection }));

        // One journal-entry-posted message per entry (its subject), one stock-moved per movement.
        var entries = await Db.RowsAsync(store, "SELECT id, source_id FROM ledger_journal_entry WHERE document_type <> 'opening-stock'");
        var ids = pool.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var entryIds = entries.Where(r => ids.Contains(Db.Text(r[1]))).Select(r => Db.Text(r[0])).ToHashSet(StringComparer.Ordinal);
        var messages = (await Db.MapAsync(store, "SELECT subject, COUNT(*) FROM store_outbox_message WHERE type = @type GROUP BY subject", new { type = EventTypes.JournalEntryPosted }))
            .Where(m => entryIds.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        Assert.Equal(pool.Count, entryIds.Count);
        Assert.Empty(Mismatches(entryIds.ToDictionary(id => id, _ => 1L, StringComparer.Ordinal), messages));
        Assert.Equal(
            pool.Count(e => e.Effect.StockItem is not null),
            await Db.ScalarAsync(store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = @type", new { type = EventTypes.StockMoved }) - baselineStockMoved);

        // The projection counted each entry published as posted exactly once: per plant, day and cause, and in total.
        // (It reads journal-entry-posted; the demo's invoice postings publish payables events instead.)
        const string Published = "e.id IN (SELECT subject FROM store_outbox_message WHERE type = 'takt.ledger.journal-entry-posted.v1')";
        var activity = await Db.MapAsync(store, "SELECT plant, day, source_type, entries FROM intel_plant_activity");
        var activityDebit = await Db.MapAsync(store, "SELECT plant, day, source_type, debit_e4 FROM intel_plant_activity");
        var posted = await Db.MapAsync(store,
            $"SELECT e.plant, e.posting_date, e.source_type, COUNT(*) FROM ledger_journal_entry e WHERE e.document_type <> 'opening-stock' AND {Published} GROUP BY e.plant, e.posting_date, e.source_type");
        var postedDebit = await Db.MapAsync(store,
            $"SELECT e.plant, e.posting_date, e.source_type, SUM(l.debit_e4) FROM ledger_journal_entry e JOIN ledger_journal_line l ON l.entry_id = e.id WHERE e.document_type <> 'opening-stock' AND {Published} GROUP BY e.plant, e.posting_date, e.source_type");
        Assert.Equal(posted.Values.Sum(), activity.Values.Sum());
        Assert.True(posted.Values.Sum() >= pool.Count, "Every event of the pool published its entry.");
        Assert.Empty(Mismatches(posted, activity));
        Assert.Empty(Mismatches(postedDebit, activityDebit));
    }

    /// <summary>"key: expected X, found Y" for every key where the two differ (absent counts as 0).</summary>
    private static List<string> Mismatches(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual) =>
        [.. expected.Keys.Union(actual.Keys, StringComparer.Ordinal)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal)
            .Take(20)
            .Select(k => $"{k}: expected {expected.GetValueOrDefault(k)}, found {actual.GetValueOrDefault(k)}")];

    internal static void DeleteQuietly(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}

public sealed class CrashOnSqlite() : CrashContract("sqlite");

public sealed class CrashOnPostgres() : CrashContract("postgres");
