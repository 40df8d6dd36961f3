using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Takt.Store;

public sealed class OutboxOptions
{
    /// <summary>Attempts before a delivery is dead-lettered. Default 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; doubles each attempt, with ±20 % jitter. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay. Default 5 min.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Deliveries claimed per transaction. Default 1,000.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>How often to look for due deliveries when nothing wakes the dispatcher. Default 500 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// Delivers outbox messages to subscribers. A batch of due deliveries is claimed inside a transaction
/// (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so several nodes share the work and a dead node's claims vanish
/// with its connection; SQLite: the single write lock). Handlers' writes and the "delivered" marks commit
/// together; a failing handler is retried alone with exponential backoff and dead-lettered after
/// <see cref="OutboxOptions.MaxAttempts"/>.
/// </summary>
public sealed partial class OutboxDispatcher(
    TaktStore store,
    Outbox outbox,
    OutboxSignal signal,
    OutboxOptions options,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public static readonly ActivitySource Activity = new("Takt.Store");
    private static readonly Meter Meter = new("Takt.Store");
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("takt.outbox.delivered");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("takt.outbox.failed");
    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("takt.outbox.dead_lettered");

    private sealed record Claimed(long Seq, string Subscriber, int Attempts, OutboxMessage Message);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var session = await store.OpenSessionAsync(clock, stoppingToken, background: true);
                while (!stoppingToken.IsCancellationRequested)
                {
                    var handled = await DispatchOnceAsync(session, stoppingToken);
                    if (handled == 0)
                        await signal.WaitAsync(options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException)
            {
                LogStoreUnavailable(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    /// <summary>Delivers one batch of due messages; returns how many deliveries it settled.</summary>
    public async Task<int> DispatchOnceAsync(StoreSession session, CancellationToken ct)
    {
        List<Claimed> claimed;
        await using (var tx = await session.BeginAsync(ct))
        {
            claimed = await ClaimAsync(tx, null, options.BatchSize, ct);
            if (claimed.Count == 0)
                return 0;
            try
            {
                using var activity = Activity.StartActivity("outbox.dispatch");
                activity?.SetTag("takt.outbox.count", claimed.Count);
                await DeliverAsync(tx, claimed, ct);
                await tx.CommitAsync(ct, recordCommit: false);
                Delivered.Add(claimed.Count);
                return claimed.Count;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(ct);
                if (claimed.Count == 1)
                {
                    await RecordFailureAsync(session, claimed[0], ex, ct);
                    return 1;
                }
            }
        }

        // A batch failed: settle each delivery alone so one bad message does not hold back the others.
        foreach (var item in claimed)
        {
            await using var tx = await session.BeginAsync(ct);
            var single = await ClaimAsync(tx, item.Seq, 1, ct);
            if (single.Count == 0)
                continue;
            try
            {
                await DeliverAsync(tx, single, ct);
                await tx.CommitAsync(ct, recordCommit: false);
                Delivered.Add(1);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(ct);
                await RecordFailureAsync(session, single[0], ex, ct);
            }
        }

        return claimed.Count;
    }

    /// <summary>Each subscriber handles its share of the batch, then all deliveries are marked in a few statements.</summary>
    private async Task DeliverAsync(StoreTransaction tx, List<Claimed> items, CancellationToken ct)
    {
        foreach (var group in items.GroupBy(i => i.Subscriber, StringComparer.Ordinal))
        {
            var subscriber = outbox.Subscribers.FirstOrDefault(s => s.Name == group.Key)
                ?? throw new InvalidOperationException($"No subscriber named '{group.Key}' is registered.");
            await subscriber.HandleBatchAsync(tx, [.. group.Select(i => i.Message)], ct);
        }

        var now = clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var chunk in items.Chunk(512))
        {
            var (list, seqs) = SqlList.Of(chunk.Select(i => i.Seq).ToArray(), first: 2);
            tx.Stage(
                $"UPDATE store_outbox_delivery SET status = 'delivered', attempts = attempts + 1, delivered_at_us = $1, last_error = NULL WHERE seq IN ({list}) AND status = 'pending'",
                [now, .. seqs]);
        }
    }

    private async Task<List<Claimed>> ClaimAsync(StoreTransaction tx, long? seq, int limit, CancellationToken ct)
    {
        var sql = """
            SELECT d.seq, d.subscriber, d.attempts, m.id, m.type, m.source, m.subject, m.plant, m.time_us, m.data
            FROM store_outbox_delivery d JOIN store_outbox_message m ON m.id = d.message_id
            WHERE d.status = 'pending' AND d.next_attempt_at_us <= $1
            """
            + (seq is null ? " AND $2 = $2" : " AND d.seq = $2")
            + " ORDER BY d.seq LIMIT $3"
            + (tx.Engine == StoreEngine.Postgres ? " FOR UPDATE OF d SKIP LOCKED" : "");
        var list = new List<Claimed>();
        await using var reader = await tx.Command(sql, clock.GetUtcNow().ToUnixMicroseconds(), seq ?? 0L, (long)limit).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Claimed(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt32(2),
                new OutboxMessage(
                    reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    Instants.FromUnixMicroseconds(reader.GetInt64(8)),
                    reader.GetString(9))));
        }

        return list;
    }

    private async Task RecordFailureAsync(StoreSession session, Claimed item, Exception error, CancellationToken ct)
    {
        var attempts = item.Attempts + 1;
        var dead = attempts >= options.MaxAttempts;
        var delay = Backoff(attempts);
        await using var tx = await session.BeginAsync(ct);
        await tx.ExecuteAsync(
            "UPDATE store_outbox_delivery SET attempts = $1, status = $2, next_attempt_at_us = $3, last_error = $4 WHERE seq = $5 AND status = 'pending'",
            ct,
            attempts,
            dead ? "dead" : "pending",
            (clock.GetUtcNow() + delay).ToUnixMicroseconds(),
            $"{error.GetType().Name}: {error.Message}",
            item.Seq);
        await tx.CommitAsync(ct, recordCommit: false);
        Failed.Add(1);
        if (dead)
        {
            DeadLettered.Add(1);
            LogDeadLettered(logger, item.Message.Id, item.Message.Type, item.Subscriber, attempts, error);
        }
        else
        {
            LogRetrying(logger, item.Message.Id, item.Subscriber, attempts, delay, error);
        }
    }

    /// <summary>Exponential backoff with ±20 % jitter, capped (attempt 1 → about the base delay).</summary>
    public TimeSpan Backoff(int attempt)
    {
        var exponential = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
#pragma warning disable CA5394 // jitter spreads retries; it is not security-relevant
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        // Cap after the jitter: MaxDelay is the longest retry delay, not the middle of the last band.
        return TimeSpan.FromMilliseconds(Math.Min(exponential * jitter, options.MaxDelay.TotalMilliseconds));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox delivery of {MessageId} to {Subscriber} failed (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string messageId, string subscriber, int attempt, TimeSpan delay, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox delivery of {MessageId} ({Type}) to {Subscriber} dead-lettered after {Attempts} attempts")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string type, string subscriber, int attempts, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatcher cannot reach the store; retrying")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception error);
}
