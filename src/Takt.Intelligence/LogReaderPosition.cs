using System.Globalization;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// The position of a background reader that follows the process log in commit order (<c>intel_indexer</c>: the object
/// index, the KPI counts, the log sealer). A turn reads the events after the position outside its transaction, then,
/// inside it, checks that the position is still where it read from before it writes: on PostgreSQL under the row's
/// lock (and the reader's advisory lock, when it has one), so of two nodes' turns over the same events one writes and
/// the other writes nothing. The new position is staged with the turn's writes and commits with them.
/// </summary>
internal static class LogReaderPosition
{
    private const string Sql = "SELECT position FROM intel_indexer WHERE name = $1";

    public static async Task<long> ReadAsync(StoreSession session, string reader, CancellationToken ct) =>
        Convert.ToInt64(await session.Read(Sql, reader).ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);

    /// <summary>True when the reader's position is still <paramref name="expected"/>; false: another turn moved it, and this one writes nothing.</summary>
    public static async Task<bool> StillAtAsync(StoreTransaction tx, string reader, long expected, string? advisoryLock, CancellationToken ct)
    {
        var postgres = tx.Engine == StoreEngine.Postgres;
        if (postgres && advisoryLock is not null)
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext($1))", ct, advisoryLock);
        var position = await tx.Command(Sql + (postgres ? " FOR UPDATE" : ""), reader).ExecuteScalarAsync(ct);
        return Convert.ToInt64(position, CultureInfo.InvariantCulture) == expected;
    }

    public static void Stage(StoreTransaction tx, string reader, long position) =>
        tx.Stage("UPDATE intel_indexer SET position = $1 WHERE name = $2", position, reader);
}
