namespace Takt.Contracts.Events;

/// <summary>A quantity as it travels in an event: a decimal number and a UN/ECE Rec 20 unit code.</summary>
/// <param name="Value">The amount; must be greater than 0 where the event says so; at most 6 decimals.</param>
/// <param name="Unit">UN/ECE Rec 20 code, e.g. <c>H87</c>, <c>KGM</c>, <c>HUR</c>, <c>MIN</c>.</param>
public sealed record QuantityValue(decimal Value, string Unit);
