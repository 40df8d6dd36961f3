using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Production.Orders;

internal sealed partial class OrderLifecycle
{
    private async Task<Outcome<OrderActionResult>> ReleaseAsync(StoreTransaction tx, State state, CancellationToken ct)
    {
        decimal quantity;
        string unit;
        long priority, due;
        Snapshot snapshot;
        await using (var r = await tx.Command("SELECT quantity_e6, unit, priority, due_date, snapshot FROM production_order_created WHERE number = $1", state.Number).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            (quantity, unit, priority, due) = (Fixed.FromE6(r.GetInt64(0)), r.GetString(1), r.GetInt64(2), r.GetInt64(3));
            snapshot = JsonSerializer.Deserialize<Snapshot>(r.GetString(4))!;
        }

        var view = await masterData.LoadAsync(tx, [state.Plant], [], [], ct);
        var plant = view.Plant(state.Plant)!;
        var today = plant.DateOf(clock.GetUtcNow());
        var violations = new List<Violation>();

        // Material: on hand less what released orders still need must cover this order's planned components.
        var planned = snapshot.Components.Where(c => c.Required > 0).ToList();
        var onHand = await inventory.OnHandAsync(tx, state.Plant, [.. planned.Select(c => c.Item)], ct);
        var reserved = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var (itemIn, itemArg) = SqlList.In(tx, "c.item", [.. planned.Select(c => c.Item)], 2);
        await using (var r = await tx.Command(
            $"SELECT c.item, c.required_e6, c.issued_e6 FROM production_order_component c JOIN production_order o ON o.number = c.order_number WHERE o.plant = $1 AND o.status = 'released' AND {itemIn}",
            state.Plant, itemArg).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                reserved[r.GetString(0)] = reserved.GetValueOrDefault(r.GetString(0)) + Math.Max(0m, Fixed.FromE6(r.GetInt64(1)) - Fixed.FromE6(r.GetInt64(2)));
        }

        for (var i = 0; i < snapshot.Components.Count; i++)
        {
            var c = snapshot.Components[i];
            if (c.Required <= 0)
                continue;
            var stock = onHand.TryGetValue(c.Item, out var b) ? b.Quantity : 0m;
            var open = reserved.GetValueOrDefault(c.Item);
            if (stock - open < c.Required)
                violations.Add(new Violation($"/components/{i}", "order.material-short",
                    string.Create(CultureInfo.InvariantCulture, $"Component {c.Item}: the order needs {c.Required}, {stock - open} is available ({stock} on hand, {open} still needed by released orders).")));
        }

        // Capacity: the work center's hours per working day until the due date must cover released load plus this order.
        var dueDate = Instants.FromDateKey((int)due);
        var centers = snapshot.Operations.Select(o => o.WorkCenter).Distinct(StringComparer.Ordinal).ToList();
        var structureCenters = new Dictionary<string, (decimal Capacity, string Days)>(StringComparer.Ordinal);
        var load = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (centers.Count > 0)
        {
            var (centerIn, centerArg) = SqlList.In(tx, "code", centers);
            await using (var r = await tx.Command($"SELECT code, capacity_hours_e6, working_days FROM masterdata_work_center WHERE {centerIn}", centerArg).ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                    structureCenters[r.GetString(0)] = (Fixed.FromE6(r.GetInt64(1)), r.GetString(2));
            }

            var (opIn, opArg) = SqlList.In(tx, "p.work_center", centers);
            await using (var r = await tx.Command(
                $"SELECT p.work_center, p.setup_hours_e6, p.machine_per_unit_e6, o.quantity_e6, p.machine_hours_e6 FROM production_order_operation p JOIN production_order o ON o.number = p.order_number WHERE o.status = 'released' AND {opIn}",
                opArg).ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    var plannedHours = Fixed.FromE6(r.GetInt64(1)) + (Fixed.FromE6(r.GetInt64(2)) * Fixed.FromE6(r.GetInt64(3)));
                    load[r.GetString(0)] = load.GetValueOrDefault(r.GetString(0)) + Math.Max(0m, plannedHours - Fixed.FromE6(r.GetInt64(4)));
                }
            }
        }

        for (var i = 0; i < snapshot.Operations.Count; i++)
        {
            var op = snapshot.Operations[i];
            if (!structureCenters.TryGetValue(op.WorkCenter, out var center))
                continue;
            var days = 0;
            for (var d = today; d <= dueDate; d = d.AddDays(1))
            {
                if (center.Days[((int)d.DayOfWeek + 6) % 7] == '1')
                    days++;
            }

            var capacity = center.Capacity * days;
            var need = op.SetupHours + (op.MachinePerUnit * quantity);
            var booked = load.GetValueOrDefault(op.WorkCenter);
            if (booked + need > capacity)
                violations.Add(new Violation($"/operations/{i}", "order.capacity-exceeded",
                    string.Create(CultureInfo.InvariantCulture, $"Work center {op.WorkCenter}: operation {op.Operation} needs {need} h; {capacity - booked} h are free until {dueDate:yyyy-MM-dd} ({capacity} h on {days} working days, {booked} h booked by released orders).")));
            load[op.WorkCenter] = booked + need;
        }

        if (violations.Count > 0)
            return violations.ToArray();

