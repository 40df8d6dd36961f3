using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Production.Orders;

internal sealed partial class OrderLifecycle
{
    /// <summary>
    /// Issue, confirm and yield as canonical shop-floor events through the gateway's batch code, so a manual
    /// booking posts exactly as the MES's would. A confirmation of the last operation backflushes the components
    /// marked for it, proportionally to the good and scrap quantity confirmed.
    /// </summary>
    private async Task<Outcome<OrderActionResult>> ShopFloorAsync(StoreTransaction tx, State state, string action, OrderAction body, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var unitOf = new Dictionary<string, string>(StringComparer.Ordinal);
        string? productUnit = null;
        await using (var r = await tx.Command("SELECT unit, quantity_e6 FROM production_order WHERE number = $1", state.Number).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            productUnit = r.GetString(0);
        }

        var inbound = new List<InboundEvent>();
        var lots = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = new List<string>();
        InboundEvent Event<T>(string type, T data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) where T : notnull =>
            new(ProductionEvents.Source, Uuid7.New(now).ToString(), type, now, state.Number, data, JsonSerializer.Serialize(data, info));
        decimal rework = 0m;
        string? operation = null;
        switch (action)
        {
            case "issue":
                if (string.IsNullOrWhiteSpace(body.Item))
                    return new Violation("/item", "field.required", "An issue names the component (item).");
                if (body.Quantity is not { } issued)
                    return new Violation("/quantity", "field.required", "An issue needs a quantity.");
                if (!string.IsNullOrEmpty(body.Lot) && await QualityHolds.OfLotAsync(tx, state.Plant, body.Item, body.Lot, ct) is { } lotHold)
                    return new Violation("/lot", "lot.on-hold", $"Lot {body.Lot} of {body.Item} is on quality hold ({lotHold.Reason}, hold {lotHold.Id}, {lotHold.Status}); it is not issued until the hold is released.");
                var unit = body.Unit ?? (await masterData.LoadAsync(tx, [], [body.Item], [], ct)).Item(body.Item)?.BaseUnit.Code ?? "H87";
                inbound.Add(Event(EventTypes.MaterialIssued, new MaterialIssued(state.Plant, state.Number, body.Item, new QuantityValue(issued, unit)), EventJson.Default.MaterialIssued));
                fields.Add("");
                if (!string.IsNullOrEmpty(body.Lot))
                    lots[inbound[^1].Id] = body.Lot;
                break;
            case "yield":
                if (body.Quantity is not { } received)
                    return new Violation("/quantity", "field.required", "A yield needs a quantity.");
                inbound.Add(Event(EventTypes.YieldReported, new YieldReported(state.Plant, state.Number, state.Item, new QuantityValue(received, body.Unit ?? productUnit!)), EventJson.Default.YieldReported));
                fields.Add("");
                break;
            default:
                if (string.IsNullOrWhiteSpace(body.Operation))
                    return new Violation("/operation", "field.required", "A confirmation names the operation.");
                operation = body.Operation;
                var ops = new List<(string Operation, string WorkCenter)>();
                await using (var r = await tx.Command("SELECT operation, work_center FROM production_order_operation WHERE order_number = $1 ORDER BY operation", state.Number).ExecuteReaderAsync(ct))
                {
                    while (await r.ReadAsync(ct))
                        ops.Add((r.GetString(0), r.GetString(1)));
                }

                if (ops.FindIndex(o => o.Operation == body.Operation) is var index && index < 0)
                    return new Violation("/operation", "order.operation-unknown", $"Order {state.Number} has no operation {body.Operation}.");
                if (body.Rework is < 0)
                    return new Violation("/rework", "quantity.non-negative", $"Rework must not be negative; got {body.Rework}.");
                rework = body.Rework ?? 0m;
                var good = body.Good ?? 0m;
                var scrap = body.Scrap ?? 0m;
                inbound.Add(Event(EventTypes.OperationConfirmed, new OperationConfirmed(state.Plant, state.Number, body.Operation, ops[index].WorkCenter,
                    new QuantityValue(good, productUnit!),
                    body.Scrap is null ? null : new QuantityValue(scrap, productUnit!),
                    body.MachineHours is null ? null : new QuantityValue(body.MachineHours.Value, "HUR"),
                    body.LabourHours is null ? null : new QuantityValue(body.LabourHours.Value, "HUR")), EventJson.Default.OperationConfirmed));
                fields.Add("");
                if (index == ops.Count - 1 && good + scrap > 0)
                {
                    decimal orderQuantity;
                    await using (var r = await tx.Command("SELECT quantity_e6 FROM production_order WHERE number = $1", state.Number).ExecuteReaderAsync(ct))
                    {
                        await r.ReadAsync(ct);
                        orderQuantity = Fixed.FromE6(r.GetInt64(0));
                    }

                    await using (var r = await tx.Command("SELECT item, required_e6 FROM production_order_component WHERE order_number = $1 AND backflush = 1 AND required_e6 > 0 ORDER BY item", state.Number).ExecuteReaderAsync(ct))
                    {
                        while (await r.ReadAsync(ct))
                            unitOf[r.GetString(0)] = (Fixed.FromE6(r.GetInt64(1)) * (good + scrap) / orderQuantity).ToString(CultureInfo.InvariantCulture);
                    }

                    if (unitOf.Count > 0)
                    {
                        var items = await masterData.LoadAsync(tx, [], unitOf.Keys, [], ct);
                        foreach (var (item, text) in unitOf)
                        {
                            var quantity = Math.Round(decimal.Parse(text, CultureInfo.InvariantCulture), 6, MidpointRounding.AwayFromZero);
                            if (quantity <= 0)
                                continue;
                            inbound.Add(Event(EventTypes.MaterialIssued, new MaterialIssued(state.Plant, state.Number, item, new QuantityValue(quantity, items.Item(item)!.BaseUnit.Code)), EventJson.Default.MaterialIssued));
                            fields.Add($"/backflush/{item}");
                        }
                    }
                }

                break;
        }

        var batch = await shopFloor.BeginAsync(tx, inbound, ct);
        ((ShopFloorBatch)batch).Lots = lots;
        var processEvents = new List<string>();
        var entries = new List<string>();
        for (var i = 0; i < inbound.Count; i++)
        {
            var applied = batch.Apply(inbound[i]);
            if (applied.IsRejected)
            {
                // The gateway's pointers are into the event (/data/…); here they are into the request.
                return applied.Violations.Select(v => v with { Field = fields[i] + MapField(v.Field) }).ToArray();
            }

            processEvents.Add(applied.Value.ProcessEventId);
            entries.AddRange(applied.Value.JournalEntries);
        }

        if (rework > 0)
            tx.Stage("UPDATE production_order_operation SET rework_e6 = rework_e6 + $1 WHERE order_number = $2 AND operation = $3", Fixed.ToE6(rework), state.Number, operation);
        return new OrderActionResult(state.Number, state.Status, state.Hold, processEvents, entries);
    }

