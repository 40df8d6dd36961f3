using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>A goods receipt of one purchase order line (optionally against an advance shipping notice).</summary>
/// <param name="Quantity">Received quantity in the line's unit.</param>
/// <param name="ReceivedBy">Who received (segregation of duties: not the order's approver, where configured).</param>
/// <param name="PostingDate">Posting date; the plant's today when omitted.</param>
/// <param name="ReceivedAt">When the goods arrived, as the receiving system saw it; now when omitted. A receipt recorded by hand
/// during an outage (manual fallback) is matched to this receipt when this time lies within the record's window.</param>
public sealed record ReceiveGoods(string Order, int Line, decimal Quantity, string Unit, string ReceivedBy, string? Asn = null, DateOnly? PostingDate = null, DateTimeOffset? ReceivedAt = null);

/// <summary>A return to the supplier of (part of) a receipt.</summary>
/// <param name="Quantity">Quantity to return; the receipt's whole remaining quantity when omitted.</param>
public sealed record ReturnGoods(string Receipt, string ReturnedBy, decimal? Quantity = null, DateOnly? PostingDate = null);

/// <summary>
/// Goods receipts against purchase orders: Inventory at standard, GR/IR clearing at the PO price, the difference to
/// purchase price variance (DESIGN §3), the stock movement, the order's received quantity and the process-log event,
/// all in the caller's transaction. A return posts the exact opposite (the last return of a receipt takes whatever
/// remains of its amounts, so receipts and returns net to zero to the cent).
/// </summary>
internal sealed partial class ProcurementService
{
    public const string ReceiptMovement = "goods-receipt-po";
    public const string ReturnMovement = "return-to-supplier";
    public const string VarianceLoss = "purchase-price-variance";
    public const string VarianceGain = "purchase-price-variance-gain";

    public Task<Outcome<GoodsReceiptView>> ReceiveAsync(StoreTransaction tx, ReceiveGoods request, CancellationToken ct) => ReceiveAsync(tx, request, matchFallback: true, ct);

