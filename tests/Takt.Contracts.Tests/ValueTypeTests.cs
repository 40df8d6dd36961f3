using Takt.Contracts;
using Xunit;

namespace Takt.Contracts.Tests;

public sealed class ValueTypeTests
{
    [Fact]
    public void money_of_one_currency_adds_and_subtracts_exactly()
    {
        var a = new Money(0.1m, Currency.Eur);
        var b = new Money(0.2m, Currency.Eur);
        Assert.Equal(new Money(0.3m, Currency.Eur), a + b);
        Assert.Equal(new Money(-0.1m, Currency.Eur), a - b);
        Assert.Equal(new Money(-0.1m, Currency.Eur), -a);
    }

    [Fact]
    public void money_never_mixes_currencies()
    {
        var eur = new Money(1m, Currency.Eur);
        var usd = new Money(1m, Currency.Of("USD"));
        Assert.Throws<InvalidOperationException>(() => eur + usd);
        Assert.Throws<InvalidOperationException>(() => eur - usd);
    }

    [Theory]
    [InlineData("EUR", "2.345", "2.35")]
    [InlineData("EUR", "-2.345", "-2.35")]
    [InlineData("EUR", "2.344", "2.34")]
    [InlineData("JPY", "1234.5", "1235")]
    [InlineData("KWD", "1.23456", "1.235")]
    public void money_rounds_commercially_to_the_currency_minor_units(string code, string amount, string expected)
    {
        var rounded = new Money(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), Currency.Of(code)).RoundToMinorUnits();
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), rounded.Amount);
        Assert.Equal(code, rounded.Currency.Code);
    }

    [Fact]
    public void unknown_currency_codes_are_refused()
    {
        Assert.False(Currency.TryParse("EURO", out _));
        Assert.False(Currency.TryParse(null, out _));
        Assert.Throws<ArgumentException>(() => Currency.Of("XXX"));
    }

    [Theory]
    [InlineData("1250", "GRM", "KGM", "1.25")]
    [InlineData("2.5", "TNE", "KGM", "2500")]
    [InlineData("500", "MLT", "LTR", "0.5")]
    [InlineData("90", "MIN", "HUR", "1.5")]
    [InlineData("7200", "SEC", "HUR", "2")]
    [InlineData("12", "H87", "C62", "12")]
    public void quantities_convert_within_their_dimension(string value, string from, string to, string expected)
    {
        var parsed = decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(new Quantity(parsed, UnitOfMeasure.Of(from)).TryConvertTo(UnitOfMeasure.Of(to), out var converted));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), converted.Value);
        Assert.Equal(to, converted.Unit.Code);
    }

    [Theory]
    [InlineData("KGM", "H87")]
    [InlineData("HUR", "KGM")]
    [InlineData("LTR", "MTR")]
    public void quantities_never_convert_across_dimensions(string from, string to)
    {
        Assert.False(new Quantity(1m, UnitOfMeasure.Of(from)).TryConvertTo(UnitOfMeasure.Of(to), out _));
    }

    [Fact]
    public void outcome_is_either_a_value_or_violations()
    {
        Outcome<int> value = 42;
        Outcome<int> rejected = new Violation("/x", "x.rule", "Broken.");
        Assert.False(value.IsRejected);
        Assert.Equal(42, value.Value);
        Assert.True(rejected.IsRejected);
        Assert.Equal("x.rule", Assert.Single(rejected.Violations).Rule);
        Assert.Throws<InvalidOperationException>(() => rejected.Value);
        Assert.Throws<ArgumentException>(() => Outcome<int>.FromViolations([]));
    }
}
