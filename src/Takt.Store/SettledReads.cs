namespace Takt.Store;

/// <summary>
/// Reading an append-only table in sequence order from a position (the outbox log, the process log). On
/// PostgreSQL a sequence number is drawn before its transaction commits, so a reader could see 11 before the
/// transaction holding 10 commits and move past 10 for good; it reads only rows written by transactions older
/// than every running one (<c>pg_snapshot_xmin</c>; the table records its writer in an <c>xid8</c> column). SQLite
/// has one writer, so commit order is sequence order.
/// </summary>
public static class SettledReads
{
    /// <summary>" AND {txColumn} &lt; pg_snapshot_xmin(…)" on PostgreSQL, nothing on SQLite.</summary>
    public static string Condition(StoreEngine engine, string txColumn = "tx") =>
        engine == StoreEngine.Postgres ? $" AND {txColumn} < pg_snapshot_xmin(pg_current_snapshot())" : "";
}
