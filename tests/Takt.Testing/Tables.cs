using System.Globalization;
using Dapper;
using Takt.Store;
using Xunit;

namespace Takt.Testing;

/// <summary>Direct reads of the database, for assertions about what was (or was not) written.</summary>
public static class Tables
{
    /// <summary>
    /// Every Takt table with its row count, to prove a rejection changed nothing. Excluded: migrations, and the
    /// audit log, which records every request's authorization decision — a rejected one too, and written
    /// asynchronously (README: Clients and access).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> RowCountsAsync(TaktStore store)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        var tables = store.Engine == StoreEngine.Sqlite
            ? await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('store_migration', 'integration_audit') ORDER BY name")
            : await connection.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('store_migration', 'integration_audit') ORDER BY tablename");
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
            counts[table] = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
        return counts;
    }

    /// <summary>A fingerprint of mutable rows (orders, components, operations, stock) to prove no update happened.</summary>
    public static async Task<string> StateAsync(TaktStore store)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        var parts = new List<string>();
        foreach (var sql in new[]
        {
            "SELECT number, status, yield_e6, scrap_e6, wip_e4, version FROM production_order ORDER BY number",
            "SELECT order_number, item, issued_e6 FROM production_order_component ORDER BY order_number, item",
            "SELECT order_number, operation, good_e6, scrap_e6, machine_hours_e6, labour_hours_e6 FROM production_order_operation ORDER BY order_number, operation",
            "SELECT plant, item, quantity_e6, value_e4 FROM inventory_stock ORDER BY plant, item",
        })
        {
            foreach (var row in await connection.QueryAsync(sql))
                parts.Add(string.Join('|', ((IDictionary<string, object>)row).Values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        }

        return string.Join('\n', parts);
    }

    /// <summary>
    /// Row counts and mutable state together: equal snapshots mean nothing was written. Tables derived from the
    /// process log by background readers (the object index, the KPI counts) follow the log a moment late, so the
    /// snapshot first waits until every reader in <c>intel_indexer</c> has reached the log's last event; otherwise
    /// a reader catching up on earlier events would look like a write. A reader that does not move at all for a few
    /// seconds is not running (a store without a host), and the counts are stable then.
    /// </summary>
    public static async Task<DatabaseSnapshot> SnapshotAsync(TaktStore store)
    {
        await DerivedTablesCaughtUpAsync(store);
        return new(await RowCountsAsync(store), await StateAsync(store));
    }

    private static async Task DerivedTablesCaughtUpAsync(TaktStore store)
    {
        const string behindSql = "SELECT COALESCE(SUM((SELECT COALESCE(MAX(seq), 0) FROM intel_event) - position), 0) FROM intel_indexer";
        var idle = TimeSpan.FromSeconds(3);
        long? last = null;
        var lastMoved = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var behind = await CountAsync(store, behindSql);
            if (behind <= 0)
                return;
            if (behind != last)
            {
                last = behind;
                lastMoved.Restart();
            }
            else if (lastMoved.Elapsed > idle)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    /// <summary>Rows mapped by Dapper (select bigint/text columns: they map the same on both engines).</summary>
    public static async Task<IReadOnlyList<T>> QueryAsync<T>(TaktStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<T>(sql, args)];
    }

    public static async Task<long> CountAsync(TaktStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    public static async Task ExecuteAsync(TaktStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, args);
    }
}

/// <summary>What <see cref="Tables.SnapshotAsync"/> saw: every table's row count and the mutable rows' fingerprint.</summary>
public sealed record DatabaseSnapshot(IReadOnlyDictionary<string, long> RowCounts, string State)
{
    /// <summary>Fails unless <paramref name="later"/> has the same row counts and the same mutable rows.</summary>
    public void AssertUnchanged(DatabaseSnapshot later)
    {
        Assert.Empty(RowCounts.Keys.Union(later.RowCounts.Keys)
            .Where(t => RowCounts.GetValueOrDefault(t) != later.RowCounts.GetValueOrDefault(t))
            .Select(t => $"{t}: {RowCounts.GetValueOrDefault(t)} rows → {later.RowCounts.GetValueOrDefault(t)}"));
        Assert.Equal(State, later.State);
    }
}
