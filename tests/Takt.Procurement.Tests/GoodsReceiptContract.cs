using Takt.Inventory;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// Goods receipts post Inventory at standard against GR/IR at the PO price, the difference as purchase price variance,
/// with the stock movement in the same transaction; partial receipts; over-delivery refused beyond tolerance;
/// inspection stock for items that need it; returns reverse exactly.
/// </summary>
public abstract class GoodsReceiptContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProcurementHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Line(string Account, decimal Debit, decimal Credit);

    private async Task<List<Line>> LinesAsync(string entry)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(Ct);
        var rows = await Dapper.SqlMapper.QueryAsync<(string Account, long Debit, long Credit)>(connection,
            "SELECT account, debit_e4, credit_e4 FROM ledger_journal_line WHERE entry_id = @entry ORDER BY line_no", new { entry });
        return [.. rows.Select(r => new Line(r.Account, r.Debit / 10_000m, r.Credit / 10_000m))];
    }

    private async Task<decimal> StockAsync(string plant, string item) =>
        (await fixture.Host.Service<IInventory>().StockAsync(fixture.Store, plant, Ct)).Single(s => s.Item == item).Quantity;

    private async Task<PurchaseOrderView> OrderAsync(string plant, string item, decimal quantity, decimal price, string supplier = "SUP-200") =>
        await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder(plant, supplier, "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine(item, quantity, "H87", price, fixture.Today.AddDays(10))]), Ct));

    [Fact]
    public async Task a_receipt_posts_inventory_at_standard_grir_at_po_price_and_the_variance_computed_by_hand()
    {
        // RM-3002 at Plant A: standard 12.75 EUR; ordered 100 at 13.1049 EUR.
        var order = await OrderAsync("PA01", "RM-3002", 100m, 13.1049m);
        var stockBefore = await StockAsync("PA01", "RM-3002");

        // Partial receipt of 37: Inventory 37 × 12.75 = 471.75; GR/IR 37 × 13.1049 = 484.8813 → 484.88; PPV 13.13.
        var first = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 37m, "H87", "wim.warehouse"), Ct));
        Assert.Equal((471.75m, 484.88m, 13.13m, "unrestricted"), (first.InventoryAmount, first.GrIrAmount, first.PriceVariance, first.StockType));
        Assert.Equal(
            [new Line("140000", 471.75m, 0m), new Line("191000", 0m, 471.75m), new Line(Takt.Server.DemoProcurement.PriceVariance, 13.13m, 0m), new Line("191000", 0m, 13.13m)],
            await LinesAsync(first.JournalEntry!));
        Assert.Equal(stockBefore + 37m, await StockAsync("PA01", "RM-3002"));

        // The rest, 63: Inventory 803.25; GR/IR 63 × 13.1049 = 825.6087 → 825.61; PPV 22.36. The line is delivered: the order closes.
        var second = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 63m, "H87", "wim.warehouse"), Ct));
        Assert.Equal((803.25m, 825.61m, 22.36m), (second.InventoryAmount, second.GrIrAmount, second.PriceVariance));
        var closed = (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number];
        Assert.Equal(("closed", 100m, 1_310.49m), (closed.Status, closed.Lines[0].Received, closed.Lines[0].GrIrAmount));

        // Returning the first receipt posts its exact opposite: each account nets to zero with it.
        var returned = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(first.Id, "wim.warehouse"), Ct));
        Assert.Equal((-37m, -471.75m, -484.88m, -13.13m), (returned.Quantity, returned.InventoryAmount, returned.GrIrAmount, returned.PriceVariance));
        var both = (await LinesAsync(first.JournalEntry!)).Concat(await LinesAsync(returned.JournalEntry!)).GroupBy(l => l.Account).ToDictionary(g => g.Key, g => g.Sum(l => l.Debit - l.Credit));
        Assert.All(both.Values, v => Assert.Equal(0m, v));
        Assert.Equal(stockBefore + 63m, await StockAsync("PA01", "RM-3002"));
        var reopened = (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number];
        Assert.Equal(("issued", 63m, 825.61m), (reopened.Status, reopened.Lines[0].Received, reopened.Lines[0].GrIrAmount));
        (await fixture.TryAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(first.Id, "wim.warehouse"), Ct))).Rejected("/receipt", "return.already-returned");
        (await fixture.TryAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(second.Id, "wim.warehouse", 63.000001m), Ct))).Rejected("/quantity", "return.exceeds-receipt");
    }

    [Fact]
    public async Task a_favourable_price_posts_a_gain_and_partial_returns_of_one_receipt_net_to_zero_to_the_cent()
    {
        // RM-3003 at Plant B: standard 4.10; ordered 30 at 3.9333: Inventory 123.00, GR/IR 118.00 (117.999), gain 5.00.
        var order = await OrderAsync("PB01", "RM-3003", 30m, 3.9333m);
        var receipt = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 30m, "H87", "wim.warehouse"), Ct));
        Assert.Equal((123.00m, 118.00m, -5.00m), (receipt.InventoryAmount, receipt.GrIrAmount, receipt.PriceVariance));
        Assert.Contains(new Line(Takt.Server.DemoProcurement.PriceVariance, 0m, 5.00m), await LinesAsync(receipt.JournalEntry!));

        var r1 = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse", 7m), Ct));
        var r2 = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse", 11m), Ct));
        var r3 = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse"), Ct));
        Assert.Equal(-12m, r3.Quantity);
        Assert.Equal(0m, receipt.InventoryAmount + r1.InventoryAmount + r2.InventoryAmount + r3.InventoryAmount);
        Assert.Equal(0m, receipt.GrIrAmount + r1.GrIrAmount + r2.GrIrAmount + r3.GrIrAmount);
        Assert.Equal(0m, receipt.PriceVariance + r1.PriceVariance + r2.PriceVariance + r3.PriceVariance);
    }

    [Fact]
    public async Task over_delivery_beyond_tolerance_is_refused_and_inspected_items_go_to_quality_inspection()
    {
        var order = await OrderAsync("PA01", "RM-3001", 200m, 38.40m, "SUP-100");
        var before = await fixture.CountAsync("SELECT COUNT(*) FROM proc_receipt");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 210.000001m, "H87", "wim.warehouse"), Ct))).Rejected("/quantity", "receipt.over-delivery");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 10m, "KGM", "wim.warehouse"), Ct))).Rejected("/unit", "receipt.unit-mismatch");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 2, 10m, "H87", "wim.warehouse"), Ct))).Rejected("/line", "receipt.line-unknown");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 10m, "H87", "wim.warehouse", Asn: "DN-404"), Ct))).Rejected("/asn", "receipt.asn-unknown");
        Assert.Equal(before, await fixture.CountAsync("SELECT COUNT(*) FROM proc_receipt"));

        // 5% over is within tolerance; castings go to quality-inspection stock; no variance at the standard price.
        var receipt = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 210m, "H87", "wim.warehouse"), Ct));
        Assert.Equal(("quality-inspection", 8_064.00m, 0m), (receipt.StockType, receipt.InventoryAmount, receipt.PriceVariance));
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM inventory_movement WHERE movement_type = 'goods-receipt-po-inspection' AND status = 'quality-inspection' AND source_event_id = @id", new { id = receipt.Id }));
    }
}

public sealed class SqliteGoodsReceipt(SqliteProcurementHost fixture) : GoodsReceiptContract<SqliteProcurementHost>(fixture);

public sealed class PostgresGoodsReceipt(PostgresProcurementHost fixture) : GoodsReceiptContract<PostgresProcurementHost>(fixture);
