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
    private readonly List<(string Sql, object?[] Args)> logAppends = [];
    private readonly List<Action> afterCommit = [];
    private readonly Dictionary<string, Dictionary<string, (object?[] Key, long[] Amounts)>> totals = new(StringComparer.Ordinal);
    private bool completed;

    private WriteGate? gate;

    internal StoreTransaction(StoreSession session, DbTransaction transaction, WriteGate? gate)
    {
        this.gate = gate;
        Session = session;
        Transaction = transaction;
        CommitId = Takt.Contracts.Uuid7.New(session.Clock.GetUtcNow()).ToString();
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
    /// Whether a command waits for this transaction's write lock (SQLite only; PostgreSQL writers do not wait for
    /// each other): a background turn that can stop part-way commits what it has, so the command goes next.
    /// </summary>
    public bool CommandWaiting => gate?.ForegroundWaiting == true;

    /// <summary>
    /// Stages a write with positional parameters <c>$1</c>, <c>$2</c>, … (the same text runs on both engines).
    /// </summary>
    public void Stage(string sql, params object?[] args) => staged.Add((sql, args));

    /// <summary>
    /// Stages an append to a log that readers follow by sequence number from a position (the outbox, the process
    /// log). These run at commit, after every other write. On PostgreSQL they run under one transaction-scoped
    /// advisory lock, released only once the commit is visible, so sequence numbers are drawn in commit order and
    /// what a reader sees of a log is always a prefix (less rolled-back gaps): having seen 11, it can never later
    /// see 10 appear, and may move its position past 11. Without the lock a transaction could draw 10, another
    /// draw and commit 11, and the first commit after a reader had moved past 11. (Reading only rows of
    /// transactions older than <c>pg_snapshot_xmin</c>, as Takt did before, does not prevent that: transaction
    /// ids are taken at a transaction's first write, not when it draws its number.) Nothing waits on a row lock
    /// once this lock is held, so it cannot deadlock. On SQLite the single writer already orders commits.
    /// </summary>
    public void StageLogAppend(string sql, params object?[] args) => logAppends.Add((sql, args));

    /// <summary>The advisory lock key that orders log appends on PostgreSQL ("takt-log" in ASCII).</summary>
    internal const long LogAppendLock = 0x74616b742d6c6f67;

    /// <summary>
    /// Adds amounts to a totals row once per key and transaction, however many postings touch it: a batch of
    /// 500 confirmations on 200 orders writes one upsert per order and account, not one per line. The SQL is an
    /// upsert that takes the key columns, then the amounts, as <c>$1…$n</c>, and adds <c>excluded</c> amounts to
    /// the row's. The upserts run at the end of each flush, after every other staged write.
    /// </summary>
    public void AddTo(string upsertSql, object?[] key, params long[] amounts)
    {
        if (!totals.TryGetValue(upsertSql, out var rows))
            totals[upsertSql] = rows = new Dictionary<string, (object?[], long[])>(StringComparer.Ordinal);
        var name = string.Join('\u001f', key.Select(k => Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture)));
        if (rows.TryGetValue(name, out var row))
        {
            for (var i = 0; i < amounts.Length; i++)
                row.Amounts[i] += amounts[i];
        }
        else
        {
            rows[name] = (key, [.. amounts]);
        }
    }

    /// <summary>
    /// Runs an action once the transaction has committed (signals, caches); never for rollbacks. The same action
    /// registered again (every outbox message wakes the dispatcher) runs once.
    /// </summary>
    public void OnCommitted(Action action)
    {
        if (!afterCommit.Contains(action))
            afterCommit.Add(action);
    }

    /// <summary>
    /// Executes the staged writes inside the transaction. Statements run grouped by their text, groups in the
    /// order of their first appearance (so an entry's lines follow its header, object links follow their event);
    /// plain INSERTs of one text become multi-row INSERTs, which write far fewer statements per event. A staged
    /// statement must therefore not depend on a statement of another text staged after that one's first use.
    /// </summary>
    public Task FlushAsync(CancellationToken ct) => FlushAsync(atCommit: false, ct);

    private async Task FlushAsync(bool atCommit, CancellationToken ct)
    {
        foreach (var (sql, rows) in totals)
        {
            foreach (var (key, amounts) in rows.Values)
                staged.Add((sql, [.. key, .. amounts.Cast<object?>()]));
        }

        totals.Clear();
        if (atCommit && logAppends.Count > 0)
        {
            // Last, after the totals' upserts (which take row locks): see StageLogAppend.
            if (Engine == StoreEngine.Postgres)
                staged.Add(("SELECT pg_advisory_xact_lock($1)", [LogAppendLock]));
            staged.AddRange(logAppends);
            logAppends.Clear();
        }

        if (staged.Count == 0)
            return;
        if (Engine == StoreEngine.Postgres)
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)Connection, (NpgsqlTransaction)Transaction);
            foreach (var (sql, rows) in Plan())
            {
                var command = new NpgsqlBatchCommand(sql);
                foreach (var row in rows)
                {
                    foreach (var arg in row)
                        command.Parameters.Add(new NpgsqlParameter { Value = arg ?? DBNull.Value });
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(ct);
        }
        else
        {
            var statements = Session.SqliteStatements!;
            foreach (var (sql, rows) in Plan())
                statements.Execute(sql, rows);
        }

        staged.Clear();
    }

    private List<(string Sql, List<object?[]> Rows)> Plan()
    {
        var groups = new Dictionary<string, List<object?[]>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (sql, args) in staged)
        {
            if (!groups.TryGetValue(sql, out var rows))
            {
                groups[sql] = rows = [];
                order.Add(sql);
            }

            rows.Add(args);
        }

        var plan = new List<(string, List<object?[]>)>(order.Count);
        foreach (var sql in order)
        {
            var rows = groups[sql];
            if (rows.Count == 1 || !MultiRow.Applies(sql, rows[0].Length))
            {
                plan.AddRange(rows.Select(r => (sql, new List<object?[]> { r })));
                continue;
            }

            for (var i = 0; i < rows.Count;)
            {
                var size = MultiRow.ChunkSize(rows.Count - i, rows[0].Length);
                plan.Add((MultiRow.Sql(sql, rows[0].Length, size), rows.GetRange(i, size)));
                i += size;
            }
        }

        return plan;
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
        await FlushAsync(atCommit: true, ct);
        await Transaction.CommitAsync(ct);
        completed = true;
        ReleaseGate();
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
        logAppends.Clear();
        totals.Clear();
        try
        {
            await Transaction.RollbackAsync(ct);
        }
        catch (InvalidOperationException)
        {
            // Already rolled back by the server after an error.
        }
        finally
        {
            ReleaseGate();
        }
    }

    private void ReleaseGate() => Interlocked.Exchange(ref gate, null)?.Exit();

    public async ValueTask DisposeAsync()
    {
        if (!completed)
            await RollbackAsync(CancellationToken.None);
        await Transaction.DisposeAsync();
        ReleaseGate();
    }
}
