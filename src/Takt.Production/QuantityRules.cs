using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Production;

/// <summary>Checks a quantity from an event and converts it, explicitly, to the unit Takt keeps it in.</summary>
internal static class QuantityRules
{
    public static Outcome<Quantity> Positive(QuantityValue value, UnitOfMeasure target, string field)
    {
        var violations = new List<Violation>();
        var converted = Convert(value, target, field, violations);
        if (violations.Count == 0 && value.Value <= 0)
            violations.Add(new Violation(field + "/value", "quantity.positive", $"Quantity must be greater than 0; got {value.Value}."));
        return violations.Count > 0 ? violations.ToArray() : new Quantity(converted, target);
    }

    /// <summary>Absent means 0. Adds violations and returns 0 when the quantity is unusable.</summary>
    public static decimal NonNegative(QuantityValue? value, UnitOfMeasure target, string field, List<Violation> violations)
    {
        if (value is null)
            return 0m;
        var before = violations.Count;
        var converted = Convert(value, target, field, violations);
        if (violations.Count == before && value.Value < 0)
            violations.Add(new Violation(field + "/value", "quantity.non-negative", $"Quantity must not be negative; got {value.Value}."));
        return violations.Count > before ? 0m : converted;
    }

    private static decimal Convert(QuantityValue value, UnitOfMeasure target, string field, List<Violation> violations)
    {
        if (!UnitOfMeasure.TryParse(value.Unit, out var unit))
        {
            violations.Add(new Violation(field + "/unit", "unit.unknown", $"'{value.Unit}' is not a UN/ECE Rec 20 unit Takt knows."));
            return 0m;
        }

        if (!new Quantity(value.Value, unit).TryConvertTo(target, out var converted))
        {
            violations.Add(new Violation(field + "/unit", "quantity.unit-not-convertible", $"{unit.Code} ({unit.Dimension}) does not convert to {target.Code} ({target.Dimension})."));
            return 0m;
        }

        // Conversions such as MIN → HUR can give repeating decimals; round to the stored precision, a named step.
        var rounded = Math.Round(converted.Value, 6, MidpointRounding.AwayFromZero);
        if (!Fixed.FitsE6(rounded) || (unit == target && rounded != value.Value))
        {
            violations.Add(new Violation(field + "/value", "quantity.precision", $"Quantity {value.Value} {unit.Code} has more than 6 decimals in {target.Code} or is too large."));
            return 0m;
        }

        return rounded;
    }
}
