using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Takt.Store;

/// <summary>
/// Turns <c>INSERT INTO t (…) VALUES ($1, …, $n)</c> into one statement for many rows. Row counts are powers of
/// four (256, 64, 16, 4, 1) so a handful of prepared statements serve every batch.
/// </summary>
internal static class MultiRow
{
    private const int MaxParameters = 30_000; // SQLite allows 32,766, PostgreSQL 65,535
    private static readonly int[] Sizes = [256, 64, 16, 4, 1];
    private static readonly ConcurrentDictionary<(string, int), string> Texts = new();

    /// <summary>Plain single-row inserts only: no ON CONFLICT, no RETURNING, parameters $1…$n in order.</summary>
    public static bool Applies(string sql, int width) =>
        width > 0
        && sql.StartsWith("INSERT INTO ", StringComparison.Ordinal)
        && !sql.Contains("ON CONFLICT", StringComparison.Ordinal)
        && !sql.Contains("RETURNING", StringComparison.Ordinal)
        && sql.EndsWith(Values(1, width), StringComparison.Ordinal);

    public static int ChunkSize(int remaining, int width)
    {
        var limit = Math.Min(remaining, MaxParameters / width);
        foreach (var size in Sizes)
        {
            if (size <= limit)
                return size;
        }

        return 1;
    }

    public static string Sql(string sql, int width, int rows) => rows == 1 ? sql : Texts.GetOrAdd((sql, rows), key =>
    {
        var head = key.Item1[..^Values(1, width).Length];
        var text = new StringBuilder(head);
        for (var r = 0; r < key.Item2; r++)
        {
            if (r > 0)
                text.Append(", ");
            text.Append(Values((r * width) + 1, width));
        }

        return text.ToString();
    });

    private static string Values(int first, int width) =>
        "(" + string.Join(", ", Enumerable.Range(first, width).Select(i => "$" + i.ToString(CultureInfo.InvariantCulture))) + ")";
}
