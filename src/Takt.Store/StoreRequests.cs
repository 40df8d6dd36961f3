using Takt.Contracts;

namespace Takt.Store;

/// <summary>How an API request reads and writes: one store transaction, committed only when the outcome is a value.</summary>
public static class StoreRequests
{
    /// <summary>Runs <paramref name="work"/> in a new transaction; commits when it returns a value, rolls back when it refuses.</summary>
    public static async Task<Outcome<T>> WriteAsync<T>(this TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<Outcome<T>>> work, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var outcome = await work(tx);
        if (outcome.IsRejected)
            await tx.RollbackAsync(ct);
        else
            await tx.CommitAsync(ct);
        return outcome;
    }

    /// <summary>Runs a read in a new transaction (one consistent view).</summary>
    public static async Task<T> ReadAsync<T>(this TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        return await work(tx);
    }
}
