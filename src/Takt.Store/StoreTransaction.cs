using System.Data.Common;
using Npgsql;

namespace Takt.Store;

/// <summary>
/// One database transaction shared by every module a request or an event batch touches. Writes are staged
/// and flushed together (PostgreSQL: one <see cref="NpgsqlBatch"/> round trip; SQLite: prepared statements),
/// so a batch of events costs few round trips. Nothing is visible until <see cref="CommitAsync"/>.
/// </summary>
public sealed class StoreTransaction : IAsyncDisposable
{
    private readonly List<(string Sql, object?[] Args)> staged = [];
    private readonly List<Action> afterCommit = [];
    private bool completed;

    internal StoreTransaction(StoreSession session, DbTransaction transaction)
    {
        Session = session;
        Transaction = transaction;
        CommitId = Guid.CreateVersion7(session.Clock.GetUtcNow()).ToString();
    }

    public StoreSession Session { get; }

    public DbTransaction Transaction { get; }

    public DbConnection Connection => Session.Connection;

    public StoreEngine Engine => Session.Engine;

    public TimeProvider Clock => Session.Clock;

    /// <summary>The id of this commit; rows that need their commit time (KPIs) reference it.</summary>
    public string CommitId { get; }

    public int StagedCount => staged.Count;

    /// <summary>
    /// Stages a write with positional parameters <c>$1</c>, <c>$2</c>, … (the same text runs on both engines).
    /// </summary>
    public void Stage(string sql, params object?[] args) => staged.Add((sql, args));

    /// <summary>Runs an action once the transaction has committed (signals, caches); never for rollbacks.</summary>
    public void OnCommitted(Action action) => afterCommit.Add(action);

    /// <summary>Executes the staged writes inside the transaction.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (staged.Count == 0)
            return;
        if (Engine == StoreEngine.Postgres)
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)Connection, (NpgsqlTransaction)Transaction);
            foreach (var (sql, args) in staged)
            {
                var command = new NpgsqlBatchCommand(sql);
                foreach (var arg in args)
                    command.Parameters.Add(new NpgsqlParameter { Value = arg ?? DBNull.Value });
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(ct);
        }
        else
        {
            foreach (var (sql, args) in staged)
            {
                var command = Session.Prepared(sql, args.Length, Transaction);
                for (var i = 0; i < args.Length; i++)
                    command.Parameters[i].Value = args[i] ?? DBNull.Value;
                await command.ExecuteNonQueryAsync(ct);
            }
        }

        staged.Clear();
    }

    /// <summary>A command for a read (or an immediate write) in this transaction, positional parameters.</summary>
    public DbCommand Command(string sql, params object?[] args)
    {
        var command = Session.Prepared(sql, args.Length, Transaction);
        for (var i = 0; i < args.Length; i++)
            command.Parameters[i].Value = args[i] ?? DBNull.Value;
        return command;
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] args) =>
        await Command(sql, args).ExecuteNonQueryAsync(ct);

    /// <summary>
    /// Records the commit time, flushes and commits. Returns the recorded commit instant: the KPI
    /// production-to-posting latency ends here (DESIGN §5).
    /// </summary>
    public async Task<DateTimeOffset> CommitAsync(CancellationToken ct, bool recordCommit = true)
    {
        var committedAt = Clock.GetUtcNow();
        if (recordCommit)
            Stage("INSERT INTO store_commit (id, committed_at_us) VALUES ($1, $2)", CommitId, committedAt.ToUnixMicroseconds());
        await FlushAsync(ct);
        await Transaction.CommitAsync(ct);
        completed = true;
        foreach (var action in afterCommit)
            action();
        return committedAt;
    }

    public async Task RollbackAsync(CancellationToken ct)
    {
        if (completed)
            return;
        completed = true;
        staged.Clear();
        try
        {
            await Transaction.RollbackAsync(ct);
        }
        catch (InvalidOperationException)
        {
            // Already rolled back by the server after an error.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!completed)
            await RollbackAsync(CancellationToken.None);
        await Transaction.DisposeAsync();
    }
}