    /// <summary>
    /// A receipt; with <paramref name="matchFallback"/> it is first matched to an open receipt recorded by hand for the
    /// same line (manual fallback): only what it reports beyond the record is received and posted.
    /// </summary>
    private async Task<Outcome<GoodsReceiptView>> ReceiveAsync(StoreTransaction tx, ReceiveGoods request, bool matchFallback, CancellationToken ct)
    {
        var order = await OrderForUpdateAsync(tx, request.Order ?? "", ct);
        if (order is null)
            return new Violation("/order", "purchase-order.unknown", $"Purchase order '{request.Order}' does not exist.");
        var line = order.View.Lines.FirstOrDefault(l => l.Line == request.Line);
        if (line is null)
            return new Violation("/line", "receipt.line-unknown", $"Purchase order {request.Order} has no line {request.Line}.");
        if (string.IsNullOrWhiteSpace(request.ReceivedBy))
            return new Violation("/receivedBy", "receipt.receiver-required", "Name the person receiving.");
        if (request.Unit != line.Unit)
            return new Violation("/unit", "receipt.unit-mismatch", $"Line {line.Line} is ordered in {line.Unit}; receive in {line.Unit}.");
        if (request.Quantity <= 0 || decimal.Round(request.Quantity, 6) != request.Quantity)
            return new Violation("/quantity", "receipt.quantity-positive", "quantity is greater than 0 with at most 6 decimals.");

        // Manual fallback: the part of this receipt a hand record already received is not received again.
        var fallback = matchFallback ? await ReceiptFallback.FindAsync(tx, order.View.Number, line.Line, request.ReceivedAt ?? tx.Clock.GetUtcNow(), request.Quantity, ct) : null;
        if (fallback is { Extra: 0m })
        {
            ReceiptFallback.Stage(tx, fallback, null, request.ReceivedAt ?? tx.Clock.GetUtcNow());
            var recorded = (await ReceiptRowsAsync(tx, "id = $1", [fallback.Entry.Receipt], ct))[0];
            Log(tx, "takt.procurement.goods-receipt-matched.v1", fallback.Entry.Id, order.View.Plant,
                new { entry = fallback.Entry.Id, receipt = fallback.Entry.Receipt, order = order.View.Number, line = line.Line, reported = request.Quantity, covered = fallback.Covered, applied = 0m },
                [new("plant", order.View.Plant, "at"), new("purchase-order", order.View.Number, "received"), new("fallback-receipt", fallback.Entry.Id, "matched-to")]);
            return recorded with { Fallback = fallback.View(null, request.ReceivedAt ?? tx.Clock.GetUtcNow()) };
        }

        request = request with { Quantity = fallback?.Extra ?? request.Quantity };
        if (order.View.Status is not ("issued" or "confirmed"))
            return new Violation("/order", "receipt.order-not-open", $"Purchase order {request.Order} is {order.View.Status}; goods are received against issued or confirmed orders.");
        var limit = line.Quantity * (1 + (options.OverDeliveryTolerancePercent / 100m));
        if (line.Received + request.Quantity > limit)
        {
            return new Violation("/quantity", "receipt.over-delivery", $"Line {line.Line} ordered {line.Quantity} {line.Unit}, received {line.Received}; {request.Quantity} more exceeds the over-delivery tolerance of {options.OverDeliveryTolerancePercent}% (at most {limit - line.Received} more).");
        }

        if (options.ApproverMayNotReceive && order.View.ApprovedBy is { } approver && approver == request.ReceivedBy)
            return new Violation("/receivedBy", "sod.approver-receives", $"{approver} approved purchase order {order.View.Number} and may not receive goods against it (segregation of duties).");
        if (request.Asn is { } asn && await tx.Command("SELECT po FROM proc_asn WHERE supplier = $1 AND number = $2", order.View.Supplier, asn).ExecuteScalarAsync(ct) as string != order.View.Number)
            return new Violation("/asn", "receipt.asn-unknown", $"Supplier {order.View.Supplier} sent no shipping notice '{asn}' for {order.View.Number}.");

        var view = await masterData.LoadAsync(tx, [order.View.Plant], [line.Item], [], ct);
        var plant = view.Plant(order.View.Plant)!;
        var item = view.Item(line.Item);
        if (item is null || view.StandardCost(plant.Code, line.Item) is not { } standard)
            return new Violation("/line", "receipt.standard-cost-missing", $"Item {line.Item} has no standard cost at {plant.Code}; it cannot be valued.");
        var currency = plant.Company.Currency;
        if (order.View.Currency != currency.Code)
            return new Violation("/order", "receipt.currency-conversion-unsupported", $"Purchase order {order.View.Number} is in {order.View.Currency}; receipts are posted in {currency.Code} and currency conversion is not supported yet.");
        var date = request.PostingDate ?? plant.DateOf(tx.Clock.GetUtcNow());
        var inventoryValue = new Money(standard * request.Quantity, currency).RoundToMinorUnits();
        var grir = new Money(line.Price * request.Quantity, currency).RoundToMinorUnits();
        var inspection = Convert.ToInt64(await tx.Command("SELECT COUNT(*) FROM proc_item WHERE item = $1 AND requires_inspection = 1", line.Item).ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0;
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var posted = Post(tx, rules, plant, item, date, "goods-receipt", order.View.Number, inventoryValue, grir, false);
        if (posted.IsRejected)
            return Outcome<GoodsReceiptView>.FromViolations(posted.Violations);

        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var stockType = inspection ? "quality-inspection" : "unrestricted";
        var movement = inventory.Stage(tx, new StockMovementDraft(inspection ? ReceiptMovement + "-inspection" : ReceiptMovement, plant.Code, line.Item,
            new Quantity(request.Quantity, item.BaseUnit), inventoryValue, null, posted.Value, date, id));
        tx.Stage(
            "INSERT INTO proc_receipt (id, kind, po, line, asn, plant, item, quantity_e6, unit, stock_type, currency, inventory_e4, grir_e4, ppv_e4, journal_entry, movement, reverses, posting_date, received_by, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
            id, "receipt", order.View.Number, (long)line.Line, request.Asn, plant.Code, line.Item, Fixed.ToE6(request.Quantity), line.Unit, stockType, currency.Code,
            Fixed.ToE4(inventoryValue.Amount), Fixed.ToE4(grir.Amount), Fixed.ToE4(grir.Amount - inventoryValue.Amount), posted.Value?.ToString(), movement.ToString(), null,
            date.ToDateKey(), request.ReceivedBy, now.ToUnixMicroseconds());
        tx.Stage("UPDATE proc_po_line SET received_e6 = received_e6 + $1 WHERE po = $2 AND line = $3", Fixed.ToE6(request.Quantity), order.View.Number, (long)line.Line);
        tx.Stage("UPDATE proc_po SET first_receipt_at_us = COALESCE(first_receipt_at_us, $1) WHERE number = $2", now.ToUnixMicroseconds(), order.View.Number);
        var complete = order.View.Lines.All(l => (l.Line == line.Line ? l.Received + request.Quantity : l.Received) >= l.Quantity * (1 - (options.UnderDeliveryTolerancePercent / 100m)));
        if (complete)
            tx.Stage("UPDATE proc_po SET status = 'closed' WHERE number = $1", order.View.Number);
        var objects = new List<ObjectLink>
        {
            new("plant", plant.Code, "at"), new("purchase-order", order.View.Number, "received"), new("item", line.Item, "received"),
            new("supplier", order.View.Supplier, "delivered-by"), new("stock-movement", movement.ToString(), "moved-as"),
        };
        if (posted.Value is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        Log(tx, "takt.procurement.goods-received.v1", id, plant.Code, new { receipt = id, order = order.View.Number, line = line.Line, quantity = request.Quantity, unit = line.Unit, stockType, inventory = inventoryValue.Amount, grir = grir.Amount, ppv = grir.Amount - inventoryValue.Amount, complete },
            objects, posted.Value is null ? 0 : 1);
        var received = JsonSerializer.Serialize(new Contracts.Events.GoodsReceived(id, order.View.Number, line.Line, plant.Code, line.Item,
            new Contracts.Events.QuantityValue(request.Quantity, line.Unit), new Contracts.Events.MoneyValue(grir.Amount, currency.Code), date), Contracts.Events.EventJson.Default.GoodsReceived);
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), Contracts.Events.EventTypes.GoodsReceived, Source, order.View.Number, plant.Code, now, received));
        if (fallback is not null)
            ReceiptFallback.Stage(tx, fallback, id, request.ReceivedAt ?? now);
        return new GoodsReceiptView(id, "receipt", order.View.Number, line.Line, request.Asn, plant.Code, line.Item, request.Quantity, line.Unit, stockType, currency.Code,
            grir.Amount, inventoryValue.Amount, grir.Amount - inventoryValue.Amount, posted.Value?.ToString(), null, date, now) { Fallback = fallback?.View(id, request.ReceivedAt ?? now) };
    }

    public async Task<Outcome<GoodsReceiptView>> ReturnAsync(StoreTransaction tx, ReturnGoods request, CancellationToken ct)
    {
        var receipts = await ReceiptRowsAsync(tx, "id = $1 AND kind = 'receipt'", [request.Receipt ?? ""], ct);
        if (receipts.Count == 0)
            return new Violation("/receipt", "receipt.unknown", $"Goods receipt '{request.Receipt}' does not exist.");
        var receipt = receipts[0];
        if (string.IsNullOrWhiteSpace(request.ReturnedBy))
            return new Violation("/returnedBy", "receipt.returner-required", "Name the person returning the goods.");
        var order = (await OrderForUpdateAsync(tx, receipt.Order, ct))!;
        var returns = await ReceiptRowsAsync(tx, "reverses = $1", [receipt.Id], ct);
        var remainingQuantity = receipt.Quantity + returns.Sum(r => r.Quantity);
        var remainingInventory = receipt.InventoryAmount + returns.Sum(r => r.InventoryAmount);
        var remainingGrir = receipt.GrIrAmount + returns.Sum(r => r.GrIrAmount);
        if (remainingQuantity <= 0)
            return new Violation("/receipt", "return.already-returned", $"Receipt {receipt.Id} has been returned in full.");
        var quantity = request.Quantity ?? remainingQuantity;
        if (quantity <= 0 || decimal.Round(quantity, 6) != quantity)
            return new Violation("/quantity", "receipt.quantity-positive", "quantity is greater than 0 with at most 6 decimals.");
        if (quantity > remainingQuantity)
            return new Violation("/quantity", "return.exceeds-receipt", $"Receipt {receipt.Id} has {remainingQuantity} {receipt.Unit} left to return; {quantity} is more.");

        var view = await masterData.LoadAsync(tx, [receipt.Plant], [receipt.Item], [], ct);
        var plant = view.Plant(receipt.Plant)!;
        var item = view.Item(receipt.Item)!;
        var currency = Currency.Of(receipt.Currency);
        // The last return takes what remains, so a receipt and its returns net to zero exactly.
        var inventoryValue = quantity == remainingQuantity ? new Money(remainingInventory, currency) : new Money(receipt.InventoryAmount / receipt.Quantity * quantity, currency).RoundToMinorUnits();
        var grir = quantity == remainingQuantity ? new Money(remainingGrir, currency) : new Money(receipt.GrIrAmount / receipt.Quantity * quantity, currency).RoundToMinorUnits();
        var date = request.PostingDate ?? plant.DateOf(tx.Clock.GetUtcNow());
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var posted = Post(tx, rules, plant, item, date, "return-to-supplier", receipt.Order, inventoryValue, grir, true);
        if (posted.IsRejected)
            return Outcome<GoodsReceiptView>.FromViolations(posted.Violations);

        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var movement = inventory.Stage(tx, new StockMovementDraft(ReturnMovement, plant.Code, receipt.Item, new Quantity(-quantity, item.BaseUnit), -inventoryValue, null, posted.Value, date, id));
        tx.Stage(
            "INSERT INTO proc_receipt (id, kind, po, line, asn, plant, item, quantity_e6, unit, stock_type, currency, inventory_e4, grir_e4, ppv_e4, journal_entry, movement, reverses, posting_date, received_by, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
            id, "return", receipt.Order, (long)receipt.Line, null, plant.Code, receipt.Item, Fixed.ToE6(-quantity), receipt.Unit, receipt.StockType, currency.Code,
            Fixed.ToE4(-inventoryValue.Amount), Fixed.ToE4(-grir.Amount), Fixed.ToE4(inventoryValue.Amount - grir.Amount), posted.Value?.ToString(), movement.ToString(), receipt.Id,
            date.ToDateKey(), request.ReturnedBy, now.ToUnixMicroseconds());
        tx.Stage("UPDATE proc_po_line SET received_e6 = received_e6 - $1 WHERE po = $2 AND line = $3", Fixed.ToE6(quantity), receipt.Order, (long)receipt.Line);
        if (order.View.Status == "closed")
            tx.Stage("UPDATE proc_po SET status = CASE WHEN confirmed_at_us IS NULL THEN 'issued' ELSE 'confirmed' END WHERE number = $1", receipt.Order);
        var objects = new List<ObjectLink>
        {
            new("plant", plant.Code, "at"), new("purchase-order", receipt.Order, "returned"), new("item", receipt.Item, "returned"),
            new("supplier", order.View.Supplier, "returned-to"), new("stock-movement", movement.ToString(), "moved-as"),
        };
        if (posted.Value is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        Log(tx, "takt.procurement.goods-returned.v1", id, plant.Code, new { @return = id, receipt = receipt.Id, order = receipt.Order, quantity, inventory = inventoryValue.Amount, grir = grir.Amount }, objects, posted.Value is null ? 0 : 1);
        return new GoodsReceiptView(id, "return", receipt.Order, receipt.Line, null, plant.Code, receipt.Item, -quantity, receipt.Unit, receipt.StockType, currency.Code,
            -grir.Amount, -inventoryValue.Amount, inventoryValue.Amount - grir.Amount, posted.Value?.ToString(), receipt.Id, date, now);
    }

    /// <summary>Inventory at standard against GR/IR; the difference to GR/IR at the PO price is the price variance (a loss or a gain). A return swaps every side.</summary>
    private Outcome<JournalEntryId?> Post(StoreTransaction tx, PostingRules rules, Plant plant, Item item, DateOnly date, string documentType, string order, Money inventoryValue, Money grir, bool reverse)
    {
        var variance = grir.Amount - inventoryValue.Amount;
        var pairs = new List<PostingPair> { new(reverse ? ReturnMovement : ReceiptMovement, item.ItemClass, inventoryValue, "/quantity", Item: item.Number) };
        if (variance != 0)
        {
            var loss = (variance > 0) != reverse;
            pairs.Add(new PostingPair(loss ? VarianceLoss : VarianceGain, item.ItemClass, new Money(Math.Abs(variance), inventoryValue.Currency), "/quantity", Item: item.Number));
        }

        if (pairs.All(p => p.Amount.Amount == 0))
            return (JournalEntryId?)null;
        var prepared = ledger.Prepare(rules, new JournalEntryDraft(plant.Company.Code, plant.Code, plant.Company.Currency, date, documentType,
            new PostingSource(reverse ? "takt.procurement.goods-returned.v1" : "takt.procurement.goods-received.v1", order, Source, tx.Clock.GetUtcNow(), "/postingDate"), pairs));
        if (prepared.IsRejected)
            return Outcome<JournalEntryId?>.FromViolations(prepared.Violations);
        return ledger.Stage(tx, prepared.Value);
    }

    public async Task<IReadOnlyList<GoodsReceiptView>> ReceiptsAsync(StoreTransaction transaction, IReadOnlyCollection<string> orders, CancellationToken ct)
    {
        if (orders.Count == 0)
            return [];
        var (condition, value) = SqlList.In(transaction, "po", [.. orders.Distinct(StringComparer.Ordinal)]);
        return await ReceiptRowsAsync(transaction, condition, [value], ct);
    }

    private static async Task<List<GoodsReceiptView>> ReceiptRowsAsync(StoreTransaction tx, string where, object?[] args, CancellationToken ct)
    {
        var list = new List<GoodsReceiptView>();
        await using var r = await tx.Command(
            $"SELECT id, kind, po, line, asn, plant, item, quantity_e6, unit, stock_type, currency, grir_e4, inventory_e4, ppv_e4, journal_entry, reverses, posting_date, created_at_us FROM proc_receipt WHERE {where} ORDER BY created_at_us, id",
            args).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new GoodsReceiptView(r.GetString(0), r.GetString(1), r.GetString(2), (int)r.GetInt64(3), Text(r, 4), r.GetString(5), r.GetString(6), Fixed.FromE6(r.GetInt64(7)), r.GetString(8),
                r.GetString(9), r.GetString(10), Fixed.FromE4(r.GetInt64(11)), Fixed.FromE4(r.GetInt64(12)), Fixed.FromE4(r.GetInt64(13)), Text(r, 14), Text(r, 15),
                Instants.FromDateKey((int)r.GetInt64(16)), Instants.FromUnixMicroseconds(r.GetInt64(17))));
        }

        return list;
    }
}
