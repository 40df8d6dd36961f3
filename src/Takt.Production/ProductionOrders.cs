using Dapper;
using Takt.Contracts;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Production;

internal sealed class ProductionOrders(IMasterData masterData, TimeProvider clock) : IProduction
{
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
            transaction.Stage("INSERT INTO production_order_component (order_number, item, required_e6) VALUES ($1, $2, $3)",
                draft.Number, c.Item, Fixed.ToE6(c.RequiredQuantity));
        }

        foreach (var o in draft.Operations)
        {
            transaction.Stage("INSERT INTO production_order_operation (order_number, operation, work_center, description) VALUES ($1, $2, $3, $4)",
                draft.Number, o.Operation, o.WorkCenter, o.Description);
        }

        return draft.Number;
    }

    public async Task<ProductionOrderView?> OrderAsync(TaktStore store, string number, CancellationToken ct)
    {
        var found = await QueryAsync(store, "o.number = @number", new { number }, 1, ct);
        return found.Count > 0 ? found[0] : null;
    }

    public Task<IReadOnlyList<ProductionOrderView>> OrdersAsync(TaktStore store, string? plant, int limit, CancellationToken ct) =>
        QueryAsync(store, "(CAST(@plant AS text) IS NULL OR o.plant = @plant)", new { plant }, limit, ct);

    private static async Task<IReadOnlyList<ProductionOrderView>> QueryAsync(TaktStore store, string where, object args, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var heads = (await connection.QueryAsync<(string Number, string Plant, string Item, long Quantity, string Unit, string Status, long Priority, long Due, long Yield, long Scrap, long Wip)>(
            new CommandDefinition(
                $"SELECT number, plant, item, quantity_e6, unit, status, priority, due_date, yield_e6, scrap_e6, wip_e4 FROM production_order o WHERE {where} ORDER BY number LIMIT {limit}",
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
            [.. operations[h.Number].Select(o => new OperationView(o.Operation, o.WorkCenter, o.Description, Fixed.FromE6(o.Good), Fixed.FromE6(o.Scrap), Fixed.FromE6(o.Machine), Fixed.FromE6(o.Labour)))]))];
    }
}
