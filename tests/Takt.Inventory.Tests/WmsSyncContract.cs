using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takt.Integration.Access;
using Takt.Integration.Webhooks;
using Takt.Testing;
using Takt.Wms;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>A Takt server whose webhook deliveries retry quickly (tests wait for retries, never on a wall-clock deadline).</summary>
public abstract class WmsHostFixture(string engine) : HostFixture(engine)
{
    protected override void Configure(Takt.Server.ServerSettings settings) =>
        settings.ConfigureServices = services => services.AddSingleton(new WebhookOptions
        {
            Timeout = TimeSpan.FromSeconds(2),
            BaseDelay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromMilliseconds(300),
            PollInterval = TimeSpan.FromMilliseconds(50),
        });
}

public sealed class WmsSqliteHost() : WmsHostFixture("sqlite");

public sealed class WmsPostgresHost() : WmsHostFixture("postgres");

/// <summary>
/// WMS synchronization over real HTTP: pick instructions go out as canonical events on a webhook subscription
/// (retried until acknowledged), confirmations come back through the gateway; out-of-order confirmations are
/// parked and applied when their predecessor arrives, duplicates change nothing.
/// </summary>
public abstract class WmsSyncContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static readonly string[] PickEvents = ["takt.inventory.pick-instructed.v1", "takt.inventory.pick-changed.v1", "takt.inventory.pick-cancelled.v1"];

    [Fact]
    public async Task a_wms_that_goes_down_and_comes_back_gets_every_instruction_once_and_both_sides_end_with_the_same_stock()
    {
        var locations = await LocationsAsync(Host, "PA01", "WD", 3);
        await PostOkAsync(Host, "PA01",
            Line("receipt", "FG-1000", 60m, locations[0], "L2026-10"), Line("receipt", "FG-1000", 40m, locations[1], "L2026-11"),
            Line("receipt", "SF-2000", 30m, locations[2], "L2026-09"));
        var key = await Host.RegisterClientAsync("wms-sim-down", [Scopes.EventsProductionWrite, Scopes.InventoryRead, Scopes.InventoryWrite, Scopes.WebhooksManage], ["PA01"]);
        var options = new WmsOptions
        {
            Takt = Host.Http.BaseAddress!,
            ApiKey = key.ApiKey,
            Urls = "http://127.0.0.1:0",
            MinDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(40),
            FailureRate = 0.25,
            SplitRate = 0.5,
            DuplicateRate = 0.3,
            Seed = 11,
        };
        await using var wms = new WmsSimulator(options);
        await wms.SeedFromTaktAsync("PA01", Ct);
        await wms.StartAsync(Ct);
        using var wmsHttp = Host.HttpWith(key.ApiKey);
        var since = await CountAsync(Host, "SELECT COALESCE(MAX(seq), 0) FROM store_outbox_message");
        var subscribed = await PostWithKeyAsync(wmsHttp, "/api/v1/webhooks", new { url = new Uri(wms.Address!, "webhook"), eventTypes = PickEvents, ordered = true, maxAttempts = 50 });
        // From here on the simulator refuses deliveries without the subscription's signature.
        options.WebhookSecret = subscribed.GetProperty("secret").GetString();

        var date = PlantCalendar.PostingDate("PA01", Host.Settings.Clock.GetUtcNow()).AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reservations = new List<string>();
        async Task ReserveAndAllocateAsync(string item, decimal quantity, string kind, string reference)
        {
            var reservation = await PostWithKeyAsync(Host.Http, "/api/v1/reservations", new { plant = "PA01", item, quantity = Qty(quantity), kind, reference, requirementDate = date });
            var id = reservation.GetProperty("id").GetString()!;
            reservations.Add(id);
            await PostWithKeyAsync(Host.Http, $"/api/v1/reservations/{id}/allocations", new { });
        }

        await ReserveAndAllocateAsync("FG-1000", 25m, "outbound-delivery", "DLV-1");
        await ReserveAndAllocateAsync("SF-2000", 12m, "production-order", "PA01-100001");

        // The WMS goes down. Takt keeps instructing; its deliveries fail and wait for their retry.
        await wms.StopAsync();
        await ReserveAndAllocateAsync("FG-1000", 50m, "outbound-delivery", "DLV-2"); // two lots: 35 + 15
        await ReserveAndAllocateAsync("SF-2000", 8m, "production-order", "PA01-100003");
        await ReserveAndAllocateAsync("FG-1000", 10m, "outbound-delivery", "DLV-3");
        await PostWithKeyAsync(Host.Http, $"/api/v1/reservations/{reservations[^1]}/cancel", new { });
        await WaitAsync(async () => await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_retry WHERE status = 'pending' AND last_error IS NOT NULL") > 0, "a failed delivery while the WMS is down");

        await wms.StartAsync(Ct);
        await WaitAsync(async () =>
                wms.State.Locked(s => s.Outgoing.Count == 0 && s.Picks.Values.All(p => p.Cancelled || p.Picked >= p.Quantity))
                && await CountAsync(Host, "SELECT COUNT(*) FROM inventory_allocation WHERE status = 'instructed'") == 0,
            "every pick confirmed and applied");
        await Host.DrainOutboxAsync();

        // Every instruction, change and cancellation reached the WMS exactly once (503s and the outage retried).
        var published = await Tables.QueryAsync<string>(Host.Store, "SELECT id FROM store_outbox_message WHERE type LIKE 'takt.inventory.pick-%' AND seq > @since", new { since });
        Assert.Equal(published.Order(StringComparer.Ordinal), wms.State.Locked(s => s.Deliveries.Keys.Order(StringComparer.Ordinal).ToList()));
        Assert.All(wms.State.Locked(s => s.Deliveries.Values.ToList()), count => Assert.Equal(1, count));
        Assert.Equal(7, published.Count); // 6 instructions (DLV-2 spans two lots) and 1 cancellation

        // Every confirmation was applied once: duplicates were recorded and changed nothing, nothing stays parked.
        Assert.Equal(0, await CountAsync(Host, "SELECT COUNT(*) FROM inventory_wms_confirmation WHERE status = 'parked' AND reference <> 'AL-not-known'"));
        Assert.Equal(0, await CountAsync(Host, "SELECT COUNT(*) FROM (SELECT reference, sequence FROM inventory_wms_confirmation WHERE status = 'applied' GROUP BY reference, sequence HAVING COUNT(*) > 1) d"));
        // What Takt booked as picked is what the WMS picked (DLV-3 was cancelled; the WMS may have picked it before the
        // cancellation reached it, since it answers some deliveries 503: then both sides show it picked).
        var wmsPicked = wms.State.Locked(s => s.Picks.Values.Sum(p => p.Picked));
        var taktPicked = 0m;
        foreach (var reservation in reservations)
            taktPicked += (await Host.GetAsync<JsonElement>($"/api/v1/reservations/{reservation}")).GetProperty("allocations").EnumerateArray().Sum(a => a.GetProperty("picked").GetDecimal());
        Assert.Equal(wmsPicked, taktPicked);
        Assert.True(wmsPicked is 95m or 105m, $"picked {wmsPicked}");
        Assert.True(await CountAsync(Host, "SELECT COUNT(*) FROM inventory_wms_confirmation WHERE status = 'rejected' AND reason LIKE 'Duplicate%'") > 0, "the simulator sent duplicates (seeded)");

        // Both sides end with the same stock in every storage location.
        var takt = (await Host.GetAsync<List<Bin>>("/api/v1/stock/bins?plant=PA01"))
            .Where(b => b.Location.Length > 0 && b.Status == "unrestricted" && b.Quantity != 0)
            .ToDictionary(b => $"PA01|{b.Item}|{b.Location}|{b.Lot}", b => b.Quantity);
        var wmsStock = wms.State.Locked(s => s.Stock.Where(p => p.Value != 0).ToDictionary(p => p.Key, p => p.Value));
        Assert.Equal(takt.OrderBy(p => p.Key, StringComparer.Ordinal), wmsStock.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(10m, takt[$"PA01|SF-2000|{locations[2]}|L2026-09"]); // 30 − 12 − 8 picked for the two orders
        Assert.Equal(20m, takt["PA01|SF-2000|PSA|L2026-09"]); // both production orders' picks staged
    }

    [Fact]
    public async Task out_of_order_confirmations_wait_for_their_predecessor_and_duplicates_change_nothing()
    {
        var location = (await LocationsAsync(Host, "PA01", "OO", 1))[0];
        await PostOkAsync(Host, "PA01", Line("receipt", "FG-1000", 10m, location, "L1"));
        var date = PlantCalendar.PostingDate("PA01", Host.Settings.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reservation = await PostWithKeyAsync(Host.Http, "/api/v1/reservations", new { plant = "PA01", item = "FG-1000", quantity = Qty(10m), kind = "outbound-delivery", reference = "DLV-OO", requirementDate = date });
        var allocated = await PostWithKeyAsync(Host.Http, $"/api/v1/reservations/{reservation.GetProperty("id").GetString()}/allocations", new { });
        var allocation = allocated.GetProperty("allocations")[0].GetProperty("id").GetString()!;

        JsonObject Picked(string id, int sequence, decimal quantity, string? forAllocation = null) => Events.Envelope("takt.inventory.wms-picked.v1", new JsonObject
        {
            ["plant"] = "PA01", ["allocation"] = forAllocation ?? allocation, ["sequence"] = sequence, ["location"] = location, ["lot"] = "L1", ["quantity"] = Events.Quantity(quantity, "H87"),
        }, id: id, source: "/wms/test");

        async Task<JsonElement> SendAsync(JsonObject e)
        {
            using var response = await Host.PostStructuredAsync(e);
            var body = await TaktHost.JsonAsync(response);
            Assert.True(response.IsSuccessStatusCode, body.ToString());
            return body;
        }

        await SendAsync(Picked("c-2", 2, 4m));
        await SendAsync(Picked("c-3", 3, 3m));
        Assert.Equal(10m, (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "L1", "unrestricted")]);
        Assert.Equal(["Out of order: waiting for confirmation 1 of " + allocation + "."], await Tables.QueryAsync<string>(Host.Store, "SELECT reason FROM inventory_wms_confirmation WHERE event_id = 'c-2'"));

        await SendAsync(Picked("c-2-again", 2, 4m)); // the same confirmation under a new id
        var first = Picked("c-1", 1, 3m);
        await SendAsync(first);
        await SendAsync(first); // the same event again: the gateway answers it from its inbox
        await SendAsync(Picked("c-3-again", 3, 3m));
        await SendAsync(Picked("c-unknown", 1, 1m, "AL-not-known"));

        Assert.False((await BinsAsync(Host, "PA01", "FG-1000")).ContainsKey((location, "L1", "unrestricted")));
        var statuses = (await Tables.QueryAsync<(string Id, string Status)>(Host.Store, "SELECT event_id, status FROM inventory_wms_confirmation")).ToDictionary(r => r.Id, r => r.Status);
        Assert.Equal("applied", statuses["c-1"]);
        Assert.Equal("applied", statuses["c-2"]);
        Assert.Equal("applied", statuses["c-3"]);
        Assert.Equal("rejected", statuses["c-2-again"]);
        Assert.Equal("rejected", statuses["c-3-again"]);
        Assert.Equal("parked", statuses["c-unknown"]);
        var view = await Host.GetAsync<JsonElement>($"/api/v1/reservations/{reservation.GetProperty("id").GetString()}");
        Assert.Equal("completed", view.GetProperty("status").GetString());
        Assert.Equal(10m, view.GetProperty("picked").GetDecimal());
        // Three goods issues to the customer at standard (FG-1000: 138.90 EUR at PA01), one per applied confirmation.
        Assert.Equal(1389m, await CountAsync(Host, "SELECT CAST(SUM(l.debit_e4) AS bigint) FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id WHERE e.source_id IN ('c-1', 'c-2', 'c-3') AND l.account = '560000'") / 10_000m);
    }

    private static async Task<JsonElement> PostWithKeyAsync(HttpClient http, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"Still waiting for {what}.");
            await Task.Delay(50, Ct);
        }
    }
}

public sealed class WmsSyncOnSqlite(WmsSqliteHost fixture) : WmsSyncContract<WmsSqliteHost>(fixture);

public sealed class WmsSyncOnPostgres(WmsPostgresHost fixture) : WmsSyncContract<WmsPostgresHost>(fixture);
