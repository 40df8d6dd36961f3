using Takt.Contracts;
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
    IReadOnlyList<OperationView> Operations);

/// <summary>Production orders: release, shop-floor events (issue, confirmation, yield), queries.</summary>
public interface IProduction
{
    Task<Outcome<string>> ReleaseAsync(StoreTransaction transaction, ProductionOrderDraft draft, CancellationToken ct);

    Task<ProductionOrderView?> OrderAsync(TaktStore store, string number, CancellationToken ct);

    Task<IReadOnlyList<ProductionOrderView>> OrdersAsync(TaktStore store, string? plant, int limit, CancellationToken ct);
}
