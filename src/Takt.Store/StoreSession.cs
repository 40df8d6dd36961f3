using System.Data.Common;

namespace Takt.Store;

/// <summary>An open connection with a cache of prepared commands, used by one writer at a time.</summary>
public sealed class StoreSession : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> commands = new(StringComparer.Ordinal);

    private readonly bool background;

    internal StoreSession(TaktStore store, DbConnection connection, TimeProvider clock, bool background)
    {
        this.background = background;
        Store = store;
        Connection = connection;
        Clock = clock;
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
            SqliteStatements = new SqliteStatements(sqlite);
    }

    public TaktStore Store { get; }

    /// <summary>The raw prepared statements of the SQLite write path (null on PostgreSQL).</summary>
    internal SqliteStatements? SqliteStatements { get; }

    public DbConnection Connection { get; }

    public TimeProvider Clock { get; }

    public StoreEngine Engine => Store.Engine;

    /// <summary>
    /// A session whose connection the database closed (a restart, a failover) is done for: a store failure, which every
    /// background loop answers by opening a new session, not the driver's InvalidOperationException, which would end
    /// the loop and stop the server.
    /// </summary>
    private void EnsureOpen()
    {
        if (IsBroken)
            throw new StoreConnectionLostException();
    }

    /// <summary>Whether the database closed this session's connection: retrying on it is useless, a new session is needed.</summary>
    public bool IsBroken => Connection.State != System.Data.ConnectionState.Open;

    /// <summary>Begins a write transaction (SQLite: BEGIN IMMEDIATE, so the single writer never deadlocks).</summary>
    public async Task<StoreTransaction> BeginAsync(CancellationToken ct)
    {
        EnsureOpen();
        var gate = Store.WriteGate;
        if (gate is not null)
            await gate.EnterAsync(background, ct);
        try
        {
            var transaction = await Connection.BeginTransactionAsync(ct);
            return new StoreTransaction(this, transaction, gate);
        }
        catch
        {
            gate?.Exit();
            throw;
        }
    }

    /// <summary>
    /// A read outside any transaction (positional parameters), prepared once per session. A background writer
    /// reads what it will work on here, before it takes the write lock, so the lock is held only for writing.
    /// </summary>
    public DbCommand Read(string sql, params object?[] args)
    {
        EnsureOpen();
        var command = Prepared(sql, args.Length, null);
        for (var i = 0; i < args.Length; i++)
            command.Parameters[i].Value = args[i] ?? DBNull.Value;
        return command;
    }

    /// <summary>A command for this SQL text, prepared once per session and reused (SQLite keeps its statement).</summary>
    internal DbCommand Prepared(string sql, int parameterCount, DbTransaction? transaction)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 1; i <= parameterCount; i++)
            {
                var p = command.CreateParameter();
                if (Engine == StoreEngine.Sqlite)
                    p.ParameterName = "$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                command.Parameters.Add(p);
            }

            commands.Add(sql, command);
        }

        command.Transaction = transaction;
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in commands.Values)
            await command.DisposeAsync();
        commands.Clear();
        SqliteStatements?.Dispose();
        await Connection.DisposeAsync();
    }
}

/// <summary>The session's connection was closed under it (the database restarted or cut it off); open a new session.</summary>
public sealed class StoreConnectionLostException : DbException
{
    public StoreConnectionLostException()
        : base("The session's database connection is closed (the database restarted or cut the connection); open a new session.")
    {
    }
}
