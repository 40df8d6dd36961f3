using Takt.Contracts;
using Takt.MasterData;
using Takt.Production.Costing;
using Takt.Store;

namespace Takt.Production;

public sealed record ComponentDraft(string Item, decimal RequiredQuantity);

public sealed record OperationDraft(string Operation, string WorkCenter, string Description);

/// <summary>A production order to release: quantities in the items' base units.</summary>
public sealed record ProductionOrderDraft(
    string Number,
    string Plant,
    string Item,
    decimal Quantity,
    int Priority,
    DateOnly DueDate,
    IReadOnlyList<ComponentDraft> Components,
    IReadOnlyList<OperationDraft> Operations);

public sealed record ComponentView(string Item, decimal Required, decimal Issued);

public sealed record OperationView(string Operation, string WorkCenter, string Description, decimal Good, decimal Scrap, decimal MachineHours, decimal LabourHours);

public sealed record ProductionOrderView(
    string Number,
    string Plant,
    string Item,
    decimal Quantity,
    string Unit,
    string Status,
    int Priority,
    DateOnly DueDate,
    decimal Yield,
    decimal Scrap,
    decimal Wip,
    IReadOnlyList<ComponentView> Components,
    IReadOnlyList<OperationView> Operations,
    string? Hold = null);

/// <summary>A production order to create: the BOM and routing valid today at the plant are snapshot into it.</summary>
public sealed record CreateProductionOrder(string Number, string Plant, string Item, decimal Quantity, DateOnly DueDate, int Priority = 1);

/// <summary>
/// The body of an order action; each action reads its fields: issue (item, quantity, unit), confirm (operation,
/// good, scrap, rework, machineHours, labourHours), yield (quantity), scrap (quantity, reasonCode), hold and
/// release-hold (reason). An issue of a lot-controlled component names its lot; a lot on quality hold is not issued. Quantities are in the item's base unit unless a unit is given.
/// </summary>
public sealed record OrderAction(
    string? Item = null,
    decimal? Quantity = null,
    string? Unit = null,
    string? Operation = null,
    decimal? Good = null,
    decimal? Scrap = null,
    decimal? Rework = null,
    decimal? MachineHours = null,
    decimal? LabourHours = null,
    string? Reason = null,
    string? ReasonCode = null,
    string? Lot = null);

/// <summary>What an order action did: the order's state afterwards, the events, entries and (settlement) variances.</summary>
public sealed record OrderActionResult(
    string Order,
    string Status,
    string? Hold,
    IReadOnlyList<string> Events,
    IReadOnlyList<string> JournalEntries,
    IReadOnlyDictionary<string, decimal>? Variances = null);

/// <summary>A settled variance of an order (positive: unfavourable).</summary>
public sealed record VarianceRow(string Order, string Plant, string Item, int Period, string Category, decimal Amount, string Currency);

/// <summary>An open component requirement of a production order (required less issued), in the item's base unit.</summary>
public sealed record OpenComponent(string Item, decimal Open);

/// <summary>An operation of an open order with its planned times (setup hours, machine hours per unit) and what is done of it.</summary>
public sealed record OpenOperation(string Operation, string WorkCenter, decimal SetupHours, decimal MachineHoursPerUnit, decimal Good);

/// <summary>A released production order as planning sees it: what is still to be made, needed and done.</summary>
public sealed record OpenOrder(string Number, string Plant, string Item, decimal Quantity, decimal Open, int Priority, DateOnly DueDate, IReadOnlyList<OpenComponent> Components, IReadOnlyList<OpenOperation> Operations);

