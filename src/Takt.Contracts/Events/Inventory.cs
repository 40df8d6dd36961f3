namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.inventory.pick-instructed.v1</c>: Takt asks the WMS to pick allocated stock from a location and lot and
/// bring it to a destination (the production supply area for a production order, the shipping dock for a delivery).
/// </summary>
/// <param name="Allocation">The allocation's id: the WMS confirms picks against it.</param>
/// <param name="Version">1 for the instruction; each change or cancellation has the next version.</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Item">Item number.</param>
/// <param name="Location">Storage location to pick from.</param>
/// <param name="Lot">Lot to pick; absent when the item is not lot-managed.</param>
/// <param name="Quantity">Quantity to pick, in the item's base unit; greater than 0.</param>
/// <param name="Destination">Storage location the picked stock goes to.</param>
/// <param name="Reservation">The reservation the allocation serves.</param>
/// <param name="Reference">The production order or outbound delivery the reservation is for.</param>
/// <param name="RequirementDate">When the stock is needed (plant date).</param>
public sealed record PickInstructed(string Allocation, int Version, string Plant, string Item, string Location, string? Lot, QuantityValue Quantity, string Destination, string Reservation, string Reference, DateOnly RequirementDate);

/// <summary><c>takt.inventory.pick-changed.v1</c>: the quantity to pick of an open instruction changed.</summary>
/// <param name="Allocation">The allocation's id.</param>
/// <param name="Version">The instruction's new version (greater than every earlier one).</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Item">Item number.</param>
/// <param name="Location">Storage location to pick from.</param>
/// <param name="Lot">Lot to pick; absent when the item is not lot-managed.</param>
/// <param name="Quantity">The new total quantity to pick, in the item's base unit; greater than 0.</param>
public sealed record PickChanged(string Allocation, int Version, string Plant, string Item, string Location, string? Lot, QuantityValue Quantity);

/// <summary><c>takt.inventory.pick-cancelled.v1</c>: an open instruction is withdrawn; what was not yet picked is not to be picked.</summary>
/// <param name="Allocation">The allocation's id.</param>
/// <param name="Version">The instruction's new version.</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Reason">Why, for people.</param>
public sealed record PickCancelled(string Allocation, int Version, string Plant, string Reason);

/// <summary>
/// <c>takt.inventory.wms-picked.v1</c> (from the WMS): stock of an allocation was picked. Confirmations of one
/// allocation are numbered 1, 2, …; one that arrives before its predecessor is parked until the predecessor arrives.
/// </summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Allocation">The allocation of the pick instruction.</param>
/// <param name="Sequence">The confirmation's number for this allocation, from 1.</param>
/// <param name="Location">Where it was picked.</param>
/// <param name="Lot">Lot picked; absent when the item is not lot-managed.</param>
/// <param name="Quantity">Quantity picked; greater than 0.</param>
public sealed record WmsPicked(string Plant, string Allocation, int Sequence, string Location, string? Lot, QuantityValue Quantity);

/// <summary>
/// <c>takt.inventory.wms-put-away.v1</c> (from the WMS): received stock was put away from the receiving zone to a
/// storage location. Confirmations of one WMS task are numbered 1, 2, ….
/// </summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Task">The WMS task id.</param>
/// <param name="Sequence">The confirmation's number for this task, from 1.</param>
/// <param name="Item">Item number.</param>
/// <param name="Lot">Lot; absent when the item is not lot-managed.</param>
/// <param name="FromLocation">Where the stock was.</param>
/// <param name="ToLocation">Where it is now.</param>
/// <param name="Quantity">Quantity moved; greater than 0.</param>
public sealed record WmsPutAway(string Plant, string Task, int Sequence, string Item, string? Lot, string FromLocation, string ToLocation, QuantityValue Quantity);

/// <summary><c>takt.inventory.wms-moved.v1</c> (from the WMS): stock was moved between storage locations (replenishment, consolidation).</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Task">The WMS task id.</param>
/// <param name="Sequence">The confirmation's number for this task, from 1.</param>
/// <param name="Item">Item number.</param>
/// <param name="Lot">Lot; absent when the item is not lot-managed.</param>
/// <param name="FromLocation">Where the stock was.</param>
/// <param name="ToLocation">Where it is now.</param>
/// <param name="Quantity">Quantity moved; greater than 0.</param>
public sealed record WmsMoved(string Plant, string Task, int Sequence, string Item, string? Lot, string FromLocation, string ToLocation, QuantityValue Quantity);

/// <summary>
/// <c>takt.inventory.wms-counted.v1</c> (from the WMS): a bin (item, location, lot) was counted. With <c>Count</c> it
/// answers a line of that cycle-count document; without, the WMS counted on its own and Takt opens a one-line count
/// for the bin (book: Takt's stock there now). Either way the difference posts or waits for approval as counted
/// lines do, and the line counts for inventory accuracy. Confirmations of one WMS task are numbered 1, 2, ….
/// </summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Task">The WMS task id.</param>
/// <param name="Sequence">The confirmation's number for this task, from 1.</param>
/// <param name="Item">Item number.</param>
/// <param name="Lot">Lot; absent when the item is not lot-managed.</param>
/// <param name="Location">The storage location counted.</param>
/// <param name="Quantity">Quantity found; 0 or more.</param>
/// <param name="Count">The cycle-count document the count answers, if Takt asked for it.</param>
public sealed record WmsCounted(string Plant, string Task, int Sequence, string Item, string? Lot, string Location, QuantityValue Quantity, string? Count = null);

/// <summary>An amount with its ISO 4217 currency, as flows read money inputs.</summary>
/// <param name="Amount">The amount.</param>
/// <param name="Currency">ISO 4217 code.</param>
public sealed record MoneyValue(decimal Amount, string Currency);

/// <summary>
/// <c>takt.inventory.stock-adjustment-requested.v1</c>: a count difference or WMS correction above the plant's value
/// threshold waits for approval (the <c>stock-adjustment-approval</c> standard flow starts on it) before it posts (DESIGN §3).
/// </summary>
/// <param name="Request">The adjustment request's id (the flow's requester names it).</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Item">Item number.</param>
/// <param name="Location">Storage location.</param>
/// <param name="Lot">Lot; absent when the item is not lot-managed.</param>
/// <param name="Quantity">Signed difference to post, in the item's base unit.</param>
/// <param name="Value">Absolute value of the difference at standard cost.</param>
/// <param name="CostCenter">Cost center that bears the difference.</param>
/// <param name="Reason"><c>cycle-count</c> or <c>wms-reconciliation</c>.</param>
public sealed record StockAdjustmentRequested(string Request, string Plant, string Item, string Location, string? Lot, QuantityValue Quantity, MoneyValue Value, string CostCenter, string Reason);
