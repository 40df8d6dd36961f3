namespace Takt.Store;

/// <summary>A canonical event waiting in the outbox (CloudEvents attributes and its JSON data).</summary>
public sealed record OutboxMessage(
    string Id,
    string Type,
    string Source,
    string? Subject,
    string? Plant,
    DateTimeOffset Time,
    string Data);

/// <summary>
/// Something that reacts to outbox events. In-process subscribers run inside the dispatcher's transaction:
/// their writes commit together with the delivery's "delivered" mark, so each message has exactly one effect
/// per subscriber even across crashes.
/// </summary>
public interface IOutboxSubscriber
{
    /// <summary>Stable name, stored with each delivery.</summary>
    string Name { get; }

    bool Accepts(OutboxMessage message);

    Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct);

    /// <summary>Handles several messages in one transaction (in order); override to write set-based.</summary>
    async Task HandleBatchAsync(StoreTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
            await HandleAsync(transaction, message, ct);
    }
}

/// <summary>Wakes the dispatcher when a transaction with outbox messages commits.</summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(0, 1);

    public void Notify()
    {
        if (semaphore.CurrentCount == 0)
        {
            try
            {
                semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another thread woke it already.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => semaphore.WaitAsync(timeout, ct);

    public void Dispose() => semaphore.Dispose();
}

/// <summary>The transactional outbox: messages are written in the caller's transaction, one delivery per subscriber.</summary>
public sealed class Outbox(IEnumerable<IOutboxSubscriber> subscribers, OutboxSignal signal)
{
    private readonly IOutboxSubscriber[] subscribers = [.. subscribers];

    public IReadOnlyList<IOutboxSubscriber> Subscribers => subscribers;

    public void Enqueue(StoreTransaction transaction, OutboxMessage message)
    {
        var now = transaction.Clock.GetUtcNow().ToUnixMicroseconds();
        transaction.Stage(
            "INSERT INTO store_outbox_message (id, type, source, subject, plant, time_us, data, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            message.Id, message.Type, message.Source, message.Subject, message.Plant, message.Time.ToUnixMicroseconds(), message.Data, now);
        foreach (var subscriber in subscribers)
        {
            if (subscriber.Accepts(message))
            {
                transaction.Stage(
                    "INSERT INTO store_outbox_delivery (message_id, subscriber, status, attempts, next_attempt_at_us) VALUES ($1, $2, 'pending', 0, $3)",
                    message.Id, subscriber.Name, now);
            }
        }

        transaction.OnCommitted(signal.Notify);
    }
}
