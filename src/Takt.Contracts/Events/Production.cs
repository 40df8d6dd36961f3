namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.production.material-issued.v1</c>: the shop floor took a component out of stock for a production order.
/// Posts WIP against inventory at the component's standard cost (DESIGN §3).
/// </summary>
/// <param name="Plant">Plant code; must be the order's plant.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Item">Component item number; must be on the order's bill of material.</param>
/// <param name="Quantity">Quantity issued; greater than 0, in a unit convertible to the item's base unit.</param>
public sealed record MaterialIssued(string Plant, string Order, string Item, QuantityValue Quantity);

/// <summary>
/// <c>takt.production.operation-confirmed.v1</c>: an operation of a production order reports good and scrap
/// quantities and the machine and labour time used. Posts WIP against absorbed conversion cost at the work
/// center's rates, and scrap expense against WIP (DESIGN §3).
/// </summary>
/// <param name="Plant">Plant code; must be the order's plant.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Operation">Operation number on the order's routing, e.g. <c>0010</c>.</param>
/// <param name="WorkCenter">Work center that did the work; must be the operation's work center.</param>
/// <param name="GoodQuantity">Good quantity, in the order's unit (or convertible); 0 or more.</param>
/// <param name="ScrapQuantity">Scrapped quantity; 0 or more; absent means 0.</param>
/// <param name="MachineTime">Machine time (HUR, MIN or SEC); 0 or more; absent means 0.</param>
/// <param name="LabourTime">Labour time (HUR, MIN or SEC); 0 or more; absent means 0.</param>
public sealed record OperationConfirmed(
    string Plant,
    string Order,
    string Operation,
    string WorkCenter,
    QuantityValue GoodQuantity,
    QuantityValue? ScrapQuantity = null,
    QuantityValue? MachineTime = null,
    QuantityValue? LabourTime = null);

/// <summary>
/// <c>takt.production.yield-reported.v1</c>: finished (or semi-finished) goods received from a production order
/// into stock. Posts finished goods inventory against WIP at the product's standard cost (DESIGN §3).
/// </summary>
/// <param name="Plant">Plant code; must be the order's plant.</param>
/// <param name="Order">Production order number.</param>
/// <param name="Item">The order's product.</param>
/// <param name="Quantity">Quantity received; greater than 0.</param>
public sealed record YieldReported(string Plant, string Order, string Item, QuantityValue Quantity);
