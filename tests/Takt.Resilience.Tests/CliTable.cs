namespace Takt.Resilience.Tests;

/// <summary>
/// Reads the rows of a table the CLI printed with box characters. Spectre.Console wraps cells at 80 columns
/// when the output is not a terminal, so a logical row spans several lines: its pieces are joined here.
/// </summary>
internal static class CliTable
{
    /// <summary>Each logical row's cells (pieces joined without separators); the header row included.</summary>
    public static IReadOnlyList<string[]> Rows(string output)
    {
        var rows = new List<string[]>();
        foreach (var line in output.Split('\n'))
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith('│'))
                continue;

            var cells = trimmed.Trim('│').Split('│').Select(c => c.Trim()).ToArray();
            if (cells[0].Length > 0 || rows.Count == 0)
            {
                rows.Add(cells);
                continue;
            }

            var row = rows[^1];
            for (var i = 0; i < Math.Min(row.Length, cells.Length); i++)
                row[i] += cells[i];
        }

        return rows;
    }
}
