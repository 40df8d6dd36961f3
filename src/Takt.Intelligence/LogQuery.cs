using System.Data.Common;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>A read of the process log on a plain connection, with positional parameters <c>$1</c>, <c>$2</c>, … on both engines.</summary>
internal static class LogQuery
{
    public static DbCommand Command(DbConnection connection, StoreEngine engine, string sql, params object?[] args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            var p = command.CreateParameter();
            if (engine == StoreEngine.Sqlite)
                p.ParameterName = "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            p.Value = args[i] ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return command;
    }

    /// <summary>
    /// The WHERE condition of a range of <c>intel_event e</c> (true when open), its arguments from <c>$1</c>. An open
    /// bound adds no condition, so the planner is not led to the time index for the whole log.
    /// </summary>
    public static string Range(ProcessLogRange range, out object?[] args)
    {
        var conditions = new List<string>();
        var values = new List<object?>();
        if (range.From is { } from)
        {
            values.Add(from.ToUnixMicroseconds());
            conditions.Add($"e.occurred_at_us >= ${values.Count}");
        }

        if (range.To is { } to)
        {
            values.Add(to.ToUnixMicroseconds());
            conditions.Add($"e.occurred_at_us < ${values.Count}");
        }

        if (range.Plant is { } plant)
        {
            values.Add(plant);
            conditions.Add($"e.plant = ${values.Count}");
        }

        args = [.. values];
        return conditions.Count == 0 ? "1 = 1" : string.Join(" AND ", conditions);
    }

    public static long FromUs(DateTimeOffset? from) => from?.ToUnixMicroseconds() ?? long.MinValue;

    public static long ToUs(DateTimeOffset? to) => to?.ToUnixMicroseconds() ?? long.MaxValue;
}
