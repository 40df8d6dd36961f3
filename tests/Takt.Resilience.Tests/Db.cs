using System.Globalization;
using Dapper;
using Takt.Store;

namespace Takt.Resilience.Tests;

/// <summary>Plain reads for assertions, the same SQL on both engines (integers only: sums come back exact).</summary>
internal static class Db
{
    public static async Task<List<object?[]>> RowsAsync(TaktStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        var rows = await connection.QueryAsync(sql, args);
        return [.. rows.Select(r => ((IDictionary<string, object?>)r).Values.ToArray())];
    }

    /// <summary>First column(s) joined with '|' as the key, the last column as a number.</summary>
    public static async Task<Dictionary<string, long>> MapAsync(TaktStore store, string sql, object? args = null)
    {
        var rows = await RowsAsync(store, sql, args);
        return rows.ToDictionary(r => string.Join('|', r[..^1].Select(Text)), r => Long(r[^1]), StringComparer.Ordinal);
    }

    public static async Task<long> ScalarAsync(TaktStore store, string sql, object? args = null)
    {
        var rows = await RowsAsync(store, sql, args);
        return rows.Count == 0 ? 0 : Long(rows[0][0]);
    }

    public static long Long(object? value) => value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    public static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
