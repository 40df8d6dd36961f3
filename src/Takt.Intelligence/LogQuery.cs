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

    public static long FromUs(DateTimeOffset? from) => from?.ToUnixMicroseconds() ?? long.MinValue;

    public static long ToUs(DateTimeOffset? to) => to?.ToUnixMicroseconds() ?? long.MaxValue;
}
