using System.Data.Common;

namespace Takt.Store;

/// <summary>
/// The loop of a background writer (outbox dispatcher, object indexer, flow worker): one session, turns while a
/// turn reports more work, then a wait for the next wake or the poll interval. Waits run on real time, never on the
/// business clock, so a test's fake clock moves due times but cannot put a worker to sleep. When the store fails,
/// the session is dropped, the failure logged, and a new session opened a second later.
/// </summary>
public static class BackgroundTurns
{
    /// <param name="store">The store the session is opened on (as a background writer).</param>
    /// <param name="clock">The business clock of the session (due times, timestamps).</param>
    /// <param name="wake">The task that completes at the next wake; taken before each turn, so no wake is missed.</param>
    /// <param name="turn">One turn; true when there may be more work right away.</param>
    /// <param name="pollInterval">The longest wait for a wake after a turn without more work.</param>
    /// <param name="onFailure">Logs a store failure (the loop retries after a second).</param>
    /// <param name="ct">Stops the loop.</param>
    /// <param name="gather">A further pause after a wake, to let work gather into a larger turn.</param>
    /// <param name="alsoFailure">Exceptions besides database, I/O and timeout failures that the loop survives.</param>
    public static async Task RunAsync(
        TaktStore store,
        TimeProvider clock,
        Func<Task> wake,
        Func<StoreSession, CancellationToken, Task<bool>> turn,
        TimeSpan pollInterval,
        Action<Exception> onFailure,
        CancellationToken ct,
        TimeSpan? gather = null,
        Func<Exception, bool>? alsoFailure = null)
    {
        await Task.Yield();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var session = await store.OpenSessionAsync(clock, ct, background: true);
                while (!ct.IsCancellationRequested)
                {
                    var next = wake();
                    if (await turn(session, ct))
                        continue;
                    await OutboxSignal.WaitAsync(next, pollInterval, TimeProvider.System, ct);
                    if (gather is { } pause)
                        await Task.Delay(pause, TimeProvider.System, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or IOException or TimeoutException || alsoFailure?.Invoke(ex) == true)
            {
                onFailure(ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
