using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Takt.Store;

/// <summary>A module's schema: embedded <c>Schema/Sqlite/NNN_name.sql</c> and <c>Schema/Postgres/NNN_name.sql</c>.</summary>
/// <param name="Module">Module name, also its table prefix.</param>
/// <param name="Assembly">The assembly holding the scripts.</param>
public sealed record SchemaModule(string Module, Assembly Assembly);

/// <summary>
/// Applies each module's numbered SQL scripts once, in order, each in its own transaction, recording them in
/// <c>store_migration</c>. Several nodes starting at once on PostgreSQL serialize on an advisory lock.
/// </summary>
public static partial class Migrations
{
    private const long AdvisoryLockKey = 0x74616b74; // "takt"

    public static async Task<int> ApplyAsync(TaktStore store, IEnumerable<SchemaModule> modules, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await ExecAsync(connection, null, store.Engine == StoreEngine.Sqlite
            ? "CREATE TABLE IF NOT EXISTS store_migration (module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (module, version))"
            : "CREATE TABLE IF NOT EXISTS store_migration (module text NOT NULL, version integer NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, version))", ct);

        var applied = 0;
        foreach (var module in modules)
        {
            foreach (var script in Scripts(module, store.Engine))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                if (store.Engine == StoreEngine.Postgres)
                    await ExecAsync(connection, tx, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", ct);
                await using (var check = connection.CreateCommand())
                {
                    check.Transaction = tx;
                    check.CommandText = $"SELECT COUNT(*) FROM store_migration WHERE module = '{module.Module}' AND version = {script.Version}";
                    if (Convert.ToInt64(await check.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0)
                        continue;
                }

                await ExecAsync(connection, tx, script.Sql, ct);
                await ExecAsync(connection, tx, store.Engine == StoreEngine.Sqlite
                    ? $"INSERT INTO store_migration (module, version, name, applied_at) VALUES ('{module.Module}', {script.Version}, '{script.Name}', datetime('now'))"
                    : $"INSERT INTO store_migration (module, version, name) VALUES ('{module.Module}', {script.Version}, '{script.Name}')", ct);
                await tx.CommitAsync(ct);
                applied++;
            }
        }

        return applied;
    }

    internal sealed record Script(int Version, string Name, string Sql);

    internal static IEnumerable<Script> Scripts(SchemaModule module, StoreEngine engine)
    {
        var marker = engine == StoreEngine.Sqlite ? ".Schema.Sqlite." : ".Schema.Postgres.";
        return module.Assembly.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^4];
                var match = ScriptName().Match(file);
                if (!match.Success)
                    throw new InvalidOperationException($"Schema script '{n}' must be named NNN_name.sql.");
                using var stream = module.Assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new Script(int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd());
            })
            .OrderBy(s => s.Version);
    }

    private static async Task ExecAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    [GeneratedRegex(@"^_?(?<version>\d+)_(?<name>[a-z0-9_]+)$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ScriptName();
}
