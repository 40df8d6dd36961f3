using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>
/// WMS confirmations through the gateway beyond picks: counts (answering a count document or on the WMS's own
/// initiative) settle count lines and feed inventory accuracy; a pick confirmed before its allocation exists is parked
/// and applied once, when the allocation is created under the WMS's id.
/// </summary>
public abstract class WmsConfirmationContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static JsonObject Counted(string id, string task, int sequence, string item, string location, decimal quantity, string? lot = null, string? count = null, string unit = "H87") =>
        Events.Envelope("takt.inventory.wms-counted.v1", new JsonObject
        {
            ["plant"] = "PA01", ["task"] = task, ["sequence"] = sequence, ["item"] = item, ["lot"] = lot, ["location"] = location, ["quantity"] = Events.Quantity(quantity, unit), ["count"] = count,
        }, id: id, source: "/wms/test");

    private static JsonObject Picked(string id, string allocation, int sequence, string location, string lot, decimal quantity) =>
        Events.Envelope("takt.inventory.wms-picked.v1", new JsonObject
        {
            ["plant"] = "PA01", ["allocation"] = allocation, ["sequence"] = sequence, ["location"] = location, ["lot"] = lot, ["quantity"] = Events.Quantity(quantity, "H87"),
        }, id: id, source: "/wms/test");

    private async Task<JsonElement> SendAsync(JsonObject e)
    {
        using var response = await Host.PostStructuredAsync(e);
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    private async Task<(long Counted, long Within)> AccuracyAsync()
    {
        var rows = await Host.GetAsync<JsonElement>("/api/v1/kpis/inventory-accuracy?plant=PA01");
        return rows.GetArrayLength() == 0 ? (0, 0) : (rows[0].GetProperty("countedLines").GetInt64(), rows[0].GetProperty("withinTolerance").GetInt64());
    }

    private async Task<string> StatusAsync(string eventId) =>
        Assert.Single(await Tables.QueryAsync<string>(Host.Store, "SELECT status FROM inventory_wms_confirmation WHERE event_id = @eventId", new { eventId }));

    [Fact]
    public async Task wms_counts_settle_count_lines_in_order_once_and_count_for_inventory_accuracy()
    {
        var locations = await LocationsAsync(Host, "PA01", "WC", 2);
        await PostOkAsync(Host, "PA01", Line("receipt", "RM-3001", 100m, locations[0]), Line("receipt", "FG-1000", 10m, locations[1], "F1"));
        var (counted0, within0) = await AccuracyAsync();

        // The WMS counts on its own: 99 of 100 is within RAW's 2 % tolerance, so the adjustment posts at once.
        var adHoc = await SendAsync(Counted("wc-1", "WT-C1", 1, "RM-3001", locations[0], 99m));
        Assert.Single(adHoc.GetProperty("journalEntries").EnumerateArray());
        Assert.Equal(99m, (await BinsAsync(Host, "PA01", "RM-3001"))[(locations[0], "", "unrestricted")]);
        var line = Assert.Single(await Tables.QueryAsync<(string Selection, long Book, long Counted, long Within, string Status)>(Host.Store,
            "SELECT c.selection, l.book_e6, l.counted_e6, l.within_tolerance, l.status FROM inventory_count_line l JOIN inventory_count c ON c.id = l.count_id WHERE c.selection = 'wms:WT-C1'"));
        Assert.Equal(("wms:WT-C1", 100_000_000L, 99_000_000L, 1L, "posted"), line);
        Assert.Equal((counted0 + 1, within0 + 1), await AccuracyAsync());

        // The same count again under a new id: a duplicate, nothing moves or counts twice.
        await SendAsync(Counted("wc-1-again", "WT-C1", 1, "RM-3001", locations[0], 98m));
        Assert.Equal("rejected", await StatusAsync("wc-1-again"));
        Assert.Equal(99m, (await BinsAsync(Host, "PA01", "RM-3001"))[(locations[0], "", "unrestricted")]);
        Assert.Equal((counted0 + 1, within0 + 1), await AccuracyAsync());

        // A recount's second confirmation arrives first: it waits; the first (no difference) lets it through.
        await SendAsync(Counted("wc-2b", "WT-C2", 2, "RM-3001", locations[0], 98m));
        Assert.Equal("parked", await StatusAsync("wc-2b"));
        Assert.Equal(99m, (await BinsAsync(Host, "PA01", "RM-3001"))[(locations[0], "", "unrestricted")]);
        await SendAsync(Counted("wc-2a", "WT-C2", 1, "RM-3001", locations[0], 99m));
        Assert.Equal(("applied", "applied"), (await StatusAsync("wc-2a"), await StatusAsync("wc-2b")));
        Assert.Equal(98m, (await BinsAsync(Host, "PA01", "RM-3001"))[(locations[0], "", "unrestricted")]);
        Assert.Equal((counted0 + 3, within0 + 3), await AccuracyAsync());

        // Takt asks for a count of the second location; the WMS answers it: +20 × 138.90 EUR is above PA01's threshold.
        using var created = await Host.PostJsonAsync("/api/v1/inventory/counts", new { plant = "PA01", location = locations[1] });
        var countId = (await TaktHost.JsonAsync(created)).GetProperty("id").GetString()!;
        var requests = await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.stock-adjustment-requested.v1'");
        var answered = await SendAsync(Counted("wc-3", "WT-C3", 1, "FG-1000", locations[1], 30m, "F1", countId));
        Assert.Empty(answered.GetProperty("journalEntries").EnumerateArray());
        var count = await Host.GetAsync<JsonElement>($"/api/v1/inventory/counts/{countId}");
        Assert.Equal("completed", count.GetProperty("status").GetString());
        var answeredLine = Assert.Single(count.GetProperty("lines").EnumerateArray());
        Assert.Equal(("awaiting-approval", 30m, 2778m, false), (answeredLine.GetProperty("status").GetString(), answeredLine.GetProperty("counted").GetDecimal(),
            answeredLine.GetProperty("differenceValue").GetDecimal(), answeredLine.GetProperty("withinTolerance").GetBoolean()));
        Assert.Equal(10m, (await BinsAsync(Host, "PA01", "FG-1000"))[(locations[1], "F1", "unrestricted")]);
        Assert.Equal(requests + 1, await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.stock-adjustment-requested.v1'"));
        Assert.Equal((counted0 + 4, within0 + 3), await AccuracyAsync());

        // Bad counts name the field and the rule and change nothing.
        var before = await Host.SettledSnapshotAsync();
        (JsonObject Event, string Field, string Rule)[] cases =
        [
            (Counted("wc-bad-1", "WT-B1", 1, "RM-3001", locations[0], 5m, count: "CC-nope"), "/data/count", "count.unknown"),
            (Counted("wc-bad-2", "WT-B2", 1, "RM-3001", locations[0], -1m), "/data/quantity/value", "quantity.non-negative"),
            (Counted("wc-bad-3", "WT-B3", 1, "RM-3001", "NOWHERE", 5m), "/data/location", "location.unknown"),
            (Counted("wc-bad-4", "WT-B4", 1, "FG-1000", locations[1], 5m, "F1", countId), "/data/count", "count.line-counted"),
            (Counted("wc-bad-5", "WT-B5", 1, "RM-3002", locations[1], 5m, count: countId), "/data/item", "count.line-unknown"),
            (Counted("wc-bad-6", "WT-B6", 1, "NOPE", locations[0], 5m), "/data/item", "item.unknown"),
            (Counted("wc-bad-7", "WT-B7", 1, "RM-3001", locations[0], 5m, unit: "KGM"), "/data/quantity/unit", "quantity.unit-not-convertible"),
            (Counted("wc-bad-8", "WT-B8", 0, "RM-3001", locations[0], 5m), "/data/sequence", "wms.sequence-positive"),
        ];
        foreach (var (e, field, rule) in cases)
        {
            using var response = await Host.PostStructuredAsync(e);
            await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, field, rule);
        }

        before.AssertUnchanged(await Host.SettledSnapshotAsync());
    }

    [Fact]
    public async Task a_pick_confirmed_before_its_allocation_exists_is_parked_and_applied_once_when_the_allocation_is_created()
    {
        var location = (await LocationsAsync(Host, "PA01", "PB", 1))[0];
        await PostOkAsync(Host, "PA01", Line("receipt", "FG-1000", 10m, location, "L1"));
        var date = PlantCalendar.PostingDate("PA01", Host.Settings.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reservation = await PostApiAsync("/api/v1/reservations", new { plant = "PA01", item = "FG-1000", quantity = Qty(6m), kind = "outbound-delivery", reference = "DLV-PB", requirementDate = date });
        var reservationId = reservation.GetProperty("id").GetString()!;

        // The WMS picked for its own task WT-P1 and tells Takt before Takt has the allocation: both confirmations wait.
        await SendAsync(Picked("pb-2", "WT-P1", 2, location, "L1", 2m));
        await SendAsync(Picked("pb-1", "WT-P1", 1, location, "L1", 4m));
        Assert.Equal(("parked", "parked"), (await StatusAsync("pb-1"), await StatusAsync("pb-2")));
        Assert.Equal(["Allocation WT-P1 is not known (yet)."], await Tables.QueryAsync<string>(Host.Store, "SELECT reason FROM inventory_wms_confirmation WHERE event_id = 'pb-1'"));
        Assert.Equal(10m, (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "L1", "unrestricted")]);

        // Bad allocation requests change nothing (and do not release the parked confirmations).
        var before = await Host.SettledSnapshotAsync();
        (object Body, HttpStatusCode Status, string Field, string Rule)[] cases =
        [
            (new { id = "WT-P1", quantity = Qty(6m) }, HttpStatusCode.BadRequest, "/location", "location.required"),
            (new { id = "WT P1!", location, lot = "L1", quantity = Qty(6m) }, HttpStatusCode.UnprocessableEntity, "/id", "allocation.id-invalid"),
            (new { id = "WT-P1", location, lot = "L1", quantity = Qty(7m) }, HttpStatusCode.UnprocessableEntity, "/quantity", "allocation.exceeds-reservation"),
            (new { id = "WT-P1", location = "NOWHERE", lot = "L1", quantity = Qty(6m) }, HttpStatusCode.UnprocessableEntity, "/location", "location.unknown"),
        ];
        foreach (var (body, status, field, rule) in cases)
        {
            using var response = await Host.PostJsonAsync($"/api/v1/reservations/{reservationId}/allocations", body);
            await Problems.AssertAsync(response, status, field, rule);
        }

        before.AssertUnchanged(await Host.SettledSnapshotAsync());

        // The allocation arrives under the WMS's id: both parked picks apply, in order, in the same transaction.
        var allocated = await PostApiAsync($"/api/v1/reservations/{reservationId}/allocations", new { id = "WT-P1", location, lot = "L1", quantity = Qty(6m) });
        var allocation = Assert.Single(allocated.GetProperty("allocations").EnumerateArray());
        Assert.Equal(("WT-P1", 6m, "picked"), (allocation.GetProperty("id").GetString(), allocation.GetProperty("picked").GetDecimal(), allocation.GetProperty("status").GetString()));
        Assert.Equal("completed", allocated.GetProperty("status").GetString());
        Assert.Equal(("applied", "applied"), (await StatusAsync("pb-1"), await StatusAsync("pb-2")));
        Assert.Equal(4m, (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "L1", "unrestricted")]);
        // Two goods issues to the customer at standard (FG-1000: 138.90 EUR at PA01): 4 + 2.
        Assert.Equal(833.40m, await CountAsync(Host, "SELECT CAST(SUM(l.debit_e4) AS bigint) FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id WHERE e.source_id IN ('pb-1', 'pb-2') AND l.account = '560000'") / 10_000m);

        // Late duplicates change nothing; the id cannot be taken twice.
        await SendAsync(Picked("pb-1-again", "WT-P1", 1, location, "L1", 4m));
        Assert.Equal("rejected", await StatusAsync("pb-1-again"));
        Assert.Equal(4m, (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "L1", "unrestricted")]);
        var other = await PostApiAsync("/api/v1/reservations", new { plant = "PA01", item = "FG-1000", quantity = Qty(1m), kind = "outbound-delivery", reference = "DLV-PB2", requirementDate = date });
        using (var taken = await Host.PostJsonAsync($"/api/v1/reservations/{other.GetProperty("id").GetString()}/allocations", new { id = "WT-P1", location, lot = "L1", quantity = Qty(1m) }))
            await Problems.AssertAsync(taken, HttpStatusCode.UnprocessableEntity, "/id", "allocation.id-taken");
    }

    [Fact]
    public async Task confirmations_racing_their_allocations_are_each_applied_exactly_once()
    {
        var location = (await LocationsAsync(Host, "PA01", "RACE", 1))[0];
        await PostOkAsync(Host, "PA01", Line("receipt", "SF-2000", 12m, location, "R1"));
        var date = PlantCalendar.PostingDate("PA01", Host.Settings.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reservations = new List<string>();
        for (var i = 0; i < 12; i++)
            reservations.Add((await PostApiAsync("/api/v1/reservations", new { plant = "PA01", item = "SF-2000", quantity = Qty(1m), kind = "outbound-delivery", reference = $"DLV-R{i}", requirementDate = date })).GetProperty("id").GetString()!);

        // Each WMS task's confirmation and its allocation are sent at the same moment (on PostgreSQL they run in parallel).
        await Task.WhenAll(reservations.SelectMany((reservation, i) => new Func<Task>[]
        {
            () => SendAsync(Picked($"race-{i}", $"WT-R{i}", 1, location, "R1", 1m)),
            () => PostApiAsync($"/api/v1/reservations/{reservation}/allocations", new { id = $"WT-R{i}", location, lot = "R1", quantity = Qty(1m) }),
        }).Select(f => Task.Run(f, Ct)));

        Assert.Equal(12, await CountAsync(Host, "SELECT COUNT(*) FROM inventory_wms_confirmation WHERE event_id LIKE 'race-%' AND status = 'applied'"));
        Assert.Equal(12, await CountAsync(Host, "SELECT COUNT(*) FROM inventory_allocation WHERE id LIKE 'WT-R%' AND picked_e6 = 1000000 AND status = 'picked'"));
        Assert.False((await BinsAsync(Host, "PA01", "SF-2000")).ContainsKey((location, "R1", "unrestricted")), "all 12 picked");
    }

    private async Task<JsonElement> PostApiAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await Host.Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

public sealed class WmsConfirmationsOnSqlite(SqliteHost fixture) : WmsConfirmationContract<SqliteHost>(fixture);

public sealed class WmsConfirmationsOnPostgres(PostgresHost fixture) : WmsConfirmationContract<PostgresHost>(fixture);
