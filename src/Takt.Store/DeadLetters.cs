using Dapper;

namespace Takt.Store;

public sealed record DeadLetter(
    long Seq,
    string MessageId,
    string Type,
    string Subscriber,
    int Attempts,
    string? LastError,
    DateTimeOffset Time);

/// <summary>
/// Dead-lettered deliveries (retry rows that ran out of attempts; <see cref="DeadLetter.Seq"/> is the retry row's
/// id): listing and replay (API and CLI call these directly).
/// </summary>
public static class DeadLetters
{
    public static async Task<IReadOnlyList<DeadLetter>> ListAsync(TaktStore store, string? subscriber, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(long Seq, string MessageId, string Type, string Subscriber, long Attempts, string? LastError, long TimeUs)>(
            new CommandDefinition(
                """
                SELECT r.id, m.id, m.type, r.subscriber, r.attempts, r.last_error, m.time_us
                FROM store_outbox_retry r JOIN store_outbox_message m ON m.seq = r.message_seq
                WHERE r.status = 'dead' AND (CAST(@subscriber AS text) IS NULL OR r.subscriber = @subscriber)
                ORDER BY r.id LIMIT @limit
                """,
                new { subscriber, limit },
                cancellationToken: ct));
        return [.. rows.Select(r => new DeadLetter(r.Seq, r.MessageId, r.Type, r.Subscriber, (int)r.Attempts, r.LastError, Instants.FromUnixMicroseconds(r.TimeUs)))];
    }

    /// <summary>
    /// Puts dead deliveries back in the queue (all, those of one subscriber, or the given sequence numbers).
    /// Returns how many.
    /// </summary>
    public static async Task<int> ReplayAsync(TaktStore store, TimeProvider clock, string? subscriber, IReadOnlyCollection<long>? seqs, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().ToUnixMicroseconds();
        var count = 0;
        if (seqs is { Count: > 0 })
        {
            foreach (var seq in seqs)
            {
                count += await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE store_outbox_retry SET status = 'pending', attempts = 0, next_attempt_at_us = @now WHERE status = 'dead' AND id = @seq AND (CAST(@subscriber AS text) IS NULL OR subscriber = @subscriber)",
                    new { now, seq, subscriber }, tx, cancellationToken: ct));
            }
        }
        else
        {
            count = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE store_outbox_retry SET status = 'pending', attempts = 0, next_attempt_at_us = @now WHERE status = 'dead' AND (CAST(@subscriber AS text) IS NULL OR subscriber = @subscriber)",
                new { now, subscriber }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return count;
    }
}
