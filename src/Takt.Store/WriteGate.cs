using System.Diagnostics;

namespace Takt.Store;

/// <summary>
/// The single-writer lock of a SQLite file within this process. Foreground writers (commands: inbound
/// events, API writes) go before background ones (the outbox dispatcher), so reactions never slow intake;
/// a background writer that has waited <see cref="MaxBackgroundWait"/> goes next, so reactions always
/// progress. Waiting here costs nothing; colliding on SQLite's file lock would sleep in its busy handler.
/// </summary>
internal sealed class WriteGate
{
    public static readonly TimeSpan MaxBackgroundWait = TimeSpan.FromMilliseconds(200);

    private readonly Lock sync = new();
    private readonly LinkedList<TaskCompletionSource> foreground = new();
    private readonly LinkedList<TaskCompletionSource> background = new();
    private long backgroundSince;
    private bool held;

    public Task EnterAsync(bool isBackground, CancellationToken ct)
    {
        lock (sync)
        {
            if (!held)
            {
                held = true;
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var queue = isBackground ? background : foreground;
            var node = queue.AddLast(waiter);
            if (isBackground && background.Count == 1)
                backgroundSince = Stopwatch.GetTimestamp();
            if (ct.CanBeCanceled)
            {
                ct.Register(() =>
                {
                    lock (sync)
                    {
                        if (node.List is not null)
                        {
                            queue.Remove(node);
                            waiter.TrySetCanceled(ct);
                        }
                    }
                });
            }

            return waiter.Task;
        }
    }

    /// <summary>Whether a foreground writer (a command) waits for the lock: a long background turn commits what it has and queues again.</summary>
    public bool ForegroundWaiting
    {
        get
        {
            lock (sync)
                return foreground.Count > 0;
        }
    }

    public void Exit()
    {
        TaskCompletionSource? next;
        lock (sync)
        {
            var backgroundDue = background.Count > 0
                && (foreground.Count == 0 || Stopwatch.GetElapsedTime(backgroundSince) >= MaxBackgroundWait);
            var queue = backgroundDue ? background : foreground.Count > 0 ? foreground : null;
            if (queue is null)
            {
                held = false;
                return;
            }

            next = queue.First!.Value;
            queue.RemoveFirst();
            if (backgroundDue && background.Count > 0)
                backgroundSince = Stopwatch.GetTimestamp();
        }

        next.TrySetResult();
    }
}
