using System.Threading.Channels;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>
/// Commits concurrent flow starts in groups: starts wait in a queue, and one loop hands up to
/// <see cref="MaxGroup"/> of them at a time to a transaction (on PostgreSQL up to four such groups commit at once). Every transaction that appends to the process log holds
/// the log's lock through its commit (on PostgreSQL through the WAL flush, so sequence numbers follow commit
/// order), so one start per transaction capped starts at the disk's commit rate, however many callers waited: the
/// benchmark spent most of its time in <c>Lock:advisory</c>. A group pays that once. A refused start stages no
/// row, so it leaves the others of its group alone; if the group's transaction fails, each start is run again on
/// its own, so only the one at fault sees the error.
/// </summary>
internal sealed class StartGroups : IAsyncDisposable
{
    /// <summary>The most starts committed together.</summary>
    public const int MaxGroup = 64;

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Groups committing at once on PostgreSQL (their disk flushes overlap); on SQLite, whose writer is one, a group takes them all.</summary>
    private const int Slots = 4;

    private readonly SemaphoreSlim slots = new(Slots, Slots);
    private readonly SessionPool sessions;
    private readonly FlowEngine engine;
    private readonly Lazy<Task> loop;

    public StartGroups(SessionPool sessions, FlowEngine engine)
    {
        this.sessions = sessions;
        this.engine = engine;
        loop = new Lazy<Task>(() => Task.Run(LoopAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private sealed record Pending(TaktStore Store, StartFlow Request, CancellationToken Cancel)
    {
        public TaskCompletionSource<Outcome<InstanceView>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Starts an instance with the next group; returns when that group has committed (or refused this start).</summary>
    public async Task<Outcome<InstanceView>> StartAsync(TaktStore store, StartFlow request, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var pending = new Pending(store, request, ct);
        _ = loop.Value;
        if (!queue.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(StartGroups), "The server is stopping; no new flow instances are started.");
        return await pending.Done.Task.WaitAsync(ct);
    }

    private async Task LoopAsync()
    {
        var ct = stopping.Token;
        try
        {
            while (await queue.Reader.WaitToReadAsync(ct))
            {
                if (!queue.Reader.TryPeek(out var first))
                    continue;
                // A slot first, then the group: while the slots are busy, the queue grows into the next group.
                var width = first.Store.Engine == StoreEngine.Postgres ? 1 : Slots;
                for (var i = 0; i < width; i++)
                    await slots.WaitAsync(ct);
                var group = new List<Pending>(MaxGroup);
                while (group.Count < MaxGroup && queue.Reader.TryPeek(out var next) && next.Store == first.Store && queue.Reader.TryRead(out next))
                {
                    // A caller that gave up before its group began is not started behind its back.
                    if (next.Cancel.IsCancellationRequested)
                        next.Done.TrySetCanceled(next.Cancel);
                    else
                        group.Add(next);
                }

                _ = RunGroupAsync(first.Store, group, width, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }

        // The groups under way finish (their callers are waiting); what is still queued is not started.
        for (var i = 0; i < Slots; i++)
            await slots.WaitAsync(CancellationToken.None);
        while (queue.Reader.TryRead(out var left))
            left.Done.TrySetCanceled(ct);
    }

    private async Task RunGroupAsync(TaktStore store, List<Pending> group, int width, CancellationToken ct)
    {
        try
        {
            if (group.Count > 0)
                await RunAsync(store, group, ct);
        }
        finally
        {
            slots.Release(width);
        }
    }

    private async Task RunAsync(TaktStore store, List<Pending> group, CancellationToken ct)
    {
        try
        {
            var outcomes = await sessions.RunAsync(store, async session =>
            {
                await using var tx = await session.BeginAsync(ct);
                var results = new List<Outcome<InstanceView>>(group.Count);
                foreach (var pending in group)
                    results.Add(await engine.StartAsync(tx, pending.Request, null, null, ct));
                if (results.Exists(r => !r.IsRejected))
                {
                    tx.OnCommitted(engine.Wake);
                    await tx.CommitAsync(ct, recordCommit: false);
                }

                return results;
            }, ct);
            for (var i = 0; i < group.Count; i++)
                group[i].Done.TrySetResult(outcomes[i]);
        }
        catch (Exception) when (group.Count > 1 && !ct.IsCancellationRequested)
        {
            // Nothing of the group was committed: each start again on its own.
            foreach (var pending in group)
                await RunAsync(store, [pending], ct);
        }
        catch (Exception ex)
        {
            foreach (var pending in group)
                pending.Done.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Starts already queued still commit (their callers are waiting); a stuck store is given up on.
        queue.Writer.TryComplete();
        if (loop.IsValueCreated)
        {
            try
            {
                await loop.Value.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                await stopping.CancelAsync();
                await loop.Value;
            }
        }

        stopping.Dispose();
        slots.Dispose();
    }
}
