namespace Takt.Integration.Adapters.B2mml;

/// <summary>A component an order consumes, in the item's base unit.</summary>
public sealed record ScheduledComponent(string Item, decimal Quantity, string Unit);

/// <summary>An operation of an order's routing.</summary>
public sealed record ScheduledOperation(string Operation, string WorkCenter, string Description);

/// <summary>A released production order, as the schedule sent to the MES describes it.</summary>
public sealed record ScheduledOrder(
    string Number,
    string Item,
    decimal Quantity,
    string Unit,
    int Priority,
    DateOnly DueDate,
    IReadOnlyList<ScheduledComponent> Components,
    IReadOnlyList<ScheduledOperation> Operations);

/// <summary>A plant's released orders; the time zone turns due dates into instants.</summary>
public sealed record PlantSchedule(string Plant, string Name, TimeZoneInfo TimeZone, IReadOnlyList<ScheduledOrder> Orders);

/// <summary>
/// What the schedule adapters read. Integration depends on no other module (DESIGN §1): the host implements this
/// with the production module's public interface.
/// </summary>
public interface IProductionSchedule
{
    /// <summary>The plant's released orders, or null when there is no such plant.</summary>
    Task<PlantSchedule?> ReleasedOrdersAsync(string plant, CancellationToken ct);
}