/// <summary>Production orders: release, shop-floor events (issue, confirmation, yield), queries.</summary>
public interface IProduction
{
    /// <summary>Released orders of the plants, read in the caller's transaction (planning nets and schedules them).</summary>
    async Task<IReadOnlyList<OpenOrder>> OpenOrdersAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "o.plant", plants);
        var orders = new Dictionary<string, (string Plant, string Item, decimal Quantity, decimal Open, int Priority, DateOnly Due, List<OpenComponent> Components, List<OpenOperation> Operations)>(StringComparer.Ordinal);
        await using (var reader = await transaction.Command(
            $"SELECT o.number, o.plant, o.item, o.quantity_e6, o.yield_e6, o.priority, o.due_date FROM production_order o WHERE o.status = 'released' AND {plantIn} ORDER BY o.number", plantArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var quantity = Fixed.FromE6(reader.GetInt64(3));
                orders[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), quantity, Math.Max(0m, quantity - Fixed.FromE6(reader.GetInt64(4))), (int)reader.GetInt64(5), Instants.FromDateKey((int)reader.GetInt64(6)), [], []);
            }
        }

        await using (var reader = await transaction.Command(
            $"SELECT c.order_number, c.item, c.required_e6 - c.issued_e6 FROM production_order_component c JOIN production_order o ON o.number = c.order_number WHERE o.status = 'released' AND {plantIn} ORDER BY c.order_number, c.item", plantArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (orders.TryGetValue(reader.GetString(0), out var order))
                    order.Components.Add(new OpenComponent(reader.GetString(1), Math.Max(0m, Fixed.FromE6(reader.GetInt64(2)))));
            }
        }

        await using (var reader = await transaction.Command(
            $"SELECT p.order_number, p.operation, p.work_center, p.setup_hours_e6, p.machine_per_unit_e6, p.good_e6 FROM production_order_operation p JOIN production_order o ON o.number = p.order_number WHERE o.status = 'released' AND {plantIn} ORDER BY p.order_number, p.operation", plantArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (orders.TryGetValue(reader.GetString(0), out var order))
                    order.Operations.Add(new OpenOperation(reader.GetString(1), reader.GetString(2), Fixed.FromE6(reader.GetInt64(3)), Fixed.FromE6(reader.GetInt64(4)), Fixed.FromE6(reader.GetInt64(5))));
            }
        }

        return [.. orders.Select(o => new OpenOrder(o.Key, o.Value.Plant, o.Value.Item, o.Value.Quantity, o.Value.Open, o.Value.Priority, o.Value.Due, o.Value.Components, o.Value.Operations))];
    }

    Task<Outcome<string>> ReleaseAsync(StoreTransaction transaction, ProductionOrderDraft draft, CancellationToken ct);

    Task<ProductionOrderView?> OrderAsync(TaktStore store, string number, CancellationToken ct);

    Task<IReadOnlyList<ProductionOrderView>> OrdersAsync(TaktStore store, string? plant, int limit, CancellationToken ct);

    /// <summary>
    /// Creates an order with a snapshot of the BOM and routing valid today (plan prices and rates included).
    /// <paramref name="structure"/> reuses a plant structure already read (bulk creation); null reads it.
    /// </summary>
    Task<Outcome<OrderActionResult>> CreateAsync(StoreTransaction transaction, CreateProductionOrder request, ProductStructure? structure, CancellationToken ct);

    /// <summary>
    /// One step of an order's life: release, issue, confirm, yield, scrap, hold, release-hold, complete, settle.
    /// A step the order's state does not allow is refused with the state and the rule.
    /// </summary>
    Task<Outcome<OrderActionResult>> ActAsync(StoreTransaction transaction, string number, string action, OrderAction body, string actor, CancellationToken ct);

    /// <summary>Settled variances, filtered by plant, order, item and period (yyyymm).</summary>
    Task<IReadOnlyList<VarianceRow>> VariancesAsync(TaktStore store, string? plant, string? order, string? item, int? period, CancellationToken ct);

    /// <summary>Rolls up the plant's standard costs as of a date and keeps them as a simulated cost version.</summary>
    Task<Outcome<CostVersionView>> SimulateCostsAsync(TaktStore store, string plant, DateOnly validFrom, ChangeReason reason, CancellationToken ct);

    /// <summary>simulated → marked (chosen for release).</summary>
    Task<Outcome<CostVersionView>> MarkCostsAsync(TaktStore store, string version, string actor, CancellationToken ct);

    /// <summary>marked → released: the estimates become standard costs and stock on hand is revalued (one transaction).</summary>
    Task<Outcome<CostVersionView>> ReleaseCostsAsync(TaktStore store, string version, ChangeReason reason, CancellationToken ct);

    Task<CostVersionView?> CostVersionAsync(TaktStore store, string version, CancellationToken ct);
}
