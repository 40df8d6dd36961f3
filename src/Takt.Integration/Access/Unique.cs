using System.Data.Common;

namespace Takt.Integration.Access;

internal static class Unique
{
    /// <summary>A primary key or unique constraint refused a row (two requests raced for the same key).</summary>
    public static bool IsViolation(DbException ex) => ex switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 1555 or 2067, // SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE
        _ => false,
    };
}
