using System.Net;
using Takt.Inventory;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// Receipts of items that need inspection go to quality-inspection stock; the usage decision releases them to
/// unrestricted stock or rejects them (returned to the supplier or scrapped), each decision in one transaction, and a
/// bad decision changes nothing.
/// </summary>
public abstract class InspectionContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProcurementHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Dictionary<string, decimal>> NetByAccountAsync(params string?[] entries)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(Ct);
        var rows = new List<(string Account, long Debit, long Credit)>();
        foreach (var entry in entries.OfType<string>())
        {
            rows.AddRange(await Dapper.SqlMapper.QueryAsync<(string Account, long Debit, long Credit)>(connection,
                "SELECT account, debit_e4, credit_e4 FROM ledger_journal_line WHERE entry_id = @entry", new { entry }));
        }

        return rows.GroupBy(r => r.Account).ToDictionary(g => g.Key, g => g.Sum(r => (r.Debit - r.Credit) / 10_000m));
    }

    private async Task<(decimal Quantity, decimal Value)> BinAsync(string status)
    {
        var bins = await fixture.Host.Service<IInventory>().BinsAsync(fixture.Store, "PA01", "RM-3001", null, Ct);
        var bin = bins.Where(b => b.Status == status);
        return (bin.Sum(b => b.Quantity), bin.Sum(b => b.Value));
    }

    private async Task<long> ChangesAsync() =>
        await fixture.CountAsync("SELECT COUNT(*) FROM proc_usage_decision") * 1_000_000 + await fixture.CountAsync("SELECT COUNT(*) FROM inventory_movement") * 1_000
        + await fixture.CountAsync("SELECT COUNT(*) FROM ledger_journal_entry");

    [Fact]
    public async Task inspected_receipts_wait_in_quality_inspection_until_released_scrapped_or_returned_exactly()
    {
        // RM-3001 (castings, inspected) at Plant A: standard 38.40; ordered 100 at 39.00.
        var order = await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-100", "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine("RM-3001", 100m, "H87", 39.00m, fixture.Today.AddDays(10))]), Ct));
        var qiBefore = await BinAsync(StockStatus.QualityInspection);
        var freeBefore = await BinAsync(StockStatus.Unrestricted);
        var receipt = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 100m, "H87", "wim.warehouse"), Ct));
        Assert.Equal((StockStatus.QualityInspection, 100m, 3_840.00m, 3_900.00m, 60.00m), (receipt.StockType, receipt.InspectionOpen, receipt.InventoryAmount, receipt.GrIrAmount, receipt.PriceVariance));
        Assert.Equal((qiBefore.Quantity + 100m, qiBefore.Value + 3_840.00m), await BinAsync(StockStatus.QualityInspection));
        Assert.Equal(freeBefore, await BinAsync(StockStatus.Unrestricted));

        // Inspection stock is not returned by a plain return, and bad decisions change nothing.
        var before = await ChangesAsync();
        (await fixture.TryAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse"), Ct))).Rejected("/receipt", "return.in-inspection");
        (await fixture.TryAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse", 1m), Ct))).Rejected("/quantity", "return.in-inspection");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Release: 60m, Reject: 40.000001m, Disposition: "scrap", Reason: "porosity"), Ct))).Rejected("/reject", "usage-decision.exceeds-inspection");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Reject: 5m, Reason: "porosity"), Ct))).Rejected("/disposition", "usage-decision.disposition-unknown");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Reject: 5m, Disposition: "scrap"), Ct))).Rejected("/reason", "usage-decision.reason-required");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality"), Ct))).Rejected("/release", "usage-decision.quantity-required");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Release: -1m), Ct))).Rejected("/release", "usage-decision.quantity-invalid");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, " ", Release: 1m), Ct))).Rejected("/decidedBy", "usage-decision.decider-required");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Release: 1m, Disposition: "scrap"), Ct))).Rejected("/disposition", "usage-decision.disposition-without-reject");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Release: 1m, PostingDate: fixture.Today.AddMonths(-3)), Ct))).Rejected("/postingDate", "period.closed");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Reject: 1m, Disposition: "scrap", Reason: "porosity", PostingDate: fixture.Today.AddMonths(-3)), Ct))).Rejected("/postingDate", "period.closed");
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage("nope", "quinn.quality", Release: 1m), Ct))).Rejected("/receipt", "receipt.unknown");
        Assert.Equal(before, await ChangesAsync());

        // Over HTTP: release 60 and scrap 10 in one decision; a repeat with the same Idempotency-Key has no second effect.
        // Release: 60/100 of 3,840.00 = 2,304.00 moves to unrestricted; scrap: 384.00 from Inventory to scrap expense.
        var key = Guid.NewGuid().ToString();
        var body = new { decidedBy = "quinn.quality", release = 60m, reject = 10m, disposition = "scrap", reason = "porosity in 10 castings" };
        var first = await ProcurementHost.PostAsync(fixture.Host.Http, $"/api/v1/procurement/goods-receipts/{receipt.Id}/usage-decisions", body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var again = await ProcurementHost.PostAsync(fixture.Host.Http, $"/api/v1/procurement/goods-receipts/{receipt.Id}/usage-decisions", body, key);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var decision = await ProcurementHost.JsonAsync(first);
        Assert.Equal(decision.GetProperty("id").GetString(), (await ProcurementHost.JsonAsync(again)).GetProperty("id").GetString());
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM proc_usage_decision WHERE receipt = @id", new { id = receipt.Id }));
        Assert.Equal((384.00m, 30m), (decision.GetProperty("scrapAmount").GetDecimal(), decision.GetProperty("inspectionOpen").GetDecimal()));
        Assert.Equal(new Dictionary<string, decimal> { ["520000"] = 384.00m, ["140000"] = -384.00m }, await NetByAccountAsync(decision.GetProperty("journalEntry").GetString()));
        Assert.Equal((qiBefore.Quantity + 30m, qiBefore.Value + 1_152.00m), await BinAsync(StockStatus.QualityInspection));
        Assert.Equal((freeBefore.Quantity + 60m, freeBefore.Value + 2_304.00m), await BinAsync(StockStatus.Unrestricted));

        // The rest, 30, rejected and returned: Inventory 1,152.00 (what is left in inspection) and GR/IR 30 × 39.00 = 1,170.00 reversed, PPV 18.00 back.
        var returned = await fixture.OkAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Reject: 30m, Disposition: "return", Reason: "wrong alloy"), Ct));
        Assert.Equal((0m, 0m), (returned.InspectionOpen, returned.ScrapAmount));
        Assert.Equal((-30m, -1_152.00m, -1_170.00m, StockStatus.QualityInspection), (returned.Return!.Quantity, returned.Return.InventoryAmount, returned.Return.GrIrAmount, returned.Return.StockType));
        Assert.Equal(new Dictionary<string, decimal> { ["191000"] = 1_170.00m, ["140000"] = -1_152.00m, [Takt.Server.DemoProcurement.PriceVariance] = -18.00m }, await NetByAccountAsync(returned.Return.JournalEntry));
        Assert.Equal(qiBefore, await BinAsync(StockStatus.QualityInspection));
        (await fixture.TryAsync(tx => fixture.Procurement.DecideUsageAsync(tx, new DecideUsage(receipt.Id, "quinn.quality", Release: 1m), Ct))).Rejected("/receipt", "usage-decision.already-decided");
        var line = (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number].Lines[0];
        Assert.Equal(70m, line.Received); // scrapped goods were delivered (the supplier is owed them); returned ones were not

        // The released 60 go back by a plain return, taking exactly what is left of the receipt's Inventory value: the
        // receipt, the scrap and both returns leave Inventory where it was and GR/IR owing only the scrapped 10 × 39.00.
        var plain = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse"), Ct));
        Assert.Equal((-60m, -2_304.00m, -2_340.00m, StockStatus.Unrestricted), (plain.Quantity, plain.InventoryAmount, plain.GrIrAmount, plain.StockType));
        var all = await NetByAccountAsync(receipt.JournalEntry, decision.GetProperty("journalEntry").GetString(), returned.Return.JournalEntry, plain.JournalEntry);
        Assert.Equal((0m, -390.00m, 384.00m), (all["140000"], all["191000"], all["520000"]));
        Assert.Equal(freeBefore, await BinAsync(StockStatus.Unrestricted));
        (await fixture.TryAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse"), Ct))).Rejected("/receipt", "return.nothing-left");
    }

    [Fact]
    public async Task a_receipt_into_unrestricted_stock_takes_no_usage_decision()
    {
        var order = await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-200", "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine("RM-3002", 10m, "H87", 12.75m, fixture.Today.AddDays(10))]), Ct));
        var receipt = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 10m, "H87", "wim.warehouse"), Ct));
        Assert.Equal((StockStatus.Unrestricted, 0m), (receipt.StockType, receipt.InspectionOpen));
        var problem = await ProcurementHost.PostAsync(fixture.Host.Http, $"/api/v1/procurement/goods-receipts/{receipt.Id}/usage-decisions", new { decidedBy = "quinn.quality", release = 10m });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.StatusCode);
        Assert.Contains("usage-decision.not-inspected", await problem.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(0, await fixture.CountAsync("SELECT COUNT(*) FROM proc_usage_decision WHERE receipt = @id", new { id = receipt.Id }));
    }
}

public sealed class SqliteInspection(SqliteProcurementHost fixture) : InspectionContract<SqliteProcurementHost>(fixture);

public sealed class PostgresInspection(PostgresProcurementHost fixture) : InspectionContract<PostgresProcurementHost>(fixture);
