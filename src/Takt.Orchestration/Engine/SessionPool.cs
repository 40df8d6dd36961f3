using System.Collections.Concurrent;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>
/// Open sessions kept for API writes (starts, task actions): a session keeps its connection and prepared
/// statements, so a start does not open a connection, set its pragmas and prepare its statements again. A session
/// that saw an error is dropped, not returned.
/// </summary>
internal sealed class SessionPool(TimeProvider clock) : IAsyncDisposable
{
    private const int MaxIdle = 16;
    private readonly ConcurrentDictionary<string, ConcurrentBag<StoreSession>> idle = new(StringComparer.Ordinal);

    public async Task<T> RunAsync<T>(TaktStore store, Func<StoreSession, Task<T>> work, CancellationToken ct)
    {
        var bag = idle.GetOrAdd(store.ConnectionString, _ => []);
        var session = bag.TryTake(out var kept) ? kept : await store.OpenSessionAsync(clock, ct);
        T result;
        try
        {
            result = await work(session);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }

        if (bag.Count < MaxIdle)
            bag.Add(session);
        else
            await session.DisposeAsync();
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var bag in idle.Values)
        {
            while (bag.TryTake(out var session))
                await session.DisposeAsync();
        }
    }
}
