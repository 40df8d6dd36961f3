using System.Net;
using Takt.Contracts;
using Takt.Ledger;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// Orders in a foreign currency are approved, committed and received in the company currency at the ledger's rates;
/// a missing rate is refused precisely. Service lines have no stock: their acceptance (service entry) posts the cost
/// object's expense against GR/IR.
/// </summary>
public abstract class CurrencyAndServiceContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProcurementHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Line(string Account, decimal Debit, decimal Credit, string? Order);

    private async Task<List<Line>> LinesAsync(string entry)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(Ct);
        var rows = await Dapper.SqlMapper.QueryAsync<(string Account, long Debit, long Credit, string? Order)>(connection,
            "SELECT account, debit_e4, credit_e4, order_number FROM ledger_journal_line WHERE entry_id = @entry ORDER BY line_no", new { entry });
        return [.. rows.Select(r => new Line(r.Account, r.Debit / 10_000m, r.Credit / 10_000m, r.Order))];
    }

    private async Task<long> WrittenAsync() =>
        await fixture.CountAsync("SELECT COUNT(*) FROM proc_po") * 1_000_000 + await fixture.CountAsync("SELECT COUNT(*) FROM proc_receipt") * 1_000
        + await fixture.CountAsync("SELECT COUNT(*) FROM ledger_journal_entry");

    [Fact]
    public async Task a_dollar_order_is_approved_and_received_in_euros_at_the_ledgers_rate_of_the_posting_date()
    {
        // SUP-400 bills in USD; the demo ledger has USD→EUR 0.92 since 1 January last year. 100 RM-3002 at 14.50 USD =
        // 1,450.00 USD = 1,334.00 EUR: within Plant A's threshold, issued at once.
        var order = await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-400", "direct", "CC-4100", "FCA Chicago", "anna.buyer",
            [new DirectOrderLine("RM-3002", 100m, "H87", 14.50m, fixture.Today.AddDays(20))]), Ct));
        Assert.Equal(("issued", "USD"), (order.Status, order.Currency));

        // 40 received today: GR/IR 580.00 USD × 0.92 = 533.60 EUR; Inventory 40 × 12.75 = 510.00; PPV 23.60.
        var receipt = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 40m, "H87", "wim.warehouse"), Ct));
        Assert.Equal(("EUR", 533.60m, 510.00m, 23.60m, "USD", 580.00m, 0.92m), (receipt.Currency, receipt.GrIrAmount, receipt.InventoryAmount, receipt.PriceVariance, receipt.OrderCurrency, receipt.OrderAmount, receipt.ExchangeRate));
        Assert.Equal([new Line("140000", 510.00m, 0m, null), new Line("191000", 0m, 510.00m, null), new Line(Takt.Server.DemoProcurement.PriceVariance, 23.60m, 0m, null), new Line("191000", 0m, 23.60m, null)],
            await LinesAsync(receipt.JournalEntry!));

        // A new rate from a later day applies to receipts posted on it: 30 × 14.50 = 435.00 USD × 0.95 = 413.25 EUR.
        var later = fixture.Today.AddDays(1);
        await using (var session = await fixture.Store.OpenSessionAsync(fixture.Clock, Ct))
        {
            await using var tx = await session.BeginAsync(Ct);
            await fixture.Host.Service<ILedger>().SetExchangeRateAsync(tx, Currency.Of("USD"), Currency.Eur, later, 0.95m, Ct);
            await tx.CommitAsync(Ct);
        }

        var second = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 30m, "H87", "wim.warehouse", PostingDate: later), Ct));
        Assert.Equal((413.25m, 382.50m, 30.75m, 435.00m, 0.95m), (second.GrIrAmount, second.InventoryAmount, second.PriceVariance, second.OrderAmount, second.ExchangeRate));
        var line = (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number].Lines[0];
        Assert.Equal((70m, 1_015.00m), (line.Received, line.GrIrAmount)); // the line's GR/IR is in the order's currency

        // No rate for the posting date (the first is valid from 1 January last year): refused, naming currencies and date; nothing written.
        var before = await WrittenAsync();
        var early = new DateOnly(fixture.Today.Year - 2, 12, 31);
        var missing = (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 5m, "H87", "wim.warehouse", PostingDate: early), Ct))).Rejected("/postingDate", "exchange-rate.missing");
        Assert.Contains("USD to EUR", missing.Detail, StringComparison.Ordinal);
        Assert.Contains(early.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), missing.Detail, StringComparison.Ordinal);
        // A closed period (three months back; the rate exists) is refused by the ledger; over-receipt and a wrong unit as for any order.
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 5m, "H87", "wim.warehouse", PostingDate: fixture.Today.AddMonths(-3)), Ct))).Rejected("/postingDate", "period.closed");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 35.000001m, "H87", "wim.warehouse"), Ct))).Rejected("/quantity", "receipt.over-delivery");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 5m, "KGM", "wim.warehouse"), Ct))).Rejected("/unit", "receipt.unit-mismatch");
        Assert.Equal(before, await WrittenAsync());

        // Returning the first receipt reverses it at its own rate, to the cent in both currencies.
        var returned = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(receipt.Id, "wim.warehouse"), Ct));
        Assert.Equal((-533.60m, -510.00m, -23.60m, -580.00m, 0.92m), (returned.GrIrAmount, returned.InventoryAmount, returned.PriceVariance, returned.OrderAmount, returned.ExchangeRate));
        line = (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number].Lines[0];
        Assert.Equal((30m, 435.00m), (line.Received, line.GrIrAmount));
    }

    [Fact]
    public async Task open_dollar_orders_count_against_the_budget_in_euros_at_their_rate()
    {
        // Budget PA01/tools 2,000.00 EUR. An order of 2,000.00 USD commits 1,840.00 EUR (0.92), not 2,000.00.
        _ = await fixture.OkAsync(tx => fixture.Procurement.SetBudgetAsync(tx, new ProcurementBudget("PA01", "tools", 2_000.00m, "EUR"), Ct));
        DirectOrder Order(string supplier, decimal quantity, decimal price) => new("PA01", supplier, "tools", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine("RM-3002", quantity, "H87", price, fixture.Today.AddDays(20))]);
        Assert.Equal("issued", (await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, Order("SUP-400", 100m, 20.00m), Ct))).Status);
        // 1,840.00 + 150.00 = 1,990.00: within the budget (at face value it would be 2,150.00, over it).
        Assert.Equal("issued", (await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, Order("SUP-200", 10m, 15.00m), Ct))).Status);
        // 1,990.00 + 20.00 = 2,010.00: over the budget, so a person approves.
        Assert.Equal("pending-approval", (await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, Order("SUP-200", 2m, 10.00m), Ct))).Status);
    }

    [Fact]
    public async Task an_order_in_a_currency_without_a_rate_is_refused_and_writes_nothing()
    {
        _ = await fixture.OkAsync(tx => fixture.Procurement.SaveSupplierAsync(tx, new SupplierView("SUP-CHF", "Zahnrad AG", "CHF", 30, "low", null), Ct));
        var before = await WrittenAsync();
        var refused = (await fixture.TryAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-CHF", "direct", "CC-4100", "FCA Basel", "anna.buyer",
            [new DirectOrderLine("RM-3002", 10m, "H87", 11.00m, fixture.Today.AddDays(20))]), Ct))).Rejected("/supplier", "exchange-rate.missing");
        Assert.Contains("CHF to EUR", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await WrittenAsync());

        // Over HTTP the same is a 422 problem naming the field and the rule.
        var problem = await ProcurementHost.PostAsync(fixture.Host.Http, "/api/v1/procurement/purchase-orders/direct", new
        {
            plant = "PA01", supplier = "SUP-CHF", category = "direct", costObject = "CC-4100", incoterms = "FCA Basel", buyer = "anna.buyer",
            lines = new[] { new { item = "RM-3002", quantity = 10m, unit = "H87", price = 11.00m, deliveryDate = fixture.Today.AddDays(20) } },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.StatusCode);
        var json = await ProcurementHost.JsonAsync(problem);
        var error = Assert.Single(json.GetProperty("errors").EnumerateArray());
        Assert.Equal(("/supplier", "exchange-rate.missing"), (error.GetProperty("field").GetString(), error.GetProperty("rule").GetString()));
        Assert.Equal(before, await WrittenAsync());
    }

    [Fact]
    public async Task a_service_is_ordered_from_its_requisition_and_its_acceptance_posts_expense_not_stock()
    {
        // 8 hours of calibration for cost center CC-4100 at 150.00 EUR/h, from an approved service requisition.
        var requisition = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, new RequisitionDraft(RequisitionKinds.Manual, "PA01", null, "Calibration of the CMM",
            8m, "HUR", fixture.Today.AddDays(7), "CC-4100", "indirect", new Money(1_200.00m, Currency.Eur), "rita.requester", "SUP-300"), Ct));
        Assert.Equal("approved", requisition.Status);
        var order = Assert.Single(await fixture.OkAsync(tx => fixture.Procurement.OrderRequisitionsAsync(tx, new OrderRequisitions([requisition.Number], "anna.buyer", "DAP Augsburg",
            [new RequisitionPrice(requisition.Number, 150.00m)]), Ct)));
        var ordered = Assert.Single(order.Lines);
        Assert.Equal((LineKinds.Service, "", "Calibration of the CMM", "CC-4100", "HUR"), (ordered.Kind, ordered.Item, ordered.Service, ordered.CostObject, ordered.Unit));
        // Planning does not see a service as a scheduled receipt.
        Assert.DoesNotContain(await fixture.ReadAsync(tx => fixture.Procurement.OpenLinesAsync(tx, ["PA01"], Ct)), l => l.Order == order.Number);

        var movements = await fixture.CountAsync("SELECT COUNT(*) FROM inventory_movement");
        var before = await WrittenAsync();
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 5m, "H87", "sam.supervisor"), Ct))).Rejected("/unit", "receipt.unit-mismatch");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 8.400001m, "HUR", "sam.supervisor"), Ct))).Rejected("/quantity", "receipt.over-delivery");
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 5m, "HUR", "sam.supervisor", PostingDate: fixture.Today.AddMonths(-3)), Ct))).Rejected("/postingDate", "period.closed");
        Assert.Equal(before, await WrittenAsync());

        // The acceptance of 5 hours: external services expense on the cost center 750.00 against GR/IR; no stock moves.
        var accepted = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 5m, "HUR", "sam.supervisor"), Ct));
        Assert.Equal((StockTypes.Service, 750.00m, 750.00m, 0m, 0m), (accepted.StockType, accepted.ExpenseAmount, accepted.GrIrAmount, accepted.InventoryAmount, accepted.PriceVariance));
        Assert.Equal([new Line("620000", 750.00m, 0m, "CC-4100"), new Line("191000", 0m, 750.00m, "CC-4100")], await LinesAsync(accepted.JournalEntry!));
        Assert.Equal(movements, await fixture.CountAsync("SELECT COUNT(*) FROM inventory_movement"));
        var rest = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 3m, "HUR", "sam.supervisor"), Ct));
        Assert.Equal("closed", (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number].Status);

        // Cancelling an acceptance reverses it exactly.
        var reversed = await fixture.OkAsync(tx => fixture.Procurement.ReturnAsync(tx, new ReturnGoods(rest.Id, "sam.supervisor"), Ct));
        Assert.Equal((-3m, -450.00m, -450.00m), (reversed.Quantity, reversed.ExpenseAmount, reversed.GrIrAmount));
        Assert.Equal([new Line("191000", 450.00m, 0m, "CC-4100"), new Line("620000", 0m, 450.00m, "CC-4100")], await LinesAsync(reversed.JournalEntry!));
        Assert.Equal(movements, await fixture.CountAsync("SELECT COUNT(*) FROM inventory_movement"));
        Assert.Equal("issued", (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number].Status);
    }

    [Fact]
    public async Task a_direct_order_line_names_an_item_or_a_service_and_a_known_unit()
    {
        var before = await WrittenAsync();
        var bad = await fixture.TryAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-300", "indirect", "CC-4100", "DAP Augsburg", "anna.buyer",
        [
            new DirectOrderLine("RM-3002", 1m, "H87", 10m, fixture.Today.AddDays(5), Service: "Also a service"),
            new DirectOrderLine(null, 1m, "H87", 10m, fixture.Today.AddDays(5)),
            new DirectOrderLine(null, 1m, "XYZ", 10m, fixture.Today.AddDays(5), Service: "Window cleaning"),
        ]), Ct));
        bad.Rejected("/lines/0/item", "order.item-or-service");
        bad.Rejected("/lines/1/item", "order.item-or-service");
        bad.Rejected("/lines/2/unit", "unit.unknown");
        Assert.Equal(before, await WrittenAsync());

        var order = await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-300", "indirect", "CC-4200", "DAP Augsburg", "anna.buyer",
            [new DirectOrderLine(null, 2m, "HUR", 95.00m, fixture.Today.AddDays(5), Service: "Window cleaning")]), Ct));
        Assert.Equal((LineKinds.Service, "Window cleaning", "CC-4200"), (order.Lines[0].Kind, order.Lines[0].Service, order.Lines[0].CostObject));
    }
}

public sealed class SqliteCurrencyAndService(SqliteProcurementHost fixture) : CurrencyAndServiceContract<SqliteProcurementHost>(fixture);

public sealed class PostgresCurrencyAndService(PostgresProcurementHost fixture) : CurrencyAndServiceContract<PostgresProcurementHost>(fixture);
