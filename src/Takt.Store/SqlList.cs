using System.Text.Json;

namespace Takt.Store;

/// <summary>
/// A list of keys as ONE parameter: <c>column IN (SELECT value FROM json_each($n))</c> on SQLite,
/// <c>column = ANY($n)</c> on PostgreSQL. One prepared statement serves every list length, and binding costs one
/// parameter instead of one per key (Microsoft.Data.Sqlite binds each parameter by name, so long positional
/// lists cost quadratic time).
/// </summary>
public static class SqlList
{
    /// <summary>The condition "<paramref name="column"/> is one of the values" on parameter <c>$parameter</c>, and its value.</summary>
    public static (string Condition, object Value) In(StoreEngine engine, string column, IReadOnlyCollection<string> values, int parameter = 1)
    {
        var p = "$" + parameter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return engine == StoreEngine.Postgres
            ? ($"{column} = ANY({p})", values.ToArray())
            : ($"{column} IN (SELECT value FROM json_each({p}))", JsonSerializer.Serialize(values));
    }

    /// <summary>The same for a transaction's engine.</summary>
    public static (string Condition, object Value) In(StoreTransaction transaction, string column, IReadOnlyCollection<string> values, int parameter = 1) =>
        In(transaction.Engine, column, values, parameter);

    /// <summary>The same for 64-bit integer keys.</summary>
    public static (string Condition, object Value) In(StoreEngine engine, string column, IReadOnlyCollection<long> values, int parameter = 1)
    {
        var p = "$" + parameter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return engine == StoreEngine.Postgres
            ? ($"{column} = ANY({p})", values.ToArray())
            : ($"{column} IN (SELECT value FROM json_each({p}))", JsonSerializer.Serialize(values));
    }
}
