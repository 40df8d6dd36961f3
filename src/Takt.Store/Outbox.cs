using Dapper;

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
/// Something that reacts to outbox events. Each subscriber reads the outbox log from its own position;
/// in-process subscribers run inside the dispatcher's transaction, so their writes commit together with the
/// new position and each message has exactly one effect per subscriber even across crashes.
/// </summary>
public interface IOutboxSubscriber
{
    /// <summary>Stable name: the key of the subscriber's position and of its failed deliveries.</summary>
    string Name { get; }

    /// <summary>
    /// The event types this subscriber takes, when it can name them: the dispatcher then reads only messages of
    /// those types and moves past the others without reading them. Null (the default): every message is read and
    /// <see cref="Accepts"/> decides. <see cref="Accepts"/> is asked in either case.
    /// </summary>
    IReadOnlyCollection<string>? Types => null;

    bool Accepts(OutboxMessage message);

    Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct);

    /// <summary>Handles several messages in one transaction (in order); override to write set-based.</summary>
    async Task HandleBatchAsync(StoreTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
            await HandleAsync(transaction, message, ct);
    }
}

/// <summary>
/// Wakes the outbox's readers (the dispatcher, webhook deliveries) when a transaction with outbox messages
/// commits. Every waiter wakes; a reader takes <see cref="Next"/> BEFORE it looks for work, so a commit between
/// its look and its wait still wakes it.
/// </summary>
public sealed class OutboxSignal
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for <paramref name="next"/> (taken before looking for work) or the timeout.</summary>
    public static async Task WaitAsync(Task next, TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        try
        {
            await next.WaitAsync(timeout, clock, ct);
        }
        catch (TimeoutException)
        {
            // Poll anyway: a retry may have come due.
        }
    }
}

/// <summary>
/// The transactional outbox: a message is one row appended in the caller's transaction. Subscribers read the
/// log in order from their own position (<see cref="OutboxDispatcher"/>), so a message costs one row however
/// many subscribers there are.
/// </summary>
public sealed class Outbox(IEnumerable<IOutboxSubscriber> subscribers, OutboxSignal signal)
{
    private readonly IOutboxSubscriber[] subscribers = [.. subscribers];

    public IReadOnlyList<IOutboxSubscriber> Subscribers => subscribers;

    public void Enqueue(StoreTransaction transaction, OutboxMessage message)
    {
        transaction.StageLogAppend(
            "INSERT INTO store_outbox_message (id, type, source, subject, plant, time_us, data, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            message.Id, message.Type, message.Source, message.Subject, message.Plant, message.Time.ToUnixMicroseconds(), message.Data,
            transaction.Clock.GetUtcNow().ToUnixMicroseconds());
        transaction.OnCommitted(signal.Notify);
    }
}

/// <summary>How far a subscriber has read: the log's head, its position, and its failed deliveries by state.</summary>
public sealed record SubscriberBacklog(string Subscriber, long Head, long Position, long Retrying, long Dead)
{
    /// <summary>Messages written after the subscriber's position (not all need be for it).</summary>
    public long Behind => Head - Position;

    /// <summary>Nothing left to do: read to the head and no retry waiting (dead letters wait for a person).</summary>
    public bool Settled => Behind == 0 && Retrying == 0;
}

public static class OutboxBacklog
{
    /// <summary>Every registered subscriber's backlog; one that has never run is at position 0.</summary>
    public static async Task<IReadOnlyList<SubscriberBacklog>> ReadAsync(TaktStore store, Outbox outbox, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var head = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM store_outbox_message", cancellationToken: ct)) ?? 0;
        var positions = (await connection.QueryAsync<(string Subscriber, long Position)>(new CommandDefinition(
            "SELECT subscriber, position FROM store_outbox_cursor", cancellationToken: ct))).ToDictionary(r => r.Subscriber, r => r.Position, StringComparer.Ordinal);
        var retries = (await connection.QueryAsync<(string Subscriber, string Status, long Count)>(new CommandDefinition(
            "SELECT subscriber, status, COUNT(*) FROM store_outbox_retry WHERE status <> 'delivered' GROUP BY subscriber, status", cancellationToken: ct))).ToList();
        return [.. outbox.Subscribers.Select(s => s.Name).Concat(positions.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(name => new SubscriberBacklog(
            name,
            head,
            positions.GetValueOrDefault(name),
            retries.Where(r => r.Subscriber == name && r.Status == "pending").Sum(r => r.Count),
            retries.Where(r => r.Subscriber == name && r.Status == "dead").Sum(r => r.Count)))];
    }
}
