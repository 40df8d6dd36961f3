namespace Takt.Contracts;

/// <summary>An ISO 4217 currency with its minor units (EUR 2, JPY 0, KWD 3).</summary>
public readonly record struct Currency
{
    private static readonly Dictionary<string, int> Known = new(StringComparer.Ordinal)
    {
        ["EUR"] = 2, ["USD"] = 2, ["GBP"] = 2, ["CHF"] = 2, ["PLN"] = 2, ["CZK"] = 2, ["SEK"] = 2,
        ["CNY"] = 2, ["JPY"] = 0, ["KWD"] = 3,
    };

    private Currency(string code, int minorUnits) => (Code, MinorUnits) = (code, minorUnits);

    /// <summary>The three-letter ISO 4217 code, upper case.</summary>
    public string Code { get; }

    /// <summary>Digits after the decimal point that the currency is settled in (0 to 3).</summary>
    public int MinorUnits { get; }

    /// <summary>Euro.</summary>
    public static Currency Eur { get; } = new("EUR", 2);

    /// <summary>Returns the currency for an ISO 4217 code, or false when Takt does not know it.</summary>
    public static bool TryParse(string? code, out Currency currency)
    {
        if (code is not null && Known.TryGetValue(code, out var minor))
        {
            currency = new Currency(code, minor);
            return true;
        }

        currency = default;
        return false;
    }

    /// <summary>Returns the currency for a known ISO 4217 code; throws for an unknown one (a bug, not input).</summary>
    public static Currency Of(string code) =>
        TryParse(code, out var c) ? c : throw new ArgumentException($"Unknown currency '{code}'.", nameof(code));

    /// <inheritdoc />
    public override string ToString() => Code;
}

/// <summary>An amount of money in one currency. Arithmetic never mixes currencies.</summary>
/// <param name="Amount">The amount; any scale, rounded only by <see cref="RoundToMinorUnits"/>.</param>
/// <param name="Currency">The currency.</param>
public readonly record struct Money(decimal Amount, Currency Currency)
{
    /// <summary>Zero in a currency.</summary>
    public static Money Zero(Currency currency) => new(0m, currency);

    /// <summary>Adds two amounts of the same currency.</summary>
    public static Money operator +(Money a, Money b) => a.Currency == b.Currency
        ? new(a.Amount + b.Amount, a.Currency)
        : throw new InvalidOperationException($"Cannot add {b.Currency} to {a.Currency}.");

    /// <summary>Subtracts two amounts of the same currency.</summary>
    public static Money operator -(Money a, Money b) => a.Currency == b.Currency
        ? new(a.Amount - b.Amount, a.Currency)
        : throw new InvalidOperationException($"Cannot subtract {b.Currency} from {a.Currency}.");

    /// <summary>Negates the amount.</summary>
    public static Money operator -(Money a) => a with { Amount = -a.Amount };

    /// <summary>Multiplies by a factor (a quantity or a rate); the result is not rounded.</summary>
    public static Money operator *(Money a, decimal factor) => a with { Amount = a.Amount * factor };

    /// <summary>Adds two amounts of the same currency.</summary>
    public static Money Add(Money a, Money b) => a + b;

    /// <summary>Subtracts two amounts of the same currency.</summary>
    public static Money Subtract(Money a, Money b) => a - b;

    /// <summary>Negates the amount.</summary>
    public static Money Negate(Money a) => -a;

    /// <summary>Multiplies by a factor.</summary>
    public static Money Multiply(Money a, decimal factor) => a * factor;

    /// <summary>Commercial rounding to the currency's ISO 4217 minor units (EUR 2, JPY 0, KWD 3).</summary>
    public Money RoundToMinorUnits() =>
        this with { Amount = Math.Round(Amount, Currency.MinorUnits, MidpointRounding.AwayFromZero) };

    /// <inheritdoc />
    public override string ToString() => $"{Amount} {Currency.Code}";
}
