using Dapper;
using Takt.Contracts;
using Takt.MasterData;
using Takt.Production.Costing;
using Takt.Production.Orders;
using Takt.Store;

namespace Takt.Production;

internal sealed class ProductionOrders(IMasterData masterData, TimeProvider clock, OrderLifecycle lifecycle, CostVersions costs) : IProduction
{
    public Task<Outcome<OrderActionResult>> CreateAsync(StoreTransaction transaction, CreateProductionOrder request, ProductStructure? structure, CancellationToken ct) =>
        lifecycle.CreateAsync(transaction, request, structure, ct);

    public Task<Outcome<OrderActionResult>> ActAsync(StoreTransaction transaction, string number, string action, OrderAction body, string actor, CancellationToken ct) =>
        lifecycle.ActAsync(transaction, number, action, body, actor, ct);

    public Task<Outcome<CostVersionView>> SimulateCostsAsync(TaktStore store, string plant, DateOnly validFrom, ChangeReason reason, CancellationToken ct) =>
        costs.SimulateAsync(store, plant, validFrom, reason, ct);

    public Task<Outcome<CostVersionView>> MarkCostsAsync(TaktStore store, string version, string actor, CancellationToken ct) =>
        costs.MarkAsync(store, version, actor, ct);

    public Task<Outcome<CostVersionView>> ReleaseCostsAsync(TaktStore store, string version, ChangeReason reason, CancellationToken ct) =>
        costs.ReleaseAsync(store, version, reason, ct);

    public Task<CostVersionView?> CostVersionAsync(TaktStore store, string version, CancellationToken ct) =>
        CostVersions.GetAsync(store, version, ct);

