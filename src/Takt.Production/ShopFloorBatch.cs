using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Inventory;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Production.Fallback;
using Takt.Store;

namespace Takt.Production;

/// <summary>One batch of shop-floor events inside one transaction. Every check runs before anything is staged.</summary>
internal sealed class ShopFloorBatch(
    StoreTransaction transaction,
    IReadOnlyDictionary<string, OrderRow> orders,
    MasterDataView masterData,
    PostingRules rules,
    ILedger ledger,
    IInventory inventory,
    IIntelligence intelligence,
    Outbox outbox,
    FallbackLedger? fallbacks = null) : IInboundBatch
{
    // Movement keys of account determination (DESIGN §3).
    internal const string GoodsIssueToOrder = "goods-issue-to-order";
    internal const string GoodsReceiptFromOrder = "goods-receipt-from-order";
    internal const string MachineActivity = "activity-machine";
    internal const string LabourActivity = "activity-labour";
    internal const string Scrap = "scrap";

    private sealed record Context(OrderRow Order, Plant Plant, DateOnly PostingDate);

    /// <summary>The lot an issue takes its stock from, by event id (a manual issue names it; shop-floor events carry none).</summary>
    internal IReadOnlyDictionary<string, string>? Lots { get; set; }

    // Set while an event matched to a fallback record is applied: Record links the event to the record.
    private ObjectLink? matchedTo;

    public Outcome<EventEffects> Apply(InboundEvent inbound) =>
        fallbacks is not null && fallbacks.Find(inbound, FiguresOf(inbound.Data)) is { } match
            ? ApplyMatched(inbound, match)
            : ApplyAsSent(inbound);

    private Outcome<EventEffects> ApplyAsSent(InboundEvent inbound) => inbound.Data switch
    {
        MaterialIssued m => Issue(inbound, m),
        OperationConfirmed c => Confirm(inbound, c),
        YieldReported y => Receive(inbound, y),
        _ => new Violation("/type", "event.type-unknown", $"Production does not handle {inbound.Type}."),
    };

    /// <summary>
    /// A plant-system event for a fact already recorded by hand (manual fallback): only what the event reports
    /// beyond the record is applied; the event is logged, linked to the record, and the match is kept.
    /// </summary>
    private Outcome<EventEffects> ApplyMatched(InboundEvent inbound, FallbackMatch match)
    {
        matchedTo = new ObjectLink("fallback-entry", match.Entry.Id, "matched-to");
        try
        {
            var applied = match.Extra.IsZero ? RecordCovered(inbound, match.Entry) : ApplyAsSent(inbound with { Data = RestOf(inbound.Data, match.Extra) });
            if (!applied.IsRejected)
                FallbackLedger.Stage(transaction, match, inbound);
            return applied;
        }
        finally
        {
            matchedTo = null;
        }
    }

    /// <summary>The record covers all of the event: nothing to post or move (the record did), the event is only logged.</summary>
    private Outcome<EventEffects> RecordCovered(InboundEvent inbound, OpenFallback entry)
    {
        if (masterData.Plant(entry.Plant) is not { } plant)
            return new Violation("/data/plant", "plant.unknown", $"Plant '{entry.Plant}' does not exist.");
        var qualifier = entry.Kind switch { "issue" => "issued-to", "yield" => "received-from", _ => "confirmed-for" };
        return Record(inbound, plant, null, null, null, [new ObjectLink("production-order", entry.Order, qualifier)]);
    }

    /// <summary>
    /// An event's figures in the units Takt keeps them in (item base unit, order unit, hours), for comparing with a
    /// fallback record; null when the event does not name a known item or order or its units do not convert
    /// (then it is checked as sent and refused with the precise rule).
    /// </summary>
    internal FallbackFigures? FiguresOf(object data)
    {
        var violations = new List<Violation>();
        FallbackFigures? figures = data switch
        {
            MaterialIssued m when masterData.Item(m.Item) is { } item => new(QuantityRules.NonNegative(m.Quantity, item.BaseUnit, "", violations)),
            YieldReported y when masterData.Item(y.Item) is { } item => new(QuantityRules.NonNegative(y.Quantity, item.BaseUnit, "", violations)),
            OperationConfirmed c when orders.TryGetValue(c.Order, out var order) => new(
                QuantityRules.NonNegative(c.GoodQuantity, order.Unit, "", violations),
                QuantityRules.NonNegative(c.ScrapQuantity, order.Unit, "", violations),
                QuantityRules.NonNegative(c.MachineTime, UnitOfMeasure.Hour, "", violations),
                QuantityRules.NonNegative(c.LabourTime, UnitOfMeasure.Hour, "", violations)),
            _ => null,
        };
        return violations.Count == 0 ? figures : null;
    }

    /// <summary>The event as if the plant system had sent only <paramref name="rest"/>, in Takt's units.</summary>
    private object RestOf(object data, FallbackFigures rest) => data switch
    {
        MaterialIssued m => m with { Quantity = new QuantityValue(rest.Quantity, masterData.Item(m.Item)!.BaseUnit.Code) },
        YieldReported y => y with { Quantity = new QuantityValue(rest.Quantity, masterData.Item(y.Item)!.BaseUnit.Code) },
        OperationConfirmed c => c with
        {
            GoodQuantity = new QuantityValue(rest.Quantity, orders[c.Order].Unit.Code),
            ScrapQuantity = rest.Scrap == 0m ? null : new QuantityValue(rest.Scrap, orders[c.Order].Unit.Code),
            MachineTime = rest.MachineHours == 0m ? null : new QuantityValue(rest.MachineHours, UnitOfMeasure.Hour.Code),
            LabourTime = rest.LabourHours == 0m ? null : new QuantityValue(rest.LabourHours, UnitOfMeasure.Hour.Code),
        },
        _ => data,
    };

    private Outcome<Context> Resolve(InboundEvent inbound, string plantCode, string orderNumber)
    {
        if (masterData.Plant(plantCode) is not { } plant)
            return new Violation("/data/plant", "plant.unknown", $"Plant '{plantCode}' does not exist.");
        if (!orders.TryGetValue(orderNumber, out var order))
            return new Violation("/data/order", "order.unknown", $"Production order '{orderNumber}' does not exist.");
        if (order.Plant != plant.Code)
            return new Violation("/data/plant", "order.plant-mismatch", $"Order {order.Number} belongs to plant {order.Plant}, not {plant.Code}.");
        if (order.Status != "released")
            return new Violation("/data/order", "order.not-released", $"Order {order.Number} is {order.Status}; only released orders take shop-floor events.");
        return new Context(order, plant, plant.DateOf(inbound.Time));
    }

    private Outcome<EventEffects> Issue(InboundEvent inbound, MaterialIssued data)
    {
        var resolved = Resolve(inbound, data.Plant, data.Order);
        if (resolved.IsRejected)
            return Outcome<EventEffects>.FromViolations(resolved.Violations);
        var (order, plant, postingDate) = resolved.Value;
        if (masterData.Item(data.Item) is not { } item)
            return new Violation("/data/item", "item.unknown", $"Item '{data.Item}' does not exist.");
        if (!order.Components.Contains(item.Number))
            return new Violation("/data/item", "order.component-unknown", $"Item {item.Number} is not a component of order {order.Number}.");
        if (order.Hold is { } hold)
            return OnHold(order, hold);
        var moved = MoveStock(inbound, plant, postingDate, order, item, data.Quantity, GoodsIssueToOrder, "material-issue", leavesStock: true);
        if (moved.IsRejected)
            return Outcome<EventEffects>.FromViolations(moved.Violations);
        var (entry, journalEntry, movement, quantity, value) = moved.Value;
        transaction.Stage("UPDATE production_order_component SET issued_e6 = issued_e6 + $1, issued_value_e4 = issued_value_e4 + $2 WHERE order_number = $3 AND item = $4", Fixed.ToE6(quantity), Fixed.ToE4(value.Amount), order.Number, item.Number);
        transaction.Stage("UPDATE production_order SET wip_e4 = wip_e4 + $1, version = version + 1 WHERE number = $2", Fixed.ToE4(value.Amount), order.Number);
        return Record(inbound, plant, entry, journalEntry, movement,
        [
            new ObjectLink("production-order", order.Number, "issued-to"),
            new ObjectLink("item", item.Number, "component"),
        ]);
    }

    /// <summary>A quality hold blocks the order's goods movements (issues, yield) until it is released.</summary>
    private static Violation OnHold(OrderRow order, string reason) =>
        new("/data/order", "order.on-hold", $"Order {order.Number} is on quality hold ({reason}); goods movements wait until the hold is released.");

    private Outcome<EventEffects> Confirm(InboundEvent inbound, OperationConfirmed data)
    {
        var resolved = Resolve(inbound, data.Plant, data.Order);
        if (resolved.IsRejected)
            return Outcome<EventEffects>.FromViolations(resolved.Violations);
        var (order, plant, postingDate) = resolved.Value;
        if (!order.Operations.TryGetValue(data.Operation, out var operation))
            return new Violation("/data/operation", "order.operation-unknown", $"Order {order.Number} has no operation {data.Operation}.");
        if (masterData.WorkCenter(data.WorkCenter) is not { } workCenter)
            return new Violation("/data/workCenter", "work-center.unknown", $"Work center '{data.WorkCenter}' does not exist.");
        if (workCenter.Code != operation.WorkCenter)
            return new Violation("/data/workCenter", "operation.work-center-mismatch", $"Operation {operation.Operation} of order {order.Number} runs on {operation.WorkCenter}, not {workCenter.Code}.");
        if (masterData.Item(order.Item) is not { } product)
            return new Violation("/data/order", "item.unknown", $"The order's product {order.Item} does not exist.");

        var violations = new List<Violation>();
        var good = QuantityRules.NonNegative(data.GoodQuantity, order.Unit, "/data/goodQuantity", violations);
        var scrap = QuantityRules.NonNegative(data.ScrapQuantity, order.Unit, "/data/scrapQuantity", violations);
        var machine = QuantityRules.NonNegative(data.MachineTime, UnitOfMeasure.Hour, "/data/machineTime", violations);
        var labour = QuantityRules.NonNegative(data.LabourTime, UnitOfMeasure.Hour, "/data/labourTime", violations);
        if (violations.Count > 0)
            return violations.ToArray();
        if (good == 0 && scrap == 0 && machine == 0 && labour == 0)
            return new Violation("/data", "confirmation.empty", "A confirmation reports a good or scrap quantity, or machine or labour time.");

        var currency = plant.Company.Currency;
        var machineValue = new Money(workCenter.MachineRatePerHour * machine, currency).RoundToMinorUnits();
        var labourValue = new Money(workCenter.LabourRatePerHour * labour, currency).RoundToMinorUnits();
        var scrapValue = Money.Zero(currency);
        if (scrap > 0)
        {
            // Scrap is valued at the product's standard cost; the difference to the cost actually accumulated
            // up to this operation is left to order settlement (DESIGN §3, variances).
            if (masterData.StandardCost(plant.Code, product.Number) is not { } productCost)
                return new Violation("/data/scrapQuantity", "item.not-costed", $"Product {product.Number} has no standard cost at plant {plant.Code}.");
            scrapValue = new Money(productCost * scrap, currency).RoundToMinorUnits();
        }

        var pairs = new List<PostingPair>(3);
        if (machineValue.Amount > 0)
            pairs.Add(new PostingPair(MachineActivity, "*", machineValue, "/data/machineTime", order.Number, WorkCenter: workCenter.Code));
        if (labourValue.Amount > 0)
            pairs.Add(new PostingPair(LabourActivity, "*", labourValue, "/data/labourTime", order.Number, WorkCenter: workCenter.Code));
        if (scrapValue.Amount > 0)
            pairs.Add(new PostingPair(Scrap, product.ItemClass, scrapValue, "/data/scrapQuantity", order.Number, product.Number, workCenter.Code));

        var prepared = PrepareUnlessZero(inbound, plant, postingDate, "activity-confirmation", [.. pairs]);
        if (prepared.IsRejected)
            return Outcome<EventEffects>.FromViolations(prepared.Violations);
        var entry = prepared.Value;

        JournalEntryId? journalEntry = entry is null ? null : ledger.Stage(transaction, entry);
        transaction.Stage(
            "UPDATE production_order_operation SET good_e6 = good_e6 + $1, scrap_e6 = scrap_e6 + $2, machine_hours_e6 = machine_hours_e6 + $3, labour_hours_e6 = labour_hours_e6 + $4, activity_value_e4 = activity_value_e4 + $5 WHERE order_number = $6 AND operation = $7",
            Fixed.ToE6(good), Fixed.ToE6(scrap), Fixed.ToE6(machine), Fixed.ToE6(labour), Fixed.ToE4((machineValue + labourValue).Amount), order.Number, operation.Operation);
        transaction.Stage(
            "UPDATE production_order SET scrap_e6 = scrap_e6 + $1, wip_e4 = wip_e4 + $2, version = version + 1 WHERE number = $3",
            Fixed.ToE6(scrap), Fixed.ToE4((machineValue + labourValue - scrapValue).Amount), order.Number);
        return Record(inbound, plant, entry, journalEntry, null,
        [
            new ObjectLink("production-order", order.Number, "confirmed-for"),
            new ObjectLink("work-center", workCenter.Code, "worked-at"),
            new ObjectLink("item", product.Number, "product"),
        ]);
    }

    private Outcome<EventEffects> Receive(InboundEvent inbound, YieldReported data)
    {
        var resolved = Resolve(inbound, data.Plant, data.Order);
        if (resolved.IsRejected)
            return Outcome<EventEffects>.FromViolations(resolved.Violations);
        var (order, plant, postingDate) = resolved.Value;
        if (masterData.Item(data.Item) is not { } item)
            return new Violation("/data/item", "item.unknown", $"Item '{data.Item}' does not exist.");
        if (item.Number != order.Item)
            return new Violation("/data/item", "order.item-mismatch", $"Order {order.Number} produces {order.Item}, not {item.Number}.");
        if (order.Hold is { } hold)
            return OnHold(order, hold);
        var moved = MoveStock(inbound, plant, postingDate, order, item, data.Quantity, GoodsReceiptFromOrder, "production-receipt", leavesStock: false);
        if (moved.IsRejected)
            return Outcome<EventEffects>.FromViolations(moved.Violations);
        var (entry, journalEntry, movement, quantity, value) = moved.Value;
        transaction.Stage(
            "UPDATE production_order SET yield_e6 = yield_e6 + $1, wip_e4 = wip_e4 - $2, version = version + 1 WHERE number = $3",
            Fixed.ToE6(quantity), Fixed.ToE4(value.Amount), order.Number);
        return Record(inbound, plant, entry, journalEntry, movement,
        [
            new ObjectLink("production-order", order.Number, "received-from"),
            new ObjectLink("item", item.Number, "product"),
        ]);
    }

    private sealed record Moved(PreparedEntry? Entry, JournalEntryId? JournalEntry, StockMovementId Movement, decimal Quantity, Money Value);

    /// <summary>
    /// A stock movement for an order at standard cost, with its journal entry (DESIGN §3): checks the quantity
    /// and the cost, then stages the entry, the movement and the stock-moved event. <paramref name="leavesStock"/>
    /// makes quantity and value negative in stock.
    /// </summary>
    private Outcome<Moved> MoveStock(InboundEvent inbound, Plant plant, DateOnly postingDate, OrderRow order, Item item, QuantityValue input, string movementType, string documentType, bool leavesStock)
    {
        var quantity = QuantityRules.Positive(input, item.BaseUnit, "/data/quantity");
        if (quantity.IsRejected)
            return Outcome<Moved>.FromViolations(quantity.Violations);
        if (masterData.StandardCost(plant.Code, item.Number) is not { } cost)
            return new Violation("/data/item", "item.not-costed", $"Item {item.Number} has no standard cost at plant {plant.Code}.");

        var value = new Money(cost * quantity.Value.Value, plant.Company.Currency).RoundToMinorUnits();
        var entry = PrepareUnlessZero(inbound, plant, postingDate, documentType,
            new PostingPair(movementType, item.ItemClass, value, "/data/quantity", order.Number, item.Number));
        if (entry.IsRejected)
            return Outcome<Moved>.FromViolations(entry.Violations);

        JournalEntryId? journalEntry = entry.Value is { } prepared ? ledger.Stage(transaction, prepared) : null;
        var sign = leavesStock ? -1m : 1m;
        var movement = inventory.Stage(transaction, new StockMovementDraft(
            movementType, plant.Code, item.Number, quantity.Value with { Value = sign * quantity.Value.Value }, value * sign, order.Number, journalEntry, postingDate, inbound.Id,
            Lot: Lots?.GetValueOrDefault(inbound.Id) ?? ""));
        PublishStockMoved(movement, plant, item.Number, movementType, sign * quantity.Value.Value, item.BaseUnit, order.Number, journalEntry);
        return new Moved(entry.Value, journalEntry, movement, quantity.Value.Value, value);
    }

    /// <summary>
    /// No entry when every amount rounds to zero (a gram of bar stock, a confirmation of good quantity only):
    /// the event still moves stock and the order, but there is nothing to post. The period must be open anyway.
    /// </summary>
    private Outcome<PreparedEntry?> PrepareUnlessZero(InboundEvent inbound, Plant plant, DateOnly postingDate, string documentType, params PostingPair[] pairs)
    {
        if (pairs.Any(p => p.Amount.Amount != 0m))
        {
            var prepared = Prepare(inbound, plant, postingDate, documentType, [.. pairs.Where(p => p.Amount.Amount != 0m)]);
            return prepared.IsRejected ? Outcome<PreparedEntry?>.FromViolations(prepared.Violations) : prepared.Value;
        }

        if (!rules.IsOpen(plant.Company.Code, postingDate))
            return new Violation("/time", "period.closed", $"Posting period {postingDate:yyyy-MM} of company {plant.Company.Code} is not open (posting date {postingDate:yyyy-MM-dd}).");
        return Outcome<PreparedEntry?>.FromValue(null);
    }

    private Outcome<PreparedEntry> Prepare(InboundEvent inbound, Plant plant, DateOnly postingDate, string documentType, params PostingPair[] pairs) =>
        ledger.Prepare(rules, new JournalEntryDraft(
            plant.Company.Code,
            plant.Code,
            plant.Company.Currency,
            postingDate,
            documentType,
            new PostingSource(inbound.Type, inbound.Id, inbound.Source, inbound.Time, "/time"),
            pairs));

    private EventEffects Record(InboundEvent inbound, Plant plant, PreparedEntry? entry, JournalEntryId? journalEntry, StockMovementId? movement, ObjectLink[] links)
    {
        var objects = new List<ObjectLink>(links.Length + 3) { new("plant", plant.Code, "at") };
        objects.AddRange(links);
        if (matchedTo is { } fallback)
            objects.Add(fallback);
        if (journalEntry is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        if (movement is { } mv)
            objects.Add(new ObjectLink("stock-movement", mv.ToString(), "moved-as"));
        var processEvent = intelligence.Append(transaction, new ProcessEventDraft(
            inbound.Type, inbound.Source, inbound.Id, plant.Code, inbound.Time, inbound.DataJson, journalEntry is null ? 0 : 1, objects));

        if (entry is not null && journalEntry is { } posted)
        {
            var data = new JournalEntryPosted(
                posted.Value,
                entry.Draft.Company,
                plant.Code,
                entry.Draft.PostingDate,
                entry.Draft.Currency.Code,
                inbound.Type,
                inbound.Source,
                inbound.Id,
                [.. entry.Lines.Select(l => new JournalLineData(l.Account, l.Debit.Amount, l.Credit.Amount, l.Order, l.Item, l.WorkCenter))]);
            outbox.Enqueue(transaction, new OutboxMessage(
                Uuid7.New(transaction.Clock.GetUtcNow()).ToString(),
                EventTypes.JournalEntryPosted,
                "/takt/ledger",
                posted.ToString(),
                plant.Code,
                transaction.Clock.GetUtcNow(),
                JsonSerializer.Serialize(data, EventJson.Default.JournalEntryPosted)));
        }

        return new EventEffects(
            processEvent.ToString(),
            journalEntry is { } j ? [j.ToString()] : [],
            movement is { } m ? [m.ToString()] : []);
    }

    private void PublishStockMoved(StockMovementId movement, Plant plant, string item, string movementType, decimal quantity, UnitOfMeasure unit, string order, JournalEntryId? journalEntry)
    {
        var data = new StockMoved(movement.Value, plant.Code, item, movementType, new QuantityValue(quantity, unit.Code), journalEntry?.Value, order);
        outbox.Enqueue(transaction, new OutboxMessage(
            Uuid7.New(transaction.Clock.GetUtcNow()).ToString(),
            EventTypes.StockMoved,
            "/takt/inventory",
            $"{plant.Code}/{item}",
            plant.Code,
            transaction.Clock.GetUtcNow(),
            JsonSerializer.Serialize(data, EventJson.Default.StockMoved)));
    }
}
