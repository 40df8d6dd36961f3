using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Takt.Store;

/// <summary>
/// The SQLite write path below ADO.NET: statements prepared once per session and bound by index through
/// SQLitePCLRaw on the connection's own handle (so they join its transaction). Microsoft.Data.Sqlite binds
/// every parameter by name, a linear search per parameter, which made multi-row inserts slower than single
/// rows; here a row costs a bind and a step. Used only for staged writes; reads stay on ADO.NET.
/// </summary>
internal sealed class SqliteStatements(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, sqlite3_stmt> statements = new(StringComparer.Ordinal);

    public void Execute(string sql, List<object?[]> rows)
    {
        var db = connection.Handle!;
        if (!statements.TryGetValue(sql, out var statement))
        {
            Check(db, raw.sqlite3_prepare_v2(db, sql, out statement));
            var expected = rows.Count * rows[0].Length;
            if (raw.sqlite3_bind_parameter_count(statement) != expected
                || raw.sqlite3_bind_parameter_name(statement, expected).utf8_to_string() != "$" + expected.ToString(CultureInfo.InvariantCulture))
            {
                statement.Dispose();
                throw new InvalidOperationException($"Staged SQL must use $1…${expected} in order of appearance: {sql}");
            }

            statements[sql] = statement;
        }

        var index = 1;
        foreach (var row in rows)
        {
            foreach (var value in row)
                Bind(statement, index++, value);
        }

        var rc = raw.sqlite3_step(statement);
        var message = rc == raw.SQLITE_DONE || rc == raw.SQLITE_ROW ? null : raw.sqlite3_errmsg(db).utf8_to_string();
        var extended = raw.sqlite3_extended_errcode(db);
        raw.sqlite3_reset(statement);
        if (message is not null)
            throw new SqliteException($"SQLite Error {rc}: '{message}'.", rc, extended);
    }

    private static void Bind(sqlite3_stmt statement, int index, object? value)
    {
        var rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(statement, index),
            long l => raw.sqlite3_bind_int64(statement, index, l),
            int i => raw.sqlite3_bind_int64(statement, index, i),
            bool b => raw.sqlite3_bind_int64(statement, index, b ? 1 : 0),
            string s => raw.sqlite3_bind_text16(statement, index, s.AsSpan()),
            double d => raw.sqlite3_bind_double(statement, index, d),
            byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
            _ => throw new ArgumentException($"Staged values are long, int, bool, string, double or byte[]; got {value.GetType().Name}.", nameof(value)),
        };
        if (rc != raw.SQLITE_OK)
            throw new SqliteException($"SQLite could not bind parameter {index} (error {rc}).", rc);
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
            throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(db));
    }

    public void Dispose()
    {
        foreach (var statement in statements.Values)
            statement.Dispose();
        statements.Clear();
    }
}
