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
    public const string ServiceMovement = "service-entry";
    public const string ServiceReversalMovement = "service-entry-reversal";

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

        var isService = line.Kind == LineKinds.Service;
        var view = await masterData.LoadAsync(tx, [order.View.Plant], isService ? [] : [line.Item], [], ct);
        var plant = view.Plant(order.View.Plant)!;
        var item = isService ? null : view.Item(line.Item);
        var standard = 0m;
        if (!isService)
        {
            if (item is null || view.StandardCost(plant.Code, line.Item) is not { } cost)
                return new Violation("/line", "receipt.standard-cost-missing", $"Item {line.Item} has no standard cost at {plant.Code}; it cannot be valued.");
            standard = cost;
        }

        var currency = plant.Company.Currency;
        var date = request.PostingDate ?? plant.DateOf(tx.Clock.GetUtcNow());
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var valued = Value(rules, order.View, currency, line.Price * request.Quantity, date);
        if (valued.IsRejected)
            return Outcome<GoodsReceiptView>.FromViolations(valued.Violations);
        var (grir, orderGrir, rate) = valued.Value;
        var inventoryValue = isService ? Money.Zero(currency) : new Money(standard * request.Quantity, currency).RoundToMinorUnits();
        var inspection = !isService && Convert.ToInt64(await tx.Command("SELECT COUNT(*) FROM proc_item WHERE item = $1 AND requires_inspection = 1", line.Item).ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0;
        var posted = isService
            ? PostService(tx, rules, plant, date, order.View, line, grir, false)
            : Post(tx, rules, plant, item!, date, "goods-receipt", order.View.Number, inventoryValue, grir, false);
        if (posted.IsRejected)
            return Outcome<GoodsReceiptView>.FromViolations(posted.Violations);

        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var stockType = isService ? StockTypes.Service : inspection ? StockStatus.QualityInspection : StockStatus.Unrestricted;
        // A service has no stock: its acceptance (the service entry) posts to the cost object's expense, nothing moves.
        var movement = isService ? null : (StockMovementId?)inventory.Stage(tx, new StockMovementDraft(inspection ? ReceiptMovement + "-inspection" : ReceiptMovement, plant.Code, line.Item,
            new Quantity(request.Quantity, item!.BaseUnit), inventoryValue, null, posted.Value, date, id, Status: inspection ? StockStatus.QualityInspection : StockStatus.Unrestricted));
        var foreign = orderGrir.Currency != currency;
        tx.Stage(
            "INSERT INTO proc_receipt (id, kind, po, line, asn, plant, item, quantity_e6, unit, stock_type, currency, inventory_e4, grir_e4, ppv_e4, journal_entry, movement, reverses, posting_date, received_by, created_at_us, order_currency, order_grir_e4, rate_e10, inspection_open_e6, inspection_value_e4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
            id, "receipt", order.View.Number, (long)line.Line, request.Asn, plant.Code, line.Item, Fixed.ToE6(request.Quantity), line.Unit, stockType, currency.Code,
            Fixed.ToE4(inventoryValue.Amount), Fixed.ToE4(grir.Amount), Fixed.ToE4(isService ? 0m : grir.Amount - inventoryValue.Amount), posted.Value?.ToString(), movement?.ToString() ?? "", null,
            date.ToDateKey(), request.ReceivedBy, now.ToUnixMicroseconds(), foreign ? orderGrir.Currency.Code : null, foreign ? Fixed.ToE4(orderGrir.Amount) : null, foreign ? ToE10(rate) : null,
            inspection ? Fixed.ToE6(request.Quantity) : 0L, inspection ? Fixed.ToE4(inventoryValue.Amount) : 0L);
        tx.Stage("UPDATE proc_po_line SET received_e6 = received_e6 + $1 WHERE po = $2 AND line = $3", Fixed.ToE6(request.Quantity), order.View.Number, (long)line.Line);
        tx.Stage("UPDATE proc_po SET first_receipt_at_us = COALESCE(first_receipt_at_us, $1) WHERE number = $2", now.ToUnixMicroseconds(), order.View.Number);
        var complete = order.View.Lines.All(l => (l.Line == line.Line ? l.Received + request.Quantity : l.Received) >= l.Quantity * (1 - (options.UnderDeliveryTolerancePercent / 100m)));
        if (complete)
            tx.Stage("UPDATE proc_po SET status = 'closed' WHERE number = $1", order.View.Number);
        var objects = new List<ObjectLink> { new("plant", plant.Code, "at"), new("purchase-order", order.View.Number, "received"), new("supplier", order.View.Supplier, "delivered-by") };
        if (isService)
            objects.Add(new ObjectLink("cost-object", line.CostObject ?? "", "charged"));
        else
            objects.AddRange([new("item", line.Item, "received"), new("stock-movement", movement!.Value.ToString(), "moved-as")]);
        if (posted.Value is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        Log(tx, "takt.procurement.goods-received.v1", id, plant.Code, new { receipt = id, order = order.View.Number, line = line.Line, quantity = request.Quantity, unit = line.Unit, stockType, inventory = inventoryValue.Amount, grir = grir.Amount, ppv = isService ? 0m : grir.Amount - inventoryValue.Amount, orderCurrency = orderGrir.Currency.Code, orderAmount = orderGrir.Amount, rate, service = line.Service, complete },
            objects, posted.Value is null ? 0 : 1);
        var received = JsonSerializer.Serialize(new Contracts.Events.GoodsReceived(id, order.View.Number, line.Line, plant.Code, line.Item,
            new Contracts.Events.QuantityValue(request.Quantity, line.Unit), new Contracts.Events.MoneyValue(grir.Amount, currency.Code), date), Contracts.Events.EventJson.Default.GoodsReceived);
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), Contracts.Events.EventTypes.GoodsReceived, Source, order.View.Number, plant.Code, now, received));
        if (fallback is not null)
            ReceiptFallback.Stage(tx, fallback, id, request.ReceivedAt ?? now);
        return new GoodsReceiptView(id, "receipt", order.View.Number, line.Line, request.Asn, plant.Code, line.Item, request.Quantity, line.Unit, stockType, currency.Code,
            grir.Amount, inventoryValue.Amount, isService ? 0m : grir.Amount - inventoryValue.Amount, posted.Value?.ToString(), null, date, now)
        {
            Fallback = fallback?.View(id, request.ReceivedAt ?? now),
            OrderCurrency = foreign ? orderGrir.Currency.Code : null,
            OrderAmount = foreign ? orderGrir.Amount : null,
            ExchangeRate = foreign ? rate : null,
            InspectionOpen = inspection ? request.Quantity : 0m,
            ExpenseAmount = isService ? grir.Amount : 0m,
        };
    }

    /// <summary>
    /// An amount at the order's price, in the order's currency and in the company currency at the ledger's rate of the
    /// posting date; refused, naming the currencies and the date, when the ledger has no rate for it.
    /// </summary>
    private static Outcome<(Money Company, Money Order, decimal Rate)> Value(PostingRules rules, PurchaseOrderView order, Currency company, decimal amount, DateOnly date)
    {
        var inOrder = new Money(amount, Currency.Of(order.Currency)).RoundToMinorUnits();
        if (inOrder.Currency == company)
            return (inOrder, inOrder, 1m);
        if (rules.ExchangeRate(inOrder.Currency, company, date) is not { } rate)
            return MissingRate("/postingDate", order.Currency, company.Code, date, $"purchase order {order.Number} is in {order.Currency}");
        return (new Money(inOrder.Amount * rate, company).RoundToMinorUnits(), inOrder, rate);
    }

    public Task<Outcome<GoodsReceiptView>> ReturnAsync(StoreTransaction tx, ReturnGoods request, CancellationToken ct) => ReturnAsync(tx, request, null, null, ct);

    /// <summary>
    /// A return of (part of) a receipt. Without <paramref name="fromInspection"/> it returns stock the receipt put in
    /// unrestricted stock (quality-inspection stock is returned by a usage decision); with it, a usage decision returns
    /// rejected inspection stock at the given inventory value, in the rules the decision loaded.
    /// </summary>
    private async Task<Outcome<GoodsReceiptView>> ReturnAsync(StoreTransaction tx, ReturnGoods request, PostingRules? decisionRules, Money? fromInspection, CancellationToken ct)
    {
        var receipts = await ReceiptRowsAsync(tx, "id = $1 AND kind = 'receipt'", [request.Receipt ?? ""], ct);
        if (receipts.Count == 0)
            return new Violation("/receipt", "receipt.unknown", $"Goods receipt '{request.Receipt}' does not exist.");
        if (string.IsNullOrWhiteSpace(request.ReturnedBy))
            return new Violation("/returnedBy", "receipt.returner-required", "Name the person returning the goods.");
        var order = (await OrderForUpdateAsync(tx, receipts[0].Order, ct))!;
        var receipt = (await ReceiptRowsAsync(tx, "id = $1", [receipts[0].Id], ct))[0]; // read again under the order's lock
        var isService = receipt.StockType == StockTypes.Service;
        var returns = await ReceiptRowsAsync(tx, "reverses = $1", [receipt.Id], ct);
        var remainingQuantity = receipt.Quantity + returns.Sum(r => r.Quantity) - receipt.Scrapped;
        var remainingInventory = receipt.InventoryAmount + returns.Sum(r => r.InventoryAmount) - receipt.ScrappedValue;
        var remainingGrir = receipt.GrIrAmount + returns.Sum(r => r.GrIrAmount);
        var remainingOrder = (receipt.OrderAmount ?? receipt.GrIrAmount) + returns.Sum(r => r.OrderAmount ?? r.GrIrAmount);
        if (remainingQuantity <= 0)
            return new Violation("/receipt", receipt.Scrapped > 0 ? "return.nothing-left" : "return.already-returned", $"Receipt {receipt.Id} has been returned{(receipt.Scrapped > 0 ? " or scrapped" : "")} in full.");
        var returnable = fromInspection is null ? remainingQuantity - receipt.InspectionOpen : receipt.InspectionOpen;
        var quantity = request.Quantity ?? returnable;
        if (quantity <= 0 || decimal.Round(quantity, 6) != quantity)
        {
            return quantity == 0 && returnable == 0 && fromInspection is null
                ? new Violation("/receipt", "return.in-inspection", $"All {receipt.InspectionOpen} {receipt.Unit} of receipt {receipt.Id} are in quality inspection; reject them by a usage decision (disposition return) to return them.")
                : new Violation("/quantity", "receipt.quantity-positive", "quantity is greater than 0 with at most 6 decimals.");
        }

        if (quantity > returnable)
        {
            return fromInspection is null && receipt.InspectionOpen > 0
                ? new Violation("/quantity", "return.in-inspection", $"Of receipt {receipt.Id}, {receipt.InspectionOpen} {receipt.Unit} are in quality inspection and {returnable} can be returned; return inspection stock by a usage decision (reject, disposition return).")
                : new Violation("/quantity", "return.exceeds-receipt", $"Receipt {receipt.Id} has {returnable} {receipt.Unit} left to return; {quantity} is more.");
        }

        var view = await masterData.LoadAsync(tx, [receipt.Plant], isService ? [] : [receipt.Item], [], ct);
        var plant = view.Plant(receipt.Plant)!;
        var item = isService ? null : view.Item(receipt.Item)!;
        var currency = Currency.Of(receipt.Currency);
        // The last return takes what remains, so a receipt and its returns net to zero exactly (GR/IR only when nothing was scrapped: scrapped goods stay owed to the supplier).
        var last = quantity == remainingQuantity;
        var inventoryValue = fromInspection ?? (last ? new Money(remainingInventory, currency) : new Money(receipt.InventoryAmount / receipt.Quantity * quantity, currency).RoundToMinorUnits());
        var grir = last && receipt.Scrapped == 0 ? new Money(remainingGrir, currency) : new Money(receipt.GrIrAmount / receipt.Quantity * quantity, currency).RoundToMinorUnits();
        var orderCurrency = receipt.OrderCurrency is { } oc ? Currency.Of(oc) : currency;
        var orderAmount = last && receipt.Scrapped == 0 ? remainingOrder : new Money((receipt.OrderAmount ?? receipt.GrIrAmount) / receipt.Quantity * quantity, orderCurrency).RoundToMinorUnits().Amount;
        var date = request.PostingDate ?? plant.DateOf(tx.Clock.GetUtcNow());
        var rules = decisionRules ?? await ledger.LoadRulesAsync(tx, ct);
        var line = order.View.Lines.First(l => l.Line == receipt.Line);
        var posted = isService
            ? PostService(tx, rules, plant, date, order.View, line, grir, true)
            : Post(tx, rules, plant, item!, date, "return-to-supplier", receipt.Order, inventoryValue, grir, true);
        if (posted.IsRejected)
            return Outcome<GoodsReceiptView>.FromViolations(posted.Violations);

        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var movement = isService ? null : (StockMovementId?)inventory.Stage(tx, new StockMovementDraft(ReturnMovement, plant.Code, receipt.Item, new Quantity(-quantity, item!.BaseUnit), -inventoryValue, null, posted.Value, date, id,
            Status: fromInspection is null ? StockStatus.Unrestricted : StockStatus.QualityInspection));
        var ppv = isService ? 0m : inventoryValue.Amount - grir.Amount;
        var stockType = fromInspection is not null ? StockStatus.QualityInspection : isService ? StockTypes.Service : StockStatus.Unrestricted;
        tx.Stage(
            "INSERT INTO proc_receipt (id, kind, po, line, asn, plant, item, quantity_e6, unit, stock_type, currency, inventory_e4, grir_e4, ppv_e4, journal_entry, movement, reverses, posting_date, received_by, created_at_us, order_currency, order_grir_e4, rate_e10) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
            id, "return", receipt.Order, (long)receipt.Line, null, plant.Code, receipt.Item, Fixed.ToE6(-quantity), receipt.Unit, stockType, currency.Code,
            Fixed.ToE4(-inventoryValue.Amount), Fixed.ToE4(-grir.Amount), Fixed.ToE4(ppv), posted.Value?.ToString(), movement?.ToString() ?? "", receipt.Id,
            date.ToDateKey(), request.ReturnedBy, now.ToUnixMicroseconds(), receipt.OrderCurrency, receipt.OrderCurrency is null ? null : Fixed.ToE4(-orderAmount), receipt.OrderCurrency is null ? null : ToE10(receipt.ExchangeRate ?? 1m));
        tx.Stage("UPDATE proc_po_line SET received_e6 = received_e6 - $1 WHERE po = $2 AND line = $3", Fixed.ToE6(quantity), receipt.Order, (long)receipt.Line);
        if (order.View.Status == "closed")
            tx.Stage("UPDATE proc_po SET status = CASE WHEN confirmed_at_us IS NULL THEN 'issued' ELSE 'confirmed' END WHERE number = $1", receipt.Order);
        var objects = new List<ObjectLink> { new("plant", plant.Code, "at"), new("purchase-order", receipt.Order, "returned"), new("supplier", order.View.Supplier, "returned-to") };
        if (!isService)
            objects.AddRange([new("item", receipt.Item, "returned"), new("stock-movement", movement!.Value.ToString(), "moved-as")]);
        if (posted.Value is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        Log(tx, "takt.procurement.goods-returned.v1", id, plant.Code, new { @return = id, receipt = receipt.Id, order = receipt.Order, quantity, inventory = inventoryValue.Amount, grir = grir.Amount, fromInspection = fromInspection is not null }, objects, posted.Value is null ? 0 : 1);
        return new GoodsReceiptView(id, "return", receipt.Order, receipt.Line, null, plant.Code, receipt.Item, -quantity, receipt.Unit, stockType, currency.Code,
            -grir.Amount, -inventoryValue.Amount, ppv, posted.Value?.ToString(), receipt.Id, date, now)
        {
            OrderCurrency = receipt.OrderCurrency,
            OrderAmount = receipt.OrderCurrency is null ? null : -orderAmount,
            ExchangeRate = receipt.ExchangeRate,
            ExpenseAmount = isService ? -grir.Amount : 0m,
        };
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

        return PostPairs(tx, rules, plant, date, documentType, order, reverse ? "takt.procurement.goods-returned.v1" : "takt.procurement.goods-received.v1", pairs);
    }

    /// <summary>
    /// The acceptance of a service (service entry): the line's cost object's expense against GR/IR at the PO price; no
    /// stock, no price variance. Its reversal swaps the sides.
    /// </summary>
    private Outcome<JournalEntryId?> PostService(StoreTransaction tx, PostingRules rules, Plant plant, DateOnly date, PurchaseOrderView order, PurchaseOrderLineView line, Money amount, bool reverse) =>
        PostPairs(tx, rules, plant, date, reverse ? "service-entry-reversal" : "service-entry", order.Number, reverse ? "takt.procurement.goods-returned.v1" : "takt.procurement.goods-received.v1",
            [new PostingPair(reverse ? ServiceReversalMovement : ServiceMovement, "*", amount, "/quantity", Order: line.CostObject, CostCategory: order.Category)]);

    private Outcome<JournalEntryId?> PostPairs(StoreTransaction tx, PostingRules rules, Plant plant, DateOnly date, string documentType, string order, string sourceType, List<PostingPair> pairs)
    {
        if (pairs.All(p => p.Amount.Amount == 0))
        {
            // Nothing to post, but the period must still be open for the document.
            return rules.IsOpen(plant.Company.Code, date) ? (JournalEntryId?)null
                : new Violation("/postingDate", "period.closed", $"Posting period {date:yyyy-MM} of company {plant.Company.Code} is not open (posting date {date.Format()}).");
        }

        var prepared = ledger.Prepare(rules, new JournalEntryDraft(plant.Company.Code, plant.Code, plant.Company.Currency, date, documentType,
            new PostingSource(sourceType, order, Source, tx.Clock.GetUtcNow(), "/postingDate"), [.. pairs.Where(p => p.Amount.Amount != 0)]));
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
            $"SELECT id, kind, po, line, asn, plant, item, quantity_e6, unit, stock_type, currency, grir_e4, inventory_e4, ppv_e4, journal_entry, reverses, posting_date, created_at_us, order_currency, order_grir_e4, rate_e10, inspection_open_e6, scrapped_e6, scrapped_e4, inspection_value_e4 FROM proc_receipt WHERE {where} ORDER BY created_at_us, id",
            args).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var stockType = r.GetString(9);
            var grir = Fixed.FromE4(r.GetInt64(11));
            list.Add(new GoodsReceiptView(r.GetString(0), r.GetString(1), r.GetString(2), (int)r.GetInt64(3), Text(r, 4), r.GetString(5), r.GetString(6), Fixed.FromE6(r.GetInt64(7)), r.GetString(8),
                stockType, r.GetString(10), grir, Fixed.FromE4(r.GetInt64(12)), Fixed.FromE4(r.GetInt64(13)), Text(r, 14), Text(r, 15),
                Instants.FromDateKey((int)r.GetInt64(16)), Instants.FromUnixMicroseconds(r.GetInt64(17)))
            {
                OrderCurrency = Text(r, 18),
                OrderAmount = r.IsDBNull(19) ? null : Fixed.FromE4(r.GetInt64(19)),
                ExchangeRate = r.IsDBNull(20) ? null : FromE10(r.GetInt64(20)),
                InspectionOpen = Fixed.FromE6(r.GetInt64(21)),
                Scrapped = Fixed.FromE6(r.GetInt64(22)),
                ScrappedValue = Fixed.FromE4(r.GetInt64(23)),
                InspectionValue = Fixed.FromE4(r.GetInt64(24)),
                ExpenseAmount = stockType == StockTypes.Service ? grir : 0m,
            });
        }

        return list;
    }
}

/// <summary>Where a receipt's goods go: the inventory stock statuses, or no stock for a service.</summary>
public static class StockTypes
{
    /// <summary>The acceptance of a service (service entry sheet): no stock.</summary>
    public const string Service = "service";
}
