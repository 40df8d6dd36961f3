namespace Takt.Contracts;

/// <summary>What a unit measures; units convert only within one dimension.</summary>
public enum Dimension
{
    /// <summary>Pieces and other counted units.</summary>
    Count,
    /// <summary>Mass.</summary>
    Mass,
    /// <summary>Length.</summary>
    Length,
    /// <summary>Volume.</summary>
    Volume,
    /// <summary>Duration.</summary>
    Time,
}

/// <summary>A unit of measure by its UN/ECE Recommendation 20 code (H87 piece, KGM kilogram, HUR hour).</summary>
public readonly record struct UnitOfMeasure
{
    private static readonly Dictionary<string, UnitOfMeasure> Known = new UnitOfMeasure[]
    {
        new("H87", Dimension.Count, 1m), new("C62", Dimension.Count, 1m),
        new("KGM", Dimension.Mass, 1m), new("GRM", Dimension.Mass, 0.001m), new("TNE", Dimension.Mass, 1000m),
        new("MTR", Dimension.Length, 1m), new("CMT", Dimension.Length, 0.01m), new("MMT", Dimension.Length, 0.001m),
        new("LTR", Dimension.Volume, 1m), new("MLT", Dimension.Volume, 0.001m),
        new("HUR", Dimension.Time, 3600m), new("MIN", Dimension.Time, 60m), new("SEC", Dimension.Time, 1m),
    }.ToDictionary(u => u.Code, StringComparer.Ordinal);

    private UnitOfMeasure(string code, Dimension dimension, decimal toSiFactor) =>
        (Code, Dimension, ToSiFactor) = (code, dimension, toSiFactor);

    /// <summary>The UN/ECE Rec 20 code.</summary>
    public string Code { get; }

    /// <summary>What the unit measures.</summary>
    public Dimension Dimension { get; }

    /// <summary>How many of the dimension's reference unit (piece, kg, m, l, s) one of this unit is; exact decimals, so conversions divide once.</summary>
    public decimal ToSiFactor { get; }

    /// <summary>Piece (H87).</summary>
    public static UnitOfMeasure Piece => Known["H87"];

    /// <summary>Kilogram (KGM).</summary>
    public static UnitOfMeasure Kilogram => Known["KGM"];

    /// <summary>Hour (HUR).</summary>
    public static UnitOfMeasure Hour => Known["HUR"];

    /// <summary>Returns the unit for a Rec 20 code Takt knows.</summary>
    public static bool TryParse(string? code, out UnitOfMeasure unit)
    {
        if (code is not null && Known.TryGetValue(code, out unit))
            return true;
        unit = default;
        return false;
    }

    /// <summary>Returns the unit for a known code; throws for an unknown one (a bug, not input).</summary>
    public static UnitOfMeasure Of(string code) =>
        TryParse(code, out var u) ? u : throw new ArgumentException($"Unknown unit '{code}'.", nameof(code));

    /// <inheritdoc />
    public override string ToString() => Code;
}

/// <summary>A quantity with its unit. Conversion is explicit and only within a dimension.</summary>
/// <param name="Value">The amount, in <paramref name="Unit"/>.</param>
/// <param name="Unit">The unit of measure.</param>
public readonly record struct Quantity(decimal Value, UnitOfMeasure Unit)
{
    /// <summary>Converts to another unit of the same dimension; false when the dimensions differ.</summary>
    public bool TryConvertTo(UnitOfMeasure target, out Quantity converted)
    {
        if (target.Dimension != Unit.Dimension)
        {
            converted = default;
            return false;
        }

        converted = Unit == target ? this : new Quantity(Value * Unit.ToSiFactor / target.ToSiFactor, target);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Value} {Unit.Code}";
}
