namespace Takt.Contracts.Events;

/// <summary>A planned component of a production order (snapshot of the BOM when the order was created).</summary>
/// <param name="Item">Component item number.</param>
/// <param name="Quantity">Planned quantity for the whole order, scrap factor included, in the item's base unit; 0 for an unplanned alternate.</param>
/// <param name="PlanPrice">Standard cost per base unit when the order was created (company currency).</param>
/// <param name="AlternateGroup">Alternate group, if the line has alternates.</param>
public sealed record PlannedComponent(string Item, QuantityValue Quantity, decimal PlanPrice, string? AlternateGroup = null);

/// <summary><c>takt.production.order-created.v1</c>: a production order was created with a snapshot of its BOM and routing.</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Item">The product.</param>
/// <param name="Quantity">Order quantity in the product's base unit.</param>
/// <param name="DueDate">Due date (plant calendar).</param>
/// <param name="BomVersion">The BOM version the snapshot was taken from.</param>
/// <param name="Components">The planned components.</param>
/// <param name="Operations">Operation numbers of the routing snapshot.</param>
public sealed record ProductionOrderCreated(string Plant, string Order, string Item, QuantityValue Quantity, DateOnly DueDate, int BomVersion, IReadOnlyList<PlannedComponent> Components, IReadOnlyList<string> Operations);

/// <summary><c>takt.production.order-released.v1</c>: material and capacity were available; the shop floor may work the order.</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Item">The product.</param>
/// <param name="Quantity">Order quantity in the product's base unit.</param>
public sealed record ProductionOrderReleased(string Plant, string Order, string Item, QuantityValue Quantity);

/// <summary><c>takt.production.order-held.v1</c>: a quality hold; goods movements of the order are refused until it is released.</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Reason">Why the order is held.</param>
/// <param name="By">Who placed the hold.</param>
public sealed record ProductionOrderHeld(string Plant, string Order, string Reason, string By);

/// <summary><c>takt.production.order-hold-released.v1</c>: the quality hold was lifted.</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Reason">The disposition (why it may continue).</param>
/// <param name="By">Who lifted the hold.</param>
public sealed record ProductionOrderHoldReleased(string Plant, string Order, string Reason, string By);

/// <summary>
/// <c>takt.production.scrap-recorded.v1</c>: scrapped product with a reason code, not valued now: its target cost
/// becomes the scrap variance at settlement.
/// </summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Item">The product.</param>
/// <param name="Quantity">Scrapped quantity; greater than 0.</param>
/// <param name="ReasonCode">A scrap reason code (material-defect, machine-fault, operator-error, setup, quality-test).</param>
public sealed record ProductionScrapRecorded(string Plant, string Order, string Item, QuantityValue Quantity, string ReasonCode);

/// <summary><c>takt.production.order-technically-completed.v1</c>: no more shop-floor events; the order waits for settlement.</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Yield">Good quantity received.</param>
/// <param name="Scrap">Scrap quantity (confirmed and recorded).</param>
public sealed record ProductionOrderTechnicallyCompleted(string Plant, string Order, QuantityValue Yield, QuantityValue Scrap);

/// <summary>A settled variance category and its amount (positive: unfavourable, a debit to the variance account).</summary>
/// <param name="Category">price, usage, efficiency, scrap, mix or remaining.</param>
/// <param name="Amount">Amount in the currency of the settlement.</param>
public sealed record VarianceAmount(string Category, decimal Amount);

/// <summary><c>takt.production.order-settled.v1</c>: WIP of the order went to zero; the difference was split into variances.</summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Item">The product.</param>
/// <param name="Currency">ISO 4217 currency of the amounts.</param>
/// <param name="Wip">WIP balance that was settled.</param>
/// <param name="Variances">The categories with a non-zero amount.</param>
/// <param name="JournalEntry">The settlement entry, if anything was posted.</param>
public sealed record ProductionOrderSettled(string Plant, string Order, string Item, string Currency, decimal Wip, IReadOnlyList<VarianceAmount> Variances, Guid? JournalEntry = null);

/// <summary>
/// <c>takt.production.cost-released.v1</c>: a cost version became the standard cost of its plant from a date; stock on
/// hand was revalued.
/// </summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Version">Cost version id.</param>
/// <param name="ValidFrom">The date the costs apply from (the revaluation's posting date).</param>
/// <param name="Items">How many items got a new standard cost.</param>
/// <param name="Currency">ISO 4217 currency of the amount.</param>
/// <param name="Revaluation">Net change of stock value (positive: stock is worth more).</param>
/// <param name="JournalEntry">The revaluation entry, if stock value changed.</param>
public sealed record CostVersionReleased(string Plant, string Version, DateOnly ValidFrom, int Items, string Currency, decimal Revaluation, Guid? JournalEntry = null);