        tx.Stage("INSERT INTO production_order (number, plant, item, quantity_e6, unit, status, priority, due_date, released_at_us, bom_version) VALUES ($1, $2, $3, $4, $5, 'released', $6, $7, $8, $9)",
            state.Number, state.Plant, state.Item, Fixed.ToE6(quantity), unit, priority, due, clock.GetUtcNow().ToUnixMicroseconds(), (long)snapshot.BomVersion);
        foreach (var c in snapshot.Components)
        {
            tx.Stage("INSERT INTO production_order_component (order_number, item, required_e6, plan_price_e4, alternate_group, backflush) VALUES ($1, $2, $3, $4, $5, $6)",
                state.Number, c.Item, Fixed.ToE6(c.Required), Fixed.ToE4(c.PlanPrice), c.AlternateGroup, c.Backflush ? 1L : 0L);
        }

        foreach (var o in snapshot.Operations)
        {
            tx.Stage("INSERT INTO production_order_operation (order_number, operation, work_center, description, setup_hours_e6, machine_per_unit_e6, labour_per_unit_e6, plan_machine_rate_e4, plan_labour_rate_e4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                state.Number, o.Operation, o.WorkCenter, o.Description, Fixed.ToE6(o.SetupHours), Fixed.ToE6(o.MachinePerUnit), Fixed.ToE6(o.LabourPerUnit), Fixed.ToE4(o.MachineRate), Fixed.ToE4(o.LabourRate));
        }

        tx.Stage("DELETE FROM production_order_created WHERE number = $1", state.Number);
        var id = events.Publish(tx, EventTypes.ProductionOrderReleased, state.Plant, state.Number,
            new ProductionOrderReleased(state.Plant, state.Number, state.Item, new QuantityValue(quantity, unit)), EventJson.Default.ProductionOrderReleased,
            [new ObjectLink("production-order", state.Number, "released"), new ObjectLink("item", state.Item, "product")]);
        return new OrderActionResult(state.Number, "released", null, [id], []);
    }

    /// <summary>
    /// Puts the order on quality hold and starts the plant's quality-hold-release flow in the same transaction; only
    /// that flow releases the hold (see <see cref="QualityHolds"/>). Without a published standard it is released by hand.
    /// </summary>
    private async Task<Outcome<OrderActionResult>> HoldAsync(StoreTransaction tx, State state, OrderAction body, string actor, CancellationToken ct)
    {
        var check = HoldChangeChecked(state, body, hold: true);
        if (check.IsRejected)
            return check;
        decimal quantity;
        await using (var r = await tx.Command("SELECT quantity_e6 FROM production_order WHERE number = $1", state.Number).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            quantity = Fixed.FromE6(r.GetInt64(0));
        }

        var id = Uuid7.New(tx.Clock.GetUtcNow()).ToString();
        var instance = await QualityHolds.StartFlowAsync(tx, Orchestration, state.Plant, id, state.Item, quantity, actor, ct);
        if (instance.IsRejected)
            return Outcome<OrderActionResult>.FromViolations(instance.Violations);
        QualityHolds.Stage(tx, id, state.Plant, "order", state.Number, state.Item, "", body.Reason!, actor, instance.Value);
        return HoldChange(tx, state, body, actor, hold: true);
    }

    /// <summary>By hand only a hold that no flow decides (or whose flow asked for scrap, which a person then settles).</summary>
    private async Task<Outcome<OrderActionResult>> ReleaseHoldAsync(StoreTransaction tx, State state, OrderAction body, string actor, CancellationToken ct)
    {
        var check = HoldChangeChecked(state, body, hold: false);
        if (check.IsRejected)
            return check;
        var open = await QualityHolds.OfOrderAsync(tx, state.Number, ct);
        if (open is { Status: "open", FlowInstance: { } flow })
            return new Violation("/status", "hold.release-through-flow",
                $"The quality hold on order {state.Number} is released through the quality-hold-release flow (instance {flow}): the inspection and the quality manager's disposition decide it.");
        if (open is not null)
            QualityHolds.StageRelease(tx, open.Id, "released", actor, body.Reason!);
        return HoldChange(tx, state, body, actor, hold: false);
    }

    private static Outcome<OrderActionResult> HoldChangeChecked(State state, OrderAction body, bool hold)
    {
        if (string.IsNullOrWhiteSpace(body.Reason))
            return new Violation("/reason", "field.required", hold ? "A quality hold needs a reason." : "Releasing a hold needs a reason (the disposition).");
        if (hold && state.Hold is not null)
            return new Violation("/status", "order.already-on-hold", $"Order {state.Number} is already on quality hold ({state.Hold}).");
        if (!hold && state.Hold is null)
            return new Violation("/status", "order.not-on-hold", $"Order {state.Number} is not on quality hold.");
        return new OrderActionResult(state.Number, state.Status, null, [], []);
    }

    private Outcome<OrderActionResult> HoldChange(StoreTransaction tx, State state, OrderAction body, string actor, bool hold)
    {
        var check = HoldChangeChecked(state, body, hold);
        if (check.IsRejected)
            return check;
        tx.Stage("UPDATE production_order SET hold_reason = $1, version = version + 1 WHERE number = $2", hold ? body.Reason : null, state.Number);
        var id = hold
            ? events.Publish(tx, EventTypes.ProductionOrderHeld, state.Plant, state.Number, new ProductionOrderHeld(state.Plant, state.Number, body.Reason!, actor),
                EventJson.Default.ProductionOrderHeld, [new ObjectLink("production-order", state.Number, "held")])
            : events.Publish(tx, EventTypes.ProductionOrderHoldReleased, state.Plant, state.Number, new ProductionOrderHoldReleased(state.Plant, state.Number, body.Reason!, actor),
                EventJson.Default.ProductionOrderHoldReleased, [new ObjectLink("production-order", state.Number, "hold-released")]);
        return new OrderActionResult(state.Number, state.Status, hold ? body.Reason : null, [id], []);
    }
}
