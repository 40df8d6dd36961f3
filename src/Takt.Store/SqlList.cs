namespace Takt.Store;

/// <summary>
/// Positional IN lists whose length is padded to a power of two (repeating the last value), so a few
/// prepared statements serve every batch size.
/// </summary>
public static class SqlList
{
    /// <summary>Returns "$first, …" and the padded values; an empty input yields one NULL (matches nothing).</summary>
    public static (string Fragment, object?[] Values) Of<T>(IReadOnlyCollection<T> values, int first = 1)
    {
        var count = values.Count == 0 ? 1 : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)values.Count);
        var padded = new object?[count];
        var i = 0;
        object? last = null;
        foreach (var v in values)
            padded[i++] = last = v;
        for (; i < count; i++)
            padded[i] = last;
        var fragment = string.Join(", ", Enumerable.Range(first, count).Select(n => "$" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return (fragment, padded);
    }
}
