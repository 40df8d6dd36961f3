using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Procurement;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;
using static Takt.Operations.Tests.Http;

namespace Takt.Operations.Tests;

/// <summary>
/// Manual fallback for goods receipts and stock transfers (issue 14, docs/operations.md): while the WMS is down, people
/// record receipts against a purchase order line and transfers between locations by hand; each posts at once. When the
/// WMS comes back and posts its own receipt (normal API) or confirms its own move (gateway) for the same fact, it is
/// matched by business keys and time window and only the difference is applied — stock, GR/IR and the order's received
/// quantity alike; the reconciliation reports tell matched, difference-applied, conflicting, unmatched and waiting apart.
/// </summary>
public abstract class FallbackStockContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : OperationsHost
{
    private TaktHost Host => fixture.Host;

    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    private const string Reason = "WMS PA01 down, incident INC-901";

    /// <summary>A direct purchase order of Plant A for one line (issued at once: below the approval threshold).</summary>
    private async Task<PurchaseOrderView> OrderAsync(string item, decimal quantity, decimal price, string unit = "H87")
    {
        await using var session = await Host.Store.OpenSessionAsync(fixture.Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var created = await Host.Service<IProcurement>().CreateDirectOrderAsync(tx, new DirectOrder(DemoData.PlantA, "SUP-200", "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine(item, quantity, unit, price, DateOnly.FromDateTime(Now.UtcDateTime).AddDays(7))]), Ct);
        Assert.False(created.IsRejected, created.IsRejected ? string.Join("; ", created.Violations.Select(v => $"{v.Field} {v.Rule}")) : "");
        var order = created.Value;
        await tx.CommitAsync(Ct);
        Assert.Equal("issued", order.Status);
        return order;
    }

    private async Task<JsonElement> PostAsync(string path, object body, HttpStatusCode status = HttpStatusCode.Created, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        using var response = await Host.Http.SendAsync(request, Ct);
        return await OkAsync(response, status);
    }

    private Task<JsonElement> RecordReceiptAsync(object body) => PostAsync("/api/v1/fallback/goods-receipts", body);

    private Task<JsonElement> WmsReceiptAsync(object body, string? key = null) => PostAsync("/api/v1/procurement/goods-receipts", body, key: key);

    private async Task<JsonElement> ReceiptEntryAsync(string id) =>
        (await Host.GetAsync<JsonElement>("/api/v1/fallback/goods-receipts?plant=PA01")).GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);

    private async Task<JsonElement> MovementEntryAsync(string id) =>
        (await Host.GetAsync<JsonElement>("/api/v1/fallback/stock-movements?plant=PA01")).GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);

    private async Task<(decimal Received, decimal GrIr)> LineAsync(string order)
    {
        var rows = await Tables.QueryAsync<(long Received, long GrIr)>(Host.Store,
            "SELECT l.received_e6, COALESCE((SELECT SUM(grir_e4) FROM proc_receipt r WHERE r.po = l.po AND r.line = l.line), 0) FROM proc_po_line l WHERE l.po = @order AND l.line = 1", new { order });
        return (rows[0].Received / 1_000_000m, rows[0].GrIr / 10_000m);
    }

    /// <summary>GR/IR (191000) credited minus debited by the order's receipts in the ledger.</summary>
    private async Task<decimal> GrIrPostedAsync(string order) =>
        (await Tables.QueryAsync<long>(Host.Store,
            "SELECT COALESCE(SUM(credit_e4 - debit_e4), 0) FROM ledger_journal_line WHERE account = '191000' AND entry_id IN (SELECT journal_entry FROM proc_receipt WHERE po = @order)", new { order }))[0] / 10_000m;

    private async Task<decimal> StockAsync(string item, string location) =>
        (await Tables.QueryAsync<long>(Host.Store, "SELECT COALESCE(SUM(quantity_e6), 0) FROM inventory_movement WHERE plant = 'PA01' AND item = @item AND location = @location",
            new { item, location }))[0] / 1_000_000m;

    private async Task MovedAsync(JsonObject cloudEvent)
    {
        using var response = await Host.PostStructuredAsync(cloudEvent);
        await OkAsync(response);
    }

    private static JsonObject WmsMoved(string task, string item, string from, string to, decimal quantity, string unit, DateTimeOffset time, string? id = null) =>
        Events.Envelope("takt.inventory.wms-moved.v1", new JsonObject
        {
            ["plant"] = DemoData.PlantA, ["task"] = task, ["sequence"] = 1, ["item"] = item, ["lot"] = null, ["fromLocation"] = from, ["toLocation"] = to, ["quantity"] = Events.Quantity(quantity, unit),
        }, time: time, id: id, source: "/wms/pa01");

    [Fact]
    public async Task a_receipt_recorded_by_hand_posts_at_once_and_the_wms_receipt_of_the_same_delivery_sent_twice_changes_nothing_more()
    {
        // RM-3002 at PA01: standard 12.75; ordered 100 at 13.10.
        var order = await OrderAsync("RM-3002", 100m, 13.10m);
        var occurred = Now.AddMinutes(-45);
        var stock = await StockAsync("RM-3002", "");
        var recorded = await RecordReceiptAsync(new { order = order.Number, line = 1, item = "RM-3002", quantity = 40, unit = "H87", receivedBy = "marta.wh", occurredAt = occurred, reason = Reason });
        var id = recorded.GetProperty("entry").GetProperty("id").GetString()!;
        var receipt = recorded.GetProperty("receipt");
        // 40 × 12.75 = 510.00 Inventory; 40 × 13.10 = 524.00 GR/IR; 14.00 price variance.
        Assert.Equal((510.00m, 524.00m, 14.00m), (receipt.GetProperty("inventoryAmount").GetDecimal(), receipt.GetProperty("grIrAmount").GetDecimal(), receipt.GetProperty("priceVariance").GetDecimal()));
        Assert.Equal((40m, 524.00m), await LineAsync(order.Number));
        Assert.Equal(524.00m, await GrIrPostedAsync(order.Number));
        Assert.Equal(stock + 40m, await StockAsync("RM-3002", ""));
        Assert.Equal("waiting", (await ReceiptEntryAsync(id)).GetProperty("status").GetString());
        var journalLines = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_line");

        // The WMS comes back and posts its receipt of the same delivery; its client retries with the same Idempotency-Key.
        var key = Guid.NewGuid().ToString();
        var body = new { order = order.Number, line = 1, quantity = 40, unit = "H87", receivedBy = "wms.pa01", receivedAt = occurred.AddMinutes(7) };
        var first = await WmsReceiptAsync(body, key);
        var again = await WmsReceiptAsync(body, key);
        Assert.Equal(first.ToString(), again.ToString());
        var match = first.GetProperty("fallback");
        Assert.Equal((id, 40m, 40m, 0m), (match.GetProperty("entry").GetString(), match.GetProperty("reported").GetDecimal(), match.GetProperty("covered").GetDecimal(), match.GetProperty("applied").GetDecimal()));
        Assert.Equal(receipt.GetProperty("id").GetString(), first.GetProperty("id").GetString());

        Assert.Equal((40m, 524.00m), await LineAsync(order.Number));
        Assert.Equal(524.00m, await GrIrPostedAsync(order.Number));
        Assert.Equal(stock + 40m, await StockAsync("RM-3002", ""));
        Assert.Equal(journalLines, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_line"));
        var entry = await ReceiptEntryAsync(id);
        Assert.Equal(("matched", 40m, 0m), (entry.GetProperty("status").GetString(), entry.GetProperty("matched").GetDecimal(), entry.GetProperty("applied").GetDecimal()));
        Assert.Single(entry.GetProperty("matches").EnumerateArray());
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM proc_fallback_receipt_match WHERE entry_id = @id", new { id }));

        // The record is closed: a second WMS receipt (a real second delivery) is received in full.
        var second = await WmsReceiptAsync(new { order = order.Number, line = 1, quantity = 10, unit = "H87", receivedBy = "wms.pa01", receivedAt = occurred.AddMinutes(9) });
        Assert.False(second.TryGetProperty("fallback", out _));
        Assert.Equal((50m, 655.00m), await LineAsync(order.Number));
        Assert.Equal(655.00m, await GrIrPostedAsync(order.Number));
    }

    [Fact]
    public async Task the_wms_receiving_more_posts_only_the_difference_less_is_conflicting_nothing_is_unmatched_and_a_late_receipt_counts_in_full()
    {
        var occurred = Now.AddMinutes(-20);

        // 30 by hand; the WMS reports 45: 15 more are received, GR/IR posted for those 15 only.
        var more = await OrderAsync("RM-3003", 200m, 4.20m);
        var moreId = (await RecordReceiptAsync(new { order = more.Number, line = 1, quantity = 30, unit = "H87", receivedBy = "marta.wh", occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        var moreAnswer = await WmsReceiptAsync(new { order = more.Number, line = 1, quantity = 45, unit = "H87", receivedBy = "wms.pa01", receivedAt = occurred.AddMinutes(10) });
        Assert.Equal((15m, 63.00m), (moreAnswer.GetProperty("quantity").GetDecimal(), moreAnswer.GetProperty("grIrAmount").GetDecimal()));
        Assert.Equal((30m, 15m), (moreAnswer.GetProperty("fallback").GetProperty("covered").GetDecimal(), moreAnswer.GetProperty("fallback").GetProperty("applied").GetDecimal()));
        // 45 × 4.20 = 189.00 in GR/IR, in the ledger and on the line: nothing twice.
        Assert.Equal((45m, 189.00m), await LineAsync(more.Number));
        Assert.Equal(189.00m, await GrIrPostedAsync(more.Number));

        // 20 by hand; the WMS reports 12: nothing more is received, 8 stay open while the window is open.
        var less = await OrderAsync("RM-3003", 200m, 4.20m);
        var lessId = (await RecordReceiptAsync(new { order = less.Number, line = 1, quantity = 20, unit = "H87", receivedBy = "marta.wh", occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        await WmsReceiptAsync(new { order = less.Number, line = 1, quantity = 12, unit = "H87", receivedBy = "wms.pa01", receivedAt = occurred.AddMinutes(-3) });
        Assert.Equal((20m, 84.00m), await LineAsync(less.Number));
        Assert.Equal(84.00m, await GrIrPostedAsync(less.Number));
        Assert.Equal("waiting", (await ReceiptEntryAsync(lessId)).GetProperty("status").GetString());

        // A receipt by hand the WMS never reports.
        var lonely = await OrderAsync("RM-3003", 200m, 4.20m);
        var lonelyId = (await RecordReceiptAsync(new { order = lonely.Number, line = 1, quantity = 5, unit = "H87", receivedBy = "marta.wh", occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        // A WMS receipt on that line outside the window is another delivery: received in full, the record stays open.
        await WmsReceiptAsync(new { order = lonely.Number, line = 1, quantity = 7, unit = "H87", receivedBy = "wms.pa01", receivedAt = occurred.AddMinutes(-61) });
        Assert.Equal((12m, 50.40m), await LineAsync(lonely.Number));

        fixture.Clock.Advance(TimeSpan.FromMinutes(41));
        var report = await Host.GetAsync<JsonElement>($"/api/v1/fallback/goods-receipts?plant=PA01&from={Uri.EscapeDataString(occurred.AddSeconds(-1).ToString("O"))}&to={Uri.EscapeDataString(occurred.AddSeconds(1).ToString("O"))}");
        var byId = report.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e);
        Assert.Equal(3, byId.Count);
        Assert.Equal(("difference-applied", 30m, 15m), (byId[moreId].GetProperty("status").GetString(), byId[moreId].GetProperty("matched").GetDecimal(), byId[moreId].GetProperty("applied").GetDecimal()));
        Assert.Equal(("conflicting", 12m), (byId[lessId].GetProperty("status").GetString(), byId[lessId].GetProperty("matched").GetDecimal()));
        Assert.Equal(("unmatched", 0m), (byId[lonelyId].GetProperty("status").GetString(), byId[lonelyId].GetProperty("matched").GetDecimal()));
        var counts = report.GetProperty("counts");
        Assert.Equal((1, 1, 1, 0, 0), (counts.GetProperty("difference-applied").GetInt32(), counts.GetProperty("conflicting").GetInt32(), counts.GetProperty("unmatched").GetInt32(),
            counts.GetProperty("matched").GetInt32(), counts.GetProperty("waiting").GetInt32()));
    }

    [Fact]
    public async Task bad_receipts_by_hand_are_refused_with_the_field_and_rule_and_change_nothing()
    {
        var order = await OrderAsync("RM-3001", 10m, 38.00m);
        var at = Now.AddMinutes(-5);
        var before = await Host.SettledSnapshotAsync();
        (object Body, HttpStatusCode Status, string Field, string Rule)[] cases =
        [
            (new { order = order.Number, line = 1, quantity = 1, unit = "KGM", receivedBy = "marta.wh", occurredAt = at, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/unit", "receipt.unit-mismatch"),
            (new { order = order.Number, line = 7, quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = at, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/line", "receipt.line-unknown"),
            (new { order = "PO-NOPE", line = 1, quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = at, reason = Reason }, HttpStatusCode.NotFound, "/order", "purchase-order.unknown"),
            (new { order = order.Number, line = 1, quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = new DateTimeOffset(2020, 1, 15, 10, 0, 0, TimeSpan.Zero), reason = Reason },
                HttpStatusCode.UnprocessableEntity, "/occurredAt", "period.closed"),
            (new { order = order.Number, line = 1, item = "RM-3002", quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = at, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/item", "fallback.item-mismatch"),
            (new { order = order.Number, line = 1, quantity = 0, unit = "H87", receivedBy = "marta.wh", occurredAt = at, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/quantity", "receipt.quantity-positive"),
            (new { order = order.Number, line = 1, quantity = 50, unit = "H87", receivedBy = "marta.wh", occurredAt = at, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/quantity", "receipt.over-delivery"),
            (new { order = order.Number, line = 1, quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = Now.AddHours(2), reason = Reason }, HttpStatusCode.UnprocessableEntity, "/occurredAt", "fallback.occurred-in-future"),
            (new { order = order.Number, line = 1, quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = at, windowMinutes = 2000, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/windowMinutes", "fallback.window-range"),
            (new { order = order.Number, line = 1, quantity = 1, unit = "H87", receivedBy = "marta.wh", occurredAt = at }, HttpStatusCode.UnprocessableEntity, "/reason", "field.required"),
            (new { order = order.Number, line = 1, quantity = 1, unit = "H87", occurredAt = at, reason = Reason }, HttpStatusCode.UnprocessableEntity, "/receivedBy", "receipt.receiver-required"),
        ];
        foreach (var (body, status, field, rule) in cases)
        {
            using var response = await Host.PostJsonAsync("/api/v1/fallback/goods-receipts", body);
            await Problems.AssertAsync(response, status, field, rule);
        }

        (await Host.SettledSnapshotAsync()).AssertUnchanged(before);
    }

    [Fact]
    public async Task a_transfer_recorded_by_hand_moves_at_once_and_the_wms_confirmation_moves_only_the_difference()
    {
        var occurred = Now.AddMinutes(-30);
        // Some stock in receiving and in rack A-02 first, through the ordinary API.
        await PostAsync("/api/v1/stock/movements", new
        {
            plant = "PA01", lines = new[]
            {
                new { kind = "transfer", item = "RM-3005", quantity = new { value = 20m, unit = "KGM" }, location = "", toLocation = "RCV" },
                new { kind = "transfer", item = "RM-3005", quantity = new { value = 10m, unit = "KGM" }, location = "", toLocation = "A-02" },
            },
        });
        // RM-3005 is kept in KGM: 500 GRM by hand from receiving to A-01.
        var (unplaced, rack) = (await StockAsync("RM-3005", "RCV"), await StockAsync("RM-3005", "A-01"));
        var recorded = await PostAsync("/api/v1/fallback/stock-movements", new
        {
            plant = "PA01", item = "RM-3005", location = "RCV", toLocation = "A-01", quantity = new { value = 500, unit = "GRM" }, occurredAt = occurred, reason = Reason,
        });
        var id = recorded.GetProperty("entry").GetProperty("id").GetString()!;
        Assert.Equal((0.5m, "KGM"), (recorded.GetProperty("entry").GetProperty("recorded").GetDecimal(), recorded.GetProperty("entry").GetProperty("unit").GetString()));
        Assert.Equal((unplaced - 0.5m, rack + 0.5m), (await StockAsync("RM-3005", "RCV"), await StockAsync("RM-3005", "A-01")));

        // The WMS confirms the same move in KGM, a few minutes off; delivered twice: the inbox answers the replay.
        var moved = WmsMoved("T-FB-1", "RM-3005", "RCV", "A-01", 0.5m, "KGM", occurred.AddMinutes(4));
        await MovedAsync(moved);
        await MovedAsync(moved);
        Assert.Equal((unplaced - 0.5m, rack + 0.5m), (await StockAsync("RM-3005", "RCV"), await StockAsync("RM-3005", "A-01")));
        var entry = await MovementEntryAsync(id);
        Assert.Equal(("matched", 0.5m, 0m), (entry.GetProperty("reconciliation").GetString(), entry.GetProperty("matched").GetDecimal(), entry.GetProperty("applied").GetDecimal()));
        var match = Assert.Single(entry.GetProperty("matches").EnumerateArray());
        Assert.Equal((moved["id"]!.GetValue<string>(), 0.5m, 0m), (match.GetProperty("sourceId").GetString(), match.GetProperty("covered").GetDecimal(), match.GetProperty("applied").GetDecimal()));
        Assert.Equal("applied", (await Tables.QueryAsync<string>(Host.Store, "SELECT status FROM inventory_wms_confirmation WHERE event_id = @id", new { id = moved["id"]!.GetValue<string>() }))[0]);

        // 3 KGM by hand from A-02 to B-01; the WMS confirms 5: 2 more move. 4 by hand from B-01 to A-01; the WMS confirms 1: conflicting later.
        // A record the WMS never confirms (its window closed long ago).
        await PostAsync("/api/v1/fallback/stock-movements", new { plant = "PA01", item = "RM-3005", location = "RCV", toLocation = "SHIP", quantity = new { value = 1, unit = "KGM" }, occurredAt = occurred.AddMinutes(-60), windowMinutes = 5, reason = Reason });
        var (a02, b01) = (await StockAsync("RM-3005", "A-02"), await StockAsync("RM-3005", "B-01"));
        var moreId = (await PostAsync("/api/v1/fallback/stock-movements", new { plant = "PA01", item = "RM-3005", location = "A-02", toLocation = "B-01", quantity = new { value = 3, unit = "KGM" }, occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        await MovedAsync(WmsMoved("T-FB-2", "RM-3005", "A-02", "B-01", 5m, "KGM", occurred.AddMinutes(2)));
        Assert.Equal((a02 - 5m, b01 + 5m), (await StockAsync("RM-3005", "A-02"), await StockAsync("RM-3005", "B-01")));
        var lessId = (await PostAsync("/api/v1/fallback/stock-movements", new { plant = "PA01", item = "RM-3005", location = "B-01", toLocation = "A-01", quantity = new { value = 4, unit = "KGM" }, occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        await MovedAsync(WmsMoved("T-FB-3", "RM-3005", "B-01", "A-01", 1m, "KGM", occurred.AddMinutes(1)));
        Assert.Equal(b01 + 5m - 4m, await StockAsync("RM-3005", "B-01"));

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        var report = await Host.GetAsync<JsonElement>("/api/v1/fallback/stock-movements?plant=PA01");
        var byId = report.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e);
        Assert.Equal(("difference-applied", 3m, 2m), (byId[moreId].GetProperty("reconciliation").GetString(), byId[moreId].GetProperty("matched").GetDecimal(), byId[moreId].GetProperty("applied").GetDecimal()));
        Assert.Equal(("conflicting", 1m), (byId[lessId].GetProperty("reconciliation").GetString(), byId[lessId].GetProperty("matched").GetDecimal()));
        Assert.Equal("unmatched", byId.Values.Single(e => e.GetProperty("toLocation").GetString() == "SHIP").GetProperty("reconciliation").GetString());
        Assert.Equal("matched", byId[id].GetProperty("reconciliation").GetString());
    }

    [Fact]
    public async Task bad_transfers_by_hand_are_refused_with_the_field_and_rule_and_change_nothing_and_one_sent_twice_moves_once()
    {
        var at = Now.AddMinutes(-5);
        var before = await Host.SettledSnapshotAsync();
        object Body(string item = "RM-3004", string to = "A-01", decimal value = 1m, string unit = "LTR", DateTimeOffset? occurredAt = null, string? reason = Reason) =>
            new { plant = "PA01", item, location = "", toLocation = to, quantity = new { value, unit }, occurredAt = occurredAt ?? at, reason };
        (object Body, string Field, string Rule)[] cases =
        [
            (Body(unit: "KGM"), "/quantity/unit", "quantity.unit-not-convertible"),
            (Body(unit: "XXX"), "/quantity/unit", "unit.unknown"),
            (Body(to: "Z-99"), "/toLocation", "location.unknown"),
            (Body(item: "NOPE-1"), "/item", "item.unknown"),
            (Body(occurredAt: new DateTimeOffset(2020, 1, 15, 10, 0, 0, TimeSpan.Zero)), "/occurredAt", "period.closed"),
            (Body(value: 999_999m), "/quantity", "stock.negative"),
            (Body(value: -1m), "/quantity/value", "quantity.positive"),
            (Body(to: ""), "/toLocation", "movement.no-change"),
            (Body(reason: null), "/reason", "field.required"),
            (new { plant = "PX99", item = "RM-3004", toLocation = "A-01", quantity = new { value = 1, unit = "LTR" }, occurredAt = at, reason = Reason }, "/plant", "plant.unknown"),
        ];
        foreach (var (body, field, rule) in cases)
        {
            using var response = await Host.PostJsonAsync("/api/v1/fallback/stock-movements", body);
            await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, field, rule);
        }

        (await Host.SettledSnapshotAsync()).AssertUnchanged(before);

        // The same record sent twice with one Idempotency-Key: recorded and moved once.
        var key = Guid.NewGuid().ToString();
        var rack = await StockAsync("RM-3004", "A-01");
        var first = await PostAsync("/api/v1/fallback/stock-movements", Body(value: 2m), key: key);
        var second = await PostAsync("/api/v1/fallback/stock-movements", Body(value: 2m), key: key);
        Assert.Equal(first.GetProperty("entry").GetProperty("id").GetString(), second.GetProperty("entry").GetProperty("id").GetString());
        Assert.Equal(rack + 2m, await StockAsync("RM-3004", "A-01"));
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM inventory_fallback_movement WHERE item = 'RM-3004'"));
    }
}

public sealed class FallbackStockOnSqlite(OperationsSqliteHost fixture) : FallbackStockContract<OperationsSqliteHost>(fixture);

public sealed class FallbackStockOnPostgres(OperationsPostgresHost fixture) : FallbackStockContract<OperationsPostgresHost>(fixture);
