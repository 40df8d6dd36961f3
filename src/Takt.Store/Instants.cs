using System.Globalization;

namespace Takt.Store;

/// <summary>
/// How values are stored the same way on both engines: instants as microseconds since the Unix epoch
/// (bigint), money as 1/10,000 of the unit (bigint, exact sums in SQL on SQLite too), quantities as
/// 1/1,000,000 of the unit, dates as yyyymmdd integers.
/// </summary>
public static class Instants
{
    public static long ToUnixMicroseconds(this DateTimeOffset instant) =>
        (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromUnixMicroseconds(long microseconds) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * 10), TimeSpan.Zero);

    public static int ToDateKey(this DateOnly date) => (date.Year * 10000) + (date.Month * 100) + date.Day;

    public static DateOnly FromDateKey(int key) => new(key / 10000, key / 100 % 100, key % 100);

    public static string Format(this DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

public static class Fixed
{
    public const decimal MoneyScale = 10_000m;
    public const decimal QuantityScale = 1_000_000m;

    /// <summary>Money to its stored form; throws if it has more than 4 decimals (round first: a bug otherwise).</summary>
    public static long ToE4(decimal amount)
    {
        var scaled = amount * MoneyScale;
        return scaled == decimal.Truncate(scaled)
            ? (long)scaled
            : throw new ArgumentException($"Amount {amount} has more than 4 decimals.", nameof(amount));
    }

    public static decimal FromE4(long stored) => stored / MoneyScale;

    /// <summary>True when the quantity fits the stored precision (6 decimals).</summary>
    public static bool FitsE6(decimal quantity)
    {
        var scaled = quantity * QuantityScale;
        return scaled == decimal.Truncate(scaled) && Math.Abs(scaled) < 9e17m;
    }

    public static long ToE6(decimal quantity)
    {
        var scaled = quantity * QuantityScale;
        return scaled == decimal.Truncate(scaled)
            ? (long)scaled
            : throw new ArgumentException($"Quantity {quantity} has more than 6 decimals.", nameof(quantity));
    }

    public static decimal FromE6(long stored) => stored / QuantityScale;
}
