using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Inventory.Stock;

/// <summary>Checks a quantity from a request and converts it, explicitly, to the item's base unit.</summary>
internal static class QuantityInput
{
    /// <summary>A quantity in <paramref name="target"/>; <paramref name="signed"/> allows negative values (adjustments), never 0.</summary>
    public static decimal? Convert(QuantityValue? value, UnitOfMeasure target, string field, List<Violation> violations, bool signed = false)
    {
        if (value is null)
        {
            violations.Add(new Violation(field, "quantity.required", "A quantity {value, unit} is required."));
            return null;
        }

        if (!UnitOfMeasure.TryParse(value.Unit, out var unit))
        {
            violations.Add(new Violation(field + "/unit", "unit.unknown", $"'{value.Unit}' is not a UN/ECE Rec 20 unit Takt knows."));
            return null;
        }

        if (!new Quantity(value.Value, unit).TryConvertTo(target, out var converted))
        {
            violations.Add(new Violation(field + "/unit", "quantity.unit-not-convertible", $"{unit.Code} ({unit.Dimension}) does not convert to {target.Code} ({target.Dimension})."));
            return null;
        }

        var rounded = Math.Round(converted.Value, 6, MidpointRounding.AwayFromZero);
        if (!Fixed.FitsE6(rounded) || (unit == target && rounded != value.Value))
        {
            violations.Add(new Violation(field + "/value", "quantity.precision", $"Quantity {value.Value} {unit.Code} has more than 6 decimals in {target.Code} or is too large."));
            return null;
        }

        if (signed ? rounded == 0 : rounded <= 0)
        {
            violations.Add(new Violation(field + "/value", signed ? "quantity.non-zero" : "quantity.positive",
                signed ? "Quantity must not be 0." : $"Quantity must be greater than 0; got {value.Value}."));
            return null;
        }

        return rounded;
    }
}