    public async Task<IReadOnlyList<VarianceRow>> VariancesAsync(TaktStore store, string? plant, string? order, string? item, int? period, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Order, string Plant, string Item, long Period, string Category, long Amount, string Currency)>(new CommandDefinition(
            """
            SELECT order_number, plant, item, period, category, amount_e4, currency FROM production_variance
            WHERE (CAST(@plant AS text) IS NULL OR plant = @plant) AND (CAST(@order AS text) IS NULL OR order_number = @order)
              AND (CAST(@item AS text) IS NULL OR item = @item) AND (CAST(@period AS bigint) IS NULL OR period = @period)
            ORDER BY period, plant, order_number, category LIMIT 10000
            """,
            new { plant, order, item, period = (long?)period }, cancellationToken: ct));
        return [.. rows.Select(r => new VarianceRow(r.Order, r.Plant, r.Item, (int)r.Period, r.Category, Fixed.FromE4(r.Amount), r.Currency))];
    }

    public async Task<Outcome<string>> ReleaseAsync(StoreTransaction transaction, ProductionOrderDraft draft, CancellationToken ct)
    {
        var items = draft.Components.Select(c => c.Item).Append(draft.Item).ToHashSet(StringComparer.Ordinal);
        var centers = draft.Operations.Select(o => o.WorkCenter).ToHashSet(StringComparer.Ordinal);
        var view = await masterData.LoadAsync(transaction, [draft.Plant], items, centers, ct);
        var violations = new List<Violation>();
        if (view.Plant(draft.Plant) is null)
            violations.Add(new Violation("/plant", "plant.unknown", $"Plant '{draft.Plant}' does not exist."));
        var product = view.Item(draft.Item);
        if (product is null)
            violations.Add(new Violation("/item", "item.unknown", $"Item '{draft.Item}' does not exist."));
        if (draft.Quantity <= 0 || !Fixed.FitsE6(draft.Quantity))
            violations.Add(new Violation("/quantity", "quantity.positive", "The order quantity must be greater than 0 with at most 6 decimals."));
        for (var i = 0; i < draft.Components.Count; i++)
        {
            if (view.Item(draft.Components[i].Item) is null)
                violations.Add(new Violation($"/components/{i}/item", "item.unknown", $"Item '{draft.Components[i].Item}' does not exist."));
        }

        for (var i = 0; i < draft.Operations.Count; i++)
        {
            if (view.WorkCenter(draft.Operations[i].WorkCenter) is not { } wc || wc.Plant != draft.Plant)
                violations.Add(new Violation($"/operations/{i}/workCenter", "work-center.unknown", $"Work center '{draft.Operations[i].WorkCenter}' does not exist at plant {draft.Plant}."));
        }

        if (violations.Count > 0)
            return violations.ToArray();

        transaction.Stage(
            "INSERT INTO production_order (number, plant, item, quantity_e6, unit, status, priority, due_date, released_at_us) VALUES ($1, $2, $3, $4, $5, 'released', $6, $7, $8)",
            draft.Number, draft.Plant, draft.Item, Fixed.ToE6(draft.Quantity), product!.BaseUnit.Code, draft.Priority, draft.DueDate.ToDateKey(), clock.GetUtcNow().ToUnixMicroseconds());
        foreach (var c in draft.Components)
        {
            // Plan price: the standard cost at release (variances at settlement compare against it).
            transaction.Stage("INSERT INTO production_order_component (order_number, item, required_e6, plan_price_e4) VALUES ($1, $2, $3, $4)",
                draft.Number, c.Item, Fixed.ToE6(c.RequiredQuantity), Fixed.ToE4(view.StandardCost(draft.Plant, c.Item) ?? 0m));
        }

        foreach (var o in draft.Operations)
        {
            var center = view.WorkCenter(o.WorkCenter)!;
            transaction.Stage("INSERT INTO production_order_operation (order_number, operation, work_center, description, plan_machine_rate_e4, plan_labour_rate_e4) VALUES ($1, $2, $3, $4, $5, $6)",
                draft.Number, o.Operation, o.WorkCenter, o.Description, Fixed.ToE4(center.MachineRatePerHour), Fixed.ToE4(center.LabourRatePerHour));
        }

        return draft.Number;
    }

    public async Task<ProductionOrderView?> OrderAsync(TaktStore store, string number, CancellationToken ct)
    {
        var found = await QueryAsync(store, "o.number = @number", new { number }, 1, ct);
        if (found.Count > 0)
            return found[0];
        // A created order is not on the shop floor yet: its snapshot is the plan.
        await using var connection = await store.OpenConnectionAsync(ct);
        var created = await connection.QuerySingleOrDefaultAsync<(string Plant, string Item, long Quantity, string Unit, long Priority, long Due, string Snapshot)?>(new CommandDefinition(
            "SELECT plant, item, quantity_e6, unit, priority, due_date, snapshot FROM production_order_created WHERE number = @number", new { number }, cancellationToken: ct));
        if (created is not { } c)
            return null;
        var snapshot = System.Text.Json.JsonSerializer.Deserialize<OrderLifecycle.Snapshot>(c.Snapshot)!;
        return new ProductionOrderView(number, c.Plant, c.Item, Fixed.FromE6(c.Quantity), c.Unit, "created", (int)c.Priority, Instants.FromDateKey((int)c.Due), 0m, 0m, 0m,
            [.. snapshot.Components.Select(x => new ComponentView(x.Item, x.Required, 0m))],
            [.. snapshot.Operations.Select(x => new OperationView(x.Operation, x.WorkCenter, x.Description, 0m, 0m, 0m, 0m))]);
    }

    public Task<IReadOnlyList<ProductionOrderView>> OrdersAsync(TaktStore store, string? plant, int limit, CancellationToken ct) =>
        QueryAsync(store, "(CAST(@plant AS text) IS NULL OR o.plant = @plant)", new { plant }, limit, ct);

    private static async Task<IReadOnlyList<ProductionOrderView>> QueryAsync(TaktStore store, string where, object args, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var heads = (await connection.QueryAsync<(string Number, string Plant, string Item, long Quantity, string Unit, string Status, long Priority, long Due, long Yield, long Scrap, long Wip, string? Hold)>(
            new CommandDefinition(
                $"SELECT number, plant, item, quantity_e6, unit, status, priority, due_date, yield_e6, scrap_e6, wip_e4, hold_reason FROM production_order o WHERE {where} ORDER BY number LIMIT {limit}",
                args, cancellationToken: ct))).ToList();
        var selected = $"SELECT number FROM production_order o WHERE {where} ORDER BY number LIMIT {limit}";
        var components = (await connection.QueryAsync<(string Order, string Item, long Required, long Issued)>(new CommandDefinition(
            "SELECT order_number, item, required_e6, issued_e6 FROM production_order_component WHERE order_number IN (" + selected + ") ORDER BY item",
            args, cancellationToken: ct))).ToLookup(c => c.Order, StringComparer.Ordinal);
        var operations = (await connection.QueryAsync<(string Order, string Operation, string WorkCenter, string Description, long Good, long Scrap, long Machine, long Labour)>(new CommandDefinition(
            "SELECT order_number, operation, work_center, description, good_e6, scrap_e6, machine_hours_e6, labour_hours_e6 FROM production_order_operation WHERE order_number IN (" + selected + ") ORDER BY operation",
            args, cancellationToken: ct))).ToLookup(o => o.Order, StringComparer.Ordinal);
        return [.. heads.Select(h => new ProductionOrderView(
            h.Number, h.Plant, h.Item, Fixed.FromE6(h.Quantity), h.Unit, h.Status, (int)h.Priority, Instants.FromDateKey((int)h.Due),
            Fixed.FromE6(h.Yield), Fixed.FromE6(h.Scrap), Fixed.FromE4(h.Wip),
            [.. components[h.Number].Select(c => new ComponentView(c.Item, Fixed.FromE6(c.Required), Fixed.FromE6(c.Issued)))],
            [.. operations[h.Number].Select(o => new OperationView(o.Operation, o.WorkCenter, o.Description, Fixed.FromE6(o.Good), Fixed.FromE6(o.Scrap), Fixed.FromE6(o.Machine), Fixed.FromE6(o.Labour)))],
            h.Hold))];
    }
}
