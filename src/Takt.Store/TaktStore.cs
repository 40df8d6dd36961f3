using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Takt.Store;

public enum StoreEngine
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The one database every module writes to: an embedded SQLite file (WAL) or PostgreSQL. Modules own their
/// tables (prefixed with the module name); a request's writes in all modules share one transaction.
/// </summary>
public sealed class TaktStore
{
    private TaktStore(StoreEngine engine, string connectionString, string display)
    {
        Engine = engine;
        ConnectionString = connectionString;
        Display = display;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, WriteGate> SqliteWriteGates = new(StringComparer.Ordinal);

    public StoreEngine Engine { get; }

    /// <summary>
    /// SQLite has one writer per file. Writers in this process queue here instead of colliding on the file
    /// lock, where SQLite's busy handler would sleep and retry (milliseconds lost per collision).
    /// </summary>
    internal WriteGate? WriteGate => Engine == StoreEngine.Sqlite ? SqliteWriteGates.GetOrAdd(Display, _ => new WriteGate()) : null;

    public string ConnectionString { get; }

    /// <summary>Where the data lives, without secrets: a file path or host/database.</summary>
    public string Display { get; }

    /// <summary>
    /// A SQLite file path, or a PostgreSQL connection string (<c>Host=…</c> or a <c>postgres://</c> URI).
    /// </summary>
    public static TaktStore Open(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            database = FromUri(new Uri(database));
        if (database.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            var builder = new NpgsqlConnectionStringBuilder(database)
            {
                // Hot paths repeat a few statements; let Npgsql prepare them on the server.
                MaxAutoPrepare = database.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase)
                    ? new NpgsqlConnectionStringBuilder(database).MaxAutoPrepare
                    : 64,
                AutoPrepareMinUsages = 2,
                NoResetOnClose = true,
            };
            // Npgsql's default (Prefer) wraps even a loopback connection in TLS, which cost a third of the flow
            // benchmark's CPU in SslStream for no protection (the bytes never leave the machine). Loopback hosts
            // skip it unless the connection string asks for a mode; every other host keeps Npgsql's default.
            if (!database.Contains("SSL Mode", StringComparison.OrdinalIgnoreCase) && !database.Contains("SslMode", StringComparison.OrdinalIgnoreCase) && IsLoopback(builder.Host))
                builder.SslMode = SslMode.Disable;
            return new TaktStore(StoreEngine.Postgres, builder.ConnectionString, $"postgres://{builder.Host}:{builder.Port}/{builder.Database}");
        }

        var path = Path.GetFullPath(database.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase)
            ? new SqliteConnectionStringBuilder(database).DataSource
            : database);
        var sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = true,
            DefaultTimeout = 60,
        };
        return new TaktStore(StoreEngine.Sqlite, sqlite.ConnectionString, path);
    }

    private static bool IsLoopback(string? hosts) =>
        hosts is { Length: > 0 } && hosts.Split(',').All(h =>
        {
            var host = h.Trim();
            var colon = host.LastIndexOf(':');
            if (colon > 0 && !host.Contains(']', StringComparison.Ordinal) && host.IndexOf(':', StringComparison.Ordinal) == colon)
                host = host[..colon];
            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.StartsWith('/')
                || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
        });

    private static string FromUri(Uri uri)
    {
        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.TrimStart('/'),
            Username = Uri.UnescapeDataString(userInfo[0]),
        };
        if (userInfo.Length > 1)
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        return builder.ConnectionString;
    }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        if (Engine == StoreEngine.Postgres)
        {
            var pg = new NpgsqlConnection(ConnectionString);
            await pg.OpenAsync(ct);
            return pg;
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await using var pragma = connection.CreateCommand();
        // WAL lets readers run beside the single writer; NORMAL sync is durable at every checkpoint and
        // loses no committed transaction on a process crash (only on power loss), see notes/outbox-and-databases.md.
        pragma.CommandText = "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=60000; PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=33554432;";
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>A session keeps one open connection and its prepared commands; one writer uses one session.</summary>
    /// <param name="clock">The business clock.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="background">Background writers (reactions) yield the SQLite write lock to commands.</param>
    public async Task<StoreSession> OpenSessionAsync(TimeProvider clock, CancellationToken ct, bool background = false) =>
        new(this, await OpenConnectionAsync(ct), clock, background);
}
