using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Production.Orders;

/// <summary>
/// A production order through its life: created (BOM and routing snapshot) → released (material and capacity
/// checked) → shop-floor work (issues, confirmations with backflush, yield, scrap with reason codes; a quality
/// hold blocks goods movements) → technically completed → settled (WIP to zero, variances). Each step commits
/// its order change, posting, process-log event and outbox events in one transaction; issues, confirmations and
/// yield run through the same batch code as the shop-floor gateway (<see cref="ShopFloorEvents"/>).
/// </summary>
internal sealed partial class OrderLifecycle(
    IMasterData masterData, ILedger ledger, IInventory inventory, IIntelligence intelligence, Outbox outbox, ProductionEvents events, TimeProvider clock, IServiceProvider services)
{
    // The orchestration's engine reaches the outbox's subscribers: resolved at first use, not at construction.
    private Takt.Orchestration.IOrchestration Orchestration => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Takt.Orchestration.IOrchestration>(services);

    internal const string Settlement = "settlement";
    private readonly ShopFloorEvents shopFloor = new(masterData, ledger, inventory, intelligence, outbox);

    internal sealed record SnapshotComponent(string Item, decimal Required, decimal PlanPrice, string AlternateGroup, bool Backflush);

    internal sealed record SnapshotOperation(string Operation, string WorkCenter, string Description, decimal SetupHours, decimal MachinePerUnit, decimal LabourPerUnit, decimal MachineRate, decimal LabourRate);

    internal sealed record Snapshot(int BomVersion, IReadOnlyList<SnapshotComponent> Components, IReadOnlyList<SnapshotOperation> Operations);

    private static readonly Dictionary<string, string> StateNames = new(StringComparer.Ordinal)
    {
        ["created"] = "created",
        ["released"] = "released",
        ["completed"] = "technically completed",
        ["closed"] = "settled",
    };

    private sealed record State(string Number, string Status, string Plant, string Item, string? Hold);

    private static async Task<State?> StateAsync(StoreTransaction tx, string number, CancellationToken ct)
    {
        var lockClause = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE" : "";
        await using (var r = await tx.Command($"SELECT status, plant, item, hold_reason FROM production_order WHERE number = $1{lockClause}", number).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                return new State(number, r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3));
        }

        await using (var r = await tx.Command($"SELECT plant, item FROM production_order_created WHERE number = $1{lockClause}", number).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                return new State(number, "created", r.GetString(0), r.GetString(1), null);
        }

        return null;
    }

    private static Violation Illegal(State state, string action, string required) =>
        new("/status", "order.transition-not-allowed", $"Order {state.Number} is {StateNames[state.Status]}; {action} needs an order that is {required}.");

    private static Violation Unknown(string number) => new("/number", "order.unknown", $"Production order '{number}' does not exist.");

    public async Task<Outcome<OrderActionResult>> CreateAsync(StoreTransaction tx, CreateProductionOrder request, ProductStructure? structure, CancellationToken ct)
    {
        var v = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Number))
            v.Add(new Violation("/number", "field.required", "An order needs a number."));
        else if (await StateAsync(tx, request.Number, ct) is not null)
            v.Add(new Violation("/number", "order.number-taken", $"Order {request.Number} exists already."));
        if (request.Quantity <= 0 || !Fixed.FitsE6(request.Quantity))
            v.Add(new Violation("/quantity", "quantity.positive", "The order quantity must be greater than 0 with at most 6 decimals."));
        var view = await masterData.LoadAsync(tx, [request.Plant ?? ""], [request.Item ?? ""], [], ct);
        if (view.Plant(request.Plant ?? "") is not { } plant)
            return v.Append(new Violation("/plant", "plant.unknown", $"Plant '{request.Plant}' does not exist.")).ToArray();
        if (view.Item(request.Item ?? "") is not { } product)
            return v.Append(new Violation("/item", "item.unknown", $"Item '{request.Item}' does not exist.")).ToArray();
        var today = plant.DateOf(clock.GetUtcNow());
        structure ??= await masterData.LoadStructureAsync(tx, plant.Code, today, ct);
        if (!structure.Boms.TryGetValue(product.Number, out var bom))
            return v.Append(new Violation("/item", "order.bom-missing", $"{product.Number} has no released BOM valid on {today:yyyy-MM-dd} at plant {plant.Code}.")).ToArray();
        if (!structure.StandardCosts.ContainsKey(product.Number))
            v.Add(new Violation("/item", "item.not-costed", $"Product {product.Number} has no standard cost at plant {plant.Code}."));
        var components = new Dictionary<string, SnapshotComponent>(StringComparer.Ordinal);
        foreach (var line in bom.Lines)
        {
            if (!structure.StandardCosts.TryGetValue(line.Component, out var price))
            {
                v.Add(new Violation("/item", "item.not-costed", $"Component {line.Component} of {product.Number} has no standard cost at plant {plant.Code}."));
                continue;
            }

            var required = line.AlternateRank == 0 ? Math.Round(line.QuantityPerUnit * (1m + line.ScrapFactor) * request.Quantity, 6, MidpointRounding.AwayFromZero) : 0m;
            components[line.Component] = components.TryGetValue(line.Component, out var before)
                ? before with { Required = before.Required + required }
                : new SnapshotComponent(line.Component, required, price, line.AlternateGroup, line.Backflush);
        }

        if (v.Count > 0)
            return v.ToArray();
        var operations = (structure.Routings.GetValueOrDefault(product.Number) ?? [])
            .Select(o => new SnapshotOperation(o.Operation, o.WorkCenter, o.Description, o.SetupHours, o.MachineHoursPerUnit, o.LabourHoursPerUnit, o.MachineRate, o.LabourRate))
            .ToList();
        var snapshot = new Snapshot(bom.Version, [.. components.Values], operations);
        tx.Stage("INSERT INTO production_order_created (number, plant, item, quantity_e6, unit, priority, due_date, bom_version, created_at_us, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            request.Number, plant.Code, product.Number, Fixed.ToE6(request.Quantity), product.BaseUnit.Code, (long)request.Priority, (long)request.DueDate.ToDateKey(),
            (long)bom.Version, clock.GetUtcNow().ToUnixMicroseconds(), JsonSerializer.Serialize(snapshot));
        var id = events.Publish(tx, EventTypes.ProductionOrderCreated, plant.Code, request.Number,
            new ProductionOrderCreated(plant.Code, request.Number, product.Number, new QuantityValue(request.Quantity, product.BaseUnit.Code), request.DueDate, bom.Version,
                [.. snapshot.Components.Select(c => new PlannedComponent(c.Item, new QuantityValue(c.Required, structure.Items[c.Item].BaseUnit), c.PlanPrice, c.AlternateGroup.Length == 0 ? null : c.AlternateGroup))],
                [.. operations.Select(o => o.Operation)]),
            EventJson.Default.ProductionOrderCreated,
            [new ObjectLink("production-order", request.Number, "created"), new ObjectLink("item", product.Number, "product")]);
        await tx.FlushAsync(ct);
        return new OrderActionResult(request.Number, "created", null, [id], []);
    }

    public async Task<Outcome<OrderActionResult>> ActAsync(StoreTransaction tx, string number, string action, OrderAction body, string actor, CancellationToken ct)
    {
        var state = await StateAsync(tx, number, ct);
        if (state is null)
            return Unknown(number);
        var done = await ActOnAsync(tx, state, action, body, actor, ct);
        // Flushed, so that a next step in the same transaction (a bulk settlement) reads this one's result.
        if (!done.IsRejected)
            await tx.FlushAsync(ct);
        return done;
    }

    private async Task<Outcome<OrderActionResult>> ActOnAsync(StoreTransaction tx, State state, string action, OrderAction body, string actor, CancellationToken ct)
    {
        var number = state.Number;
        return action switch
        {
            "release" => state.Status == "created" ? await ReleaseAsync(tx, state, ct) : Illegal(state, "release", "created"),
            "hold" => state.Status is "released" or "completed" ? await HoldAsync(tx, state, body, actor, ct) : Illegal(state, "a quality hold", "released or technically completed"),
            "release-hold" => state.Status is "released" or "completed" ? await ReleaseHoldAsync(tx, state, body, actor, ct) : Illegal(state, "releasing a hold", "released or technically completed"),
            "issue" or "confirm" or "yield" => state.Status == "released" ? await ShopFloorAsync(tx, state, action, body, ct) : Illegal(state, action, "released"),
            "scrap" => state.Status == "released" ? await ScrapAsync(tx, state, body, actor, ct) : Illegal(state, "scrap", "released"),
            "complete" => state.Status != "released" ? Illegal(state, "technical completion", "released")
                : state.Hold is { } hold ? new Violation("/status", "order.on-hold", $"Order {number} is on quality hold ({hold}); release the hold before completing it.")
                : await CompleteAsync(tx, state, ct),
            "settle" => state.Status == "completed" ? await SettleAsync(tx, state, ct) : Illegal(state, "settlement", "technically completed"),
            _ => new Violation("/action", "order.action-unknown", "action is release, issue, confirm, yield, scrap, hold, release-hold, complete or settle."),
        };
    }
}