    private static string MapField(string field) => field switch
    {
        "/data/quantity" or "/data/quantity/value" => "/quantity",
        "/data/quantity/unit" => "/unit",
        "/data/goodQuantity" or "/data/goodQuantity/value" => "/good",
        "/data/scrapQuantity" or "/data/scrapQuantity/value" => "/scrap",
        "/data/machineTime" or "/data/machineTime/value" => "/machineHours",
        "/data/labourTime" or "/data/labourTime/value" => "/labourHours",
        "/data/item" => "/item",
        "/data/order" => "/number",
        "/data" => "",
        "/time" => "/postingDate",
        _ => field.StartsWith("/data/", StringComparison.Ordinal) ? field[5..] : field,
    };

    private async Task<Outcome<OrderActionResult>> ScrapAsync(StoreTransaction tx, State state, OrderAction body, string actor, CancellationToken ct)
    {
        var v = new List<Violation>();
        if (body.Quantity is not { } quantity || quantity <= 0 || !Fixed.FitsE6(quantity))
            v.Add(new Violation("/quantity", "quantity.positive", $"Scrap needs a quantity greater than 0 with at most 6 decimals; got {body.Quantity}."));
        var known = body.ReasonCode is { } code && await tx.Command("SELECT code FROM production_scrap_reason WHERE code = $1", code).ExecuteScalarAsync(ct) is string;
        if (!known)
            v.Add(new Violation("/reasonCode", "scrap.reason-unknown", $"'{body.ReasonCode}' is not a scrap reason code (material-defect, machine-fault, operator-error, setup, quality-test)."));
        if (v.Count > 0)
            return v.ToArray();
        string unit;
        await using (var r = await tx.Command("SELECT unit FROM production_order WHERE number = $1", state.Number).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            unit = r.GetString(0);
        }

        var now = clock.GetUtcNow();
        tx.Stage("INSERT INTO production_order_scrap (id, order_number, quantity_e6, reason_code, recorded_by, recorded_at_us) VALUES ($1, $2, $3, $4, $5, $6)",
            Uuid7.New(now).ToString(), state.Number, Fixed.ToE6(body.Quantity!.Value), body.ReasonCode, actor, now.ToUnixMicroseconds());
        tx.Stage("UPDATE production_order SET recorded_scrap_e6 = recorded_scrap_e6 + $1, version = version + 1 WHERE number = $2", Fixed.ToE6(body.Quantity.Value), state.Number);
        var id = events.Publish(tx, EventTypes.ProductionScrapRecorded, state.Plant, state.Number,
            new ProductionScrapRecorded(state.Plant, state.Number, state.Item, new QuantityValue(body.Quantity.Value, unit), body.ReasonCode!), EventJson.Default.ProductionScrapRecorded,
            [new ObjectLink("production-order", state.Number, "scrapped-from"), new ObjectLink("item", state.Item, "product")]);
        return new OrderActionResult(state.Number, state.Status, state.Hold, [id], []);
    }

    private async Task<Outcome<OrderActionResult>> CompleteAsync(StoreTransaction tx, State state, CancellationToken ct)
    {
        decimal yield, scrap;
        string unit;
        await using (var r = await tx.Command("SELECT yield_e6, scrap_e6 + recorded_scrap_e6, unit FROM production_order WHERE number = $1", state.Number).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            (yield, scrap, unit) = (Fixed.FromE6(r.GetInt64(0)), Fixed.FromE6(r.GetInt64(1)), r.GetString(2));
        }

        tx.Stage("UPDATE production_order SET status = 'completed', version = version + 1 WHERE number = $1", state.Number);
        var id = events.Publish(tx, EventTypes.ProductionOrderTechnicallyCompleted, state.Plant, state.Number,
            new ProductionOrderTechnicallyCompleted(state.Plant, state.Number, new QuantityValue(yield, unit), new QuantityValue(scrap, unit)),
            EventJson.Default.ProductionOrderTechnicallyCompleted, [new ObjectLink("production-order", state.Number, "completed")]);
        return new OrderActionResult(state.Number, "completed", state.Hold, [id], []);
    }
}
