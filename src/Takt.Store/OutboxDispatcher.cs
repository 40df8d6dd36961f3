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
/// Delivers outbox messages to subscribers. Each subscriber reads the log from its own position in batches;
/// its writes and its new position commit together, so each message has one effect per subscriber even across
/// crashes. On PostgreSQL a subscriber's position row is locked with <c>FOR UPDATE SKIP LOCKED</c>, so several
/// nodes share the subscribers and never read the same batch; on SQLite the single write lock does that. A
/// message a subscriber fails on gets a retry row (exponential backoff with jitter, dead after
/// <see cref="OutboxOptions.MaxAttempts"/>, replayable) and the subscriber moves on: one bad message holds back
/// nothing behind it.
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

    private const string MessageColumns = "m.seq, m.id, m.type, m.source, m.subject, m.plant, m.time_us, m.data";

    private sealed record Logged(long Seq, OutboxMessage Message);

    private sealed record Retry(long Id, string Subscriber, int Attempts, Logged Logged);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Retries fall due by the business clock; the loop waits on real time.
        BackgroundTurns.RunAsync(store, clock, () => signal.Next, async (session, ct) => await DispatchOnceAsync(session, ct) > 0,
            options.PollInterval, ex => LogStoreUnavailable(logger, ex), stoppingToken);

    /// <summary>One turn: every subscriber reads on from its position, then due retries run. Returns messages settled.</summary>
    public async Task<int> DispatchOnceAsync(StoreSession session, CancellationToken ct)
    {
        var settled = 0;
        foreach (var subscriber in outbox.Subscribers)
            settled += await ReadOnAsync(session, subscriber, ct);
        return settled + await RetryDueAsync(session, ct);
    }

    private async Task<int> ReadOnAsync(StoreSession session, IOutboxSubscriber subscriber, CancellationToken ct)
    {
        // The next messages are read before the write lock is taken (on SQLite it is the intake writer's lock
        // too) and kept if the position is still where it was once the lock is held, as it is unless another
        // node (PostgreSQL) or a replay moved it meanwhile.
        var types = subscriber.Types is { Count: > 0 } declared ? declared : null;
        var known = await session.Read(CursorSql, subscriber.Name).ExecuteScalarAsync(ct) is { } at and not DBNull
            ? Convert.ToInt64(at, System.Globalization.CultureInfo.InvariantCulture)
            : (long?)null;
        var early = known is { } from ? await ReadSpanAsync(session.Engine, (sql, args) => session.Read(sql, args), from, types, ct) : null;
        if (early is { Reached: null })
            return 0;

        Span span;
        List<Logged> accepted;
        await using (var tx = await session.BeginAsync(ct))
        {
            if (await PositionAsync(tx, subscriber.Name, ct) is not { } position)
                return 0; // another node holds this subscriber
            span = position == known && early is not null ? early : await ReadSpanAsync(tx.Engine, tx.Command, position, types, ct);
            if (span.Reached is not { } reached)
            {
                await tx.CommitAsync(ct, recordCommit: false); // keeps a new subscriber's position row
                return 0;
            }

            accepted = [.. span.Messages.Where(m => subscriber.Accepts(m.Message))];
            try
            {
                using var activity = Activity.StartActivity("outbox.dispatch");
                activity?.SetTag("takt.outbox.subscriber", subscriber.Name);
                activity?.SetTag("takt.outbox.count", accepted.Count);
                if (accepted.Count > 0)
                    await subscriber.HandleBatchAsync(tx, [.. accepted.Select(m => m.Message)], ct);
                Advance(tx, subscriber.Name, reached);
                await tx.CommitAsync(ct, recordCommit: false);
                Delivered.Add(accepted.Count);
                return span.Passed;
            }
            catch (Exception ex) when (accepted.Count > 0 && !session.IsBroken && (ex is not OperationCanceledException || !ct.IsCancellationRequested))
            {
                await tx.RollbackAsync(ct);
            }
        }

        // The batch failed: one message at a time, so the failing ones get a retry row and the others go through.
        foreach (var logged in span.Messages)
        {
            await using var tx = await session.BeginAsync(ct);
            if (await PositionAsync(tx, subscriber.Name, ct) is not { } position || position >= logged.Seq)
                continue;
            if (subscriber.Accepts(logged.Message))
            {
                try
                {
                    await subscriber.HandleAsync(tx, logged.Message, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    await tx.RollbackAsync(ct);
                    await FirstFailureAsync(session, subscriber.Name, logged, ex, ct);
                    continue;
                }

                Delivered.Add(1);
            }

            Advance(tx, subscriber.Name, logged.Seq);
            await tx.CommitAsync(ct, recordCommit: false);
        }

        // Past the messages of other types after the last one read.
        await using (var tx = await session.BeginAsync(ct))
        {
            if (await PositionAsync(tx, subscriber.Name, ct) is { } position && position < span.Reached!.Value)
            {
                Advance(tx, subscriber.Name, span.Reached.Value);
                await tx.CommitAsync(ct, recordCommit: false);
            }
        }

        return span.Passed;
    }

    /// <summary>
    /// What a subscriber reads from a position: its messages, the position it reaches by handling them (null:
    /// nothing after the position) and how many positions that passes.
    /// </summary>
    private sealed record Span(List<Logged> Messages, long? Reached, int Passed);

    /// <summary>
    /// The next batch after <paramref name="position"/>. A subscriber that declares its types reads only messages of
    /// those types, within the next <see cref="ScanWindow"/> positions, and reaches the end of that window when they
    /// are fewer than a batch: messages of other types are passed over without being read. The window's end is read
    /// first, so a message committed meanwhile lies beyond it (logs are appended in commit order,
    /// <see cref="StoreTransaction.StageLogAppend"/>).
    /// </summary>
    private async Task<Span> ReadSpanAsync(
        StoreEngine engine, Func<string, object?[], System.Data.Common.DbCommand> command, long position, IReadOnlyCollection<string>? types, CancellationToken ct)
    {
        if (types is null)
        {
            var all = await ReadAsync(command(ReadSql, [position, (long)options.BatchSize]), ct);
            return new Span(all, all.Count == 0 ? null : all[^1].Seq, all.Count);
        }

        if (await command(WindowEndSql, [position, (long)options.BatchSize * ScanWindow]).ExecuteScalarAsync(ct) is not { } end || end is DBNull)
            return new Span([], null, 0);
        var windowEnd = Convert.ToInt64(end, System.Globalization.CultureInfo.InvariantCulture);
        var (condition, value) = SqlList.In(engine, "m.type", types, 3);
        var messages = await ReadAsync(command(
            $"SELECT {MessageColumns} FROM store_outbox_message m WHERE m.seq > $1 AND m.seq <= $2 AND {condition} ORDER BY m.seq LIMIT $4",
            [position, windowEnd, value, (long)options.BatchSize]), ct);
        var reached = messages.Count == options.BatchSize ? messages[^1].Seq : windowEnd;
        return new Span(messages, reached, (int)Math.Min(reached - position, int.MaxValue));
    }

    /// <summary>How many batches' worth of positions a subscriber with declared types looks through per turn.</summary>
    private const int ScanWindow = 20;

    private const string WindowEndSql = "SELECT MAX(seq) FROM (SELECT seq FROM store_outbox_message WHERE seq > $1 ORDER BY seq LIMIT $2) w";

    /// <summary>The subscriber's position (created at 0 for a new subscriber: it reads the whole log), or null when another node holds it.</summary>
    private async Task<long?> PositionAsync(StoreTransaction tx, string subscriber, CancellationToken ct)
    {
        var locked = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE SKIP LOCKED" : "";
        if (await tx.Command("SELECT position FROM store_outbox_cursor WHERE subscriber = $1" + locked, subscriber).ExecuteScalarAsync(ct) is { } found and not DBNull)
            return Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture);
        var created = await tx.Command(
            "INSERT INTO store_outbox_cursor (subscriber, position, updated_at_us) VALUES ($1, 0, $2) ON CONFLICT (subscriber) DO NOTHING RETURNING position",
            subscriber, clock.GetUtcNow().ToUnixMicroseconds()).ExecuteScalarAsync(ct);
        return created is null or DBNull ? null : 0L;
    }

    private void Advance(StoreTransaction tx, string subscriber, long position) =>
        tx.Stage("UPDATE store_outbox_cursor SET position = $1, updated_at_us = $2 WHERE subscriber = $3", position, clock.GetUtcNow().ToUnixMicroseconds(), subscriber);

    private static async Task<List<Logged>> ReadAsync(System.Data.Common.DbCommand command, CancellationToken ct)
    {
        var list = new List<Logged>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(ReadLogged(reader, 0));
        return list;
    }

    /// <summary>
    /// Messages after position $1, at most $2. What a reader sees of the log is a prefix (appends are in commit
    /// order), so nothing it passes can appear later.
    /// </summary>
    private const string ReadSql = $"SELECT {MessageColumns} FROM store_outbox_message m WHERE m.seq > $1 ORDER BY m.seq LIMIT $2";

    private const string CursorSql = "SELECT position FROM store_outbox_cursor WHERE subscriber = $1";

    private static Logged ReadLogged(System.Data.Common.DbDataReader reader, int at) => new(
        reader.GetInt64(at),
        new OutboxMessage(
            reader.GetString(at + 1),
            reader.GetString(at + 2),
            reader.GetString(at + 3),
            reader.IsDBNull(at + 4) ? null : reader.GetString(at + 4),
            reader.IsDBNull(at + 5) ? null : reader.GetString(at + 5),
            Instants.FromUnixMicroseconds(reader.GetInt64(at + 6)),
            reader.GetString(at + 7)));

    /// <summary>A subscriber failed on a message for the first time: a retry row, and the position moves past it, together.</summary>
    private async Task FirstFailureAsync(StoreSession session, string subscriber, Logged logged, Exception error, CancellationToken ct)
    {
        await using var tx = await session.BeginAsync(ct);
        if (await PositionAsync(tx, subscriber, ct) is not { } position || position >= logged.Seq)
            return;
        var dead = options.MaxAttempts <= 1;
        var delay = Backoff(1);
        tx.Stage(
            "INSERT INTO store_outbox_retry (message_seq, subscriber, status, attempts, next_attempt_at_us, last_error) VALUES ($1, $2, $3, 1, $4, $5)",
            logged.Seq, subscriber, dead ? "dead" : "pending", (clock.GetUtcNow() + delay).ToUnixMicroseconds(), Describe(error));
        Advance(tx, subscriber, logged.Seq);
        await tx.CommitAsync(ct, recordCommit: false);
        Counted(subscriber, logged.Message, 1, dead, delay, error);
    }

    /// <summary>Due retries, each alone in its transaction (PostgreSQL: claimed with SKIP LOCKED).</summary>
    private async Task<int> RetryDueAsync(StoreSession session, CancellationToken ct)
    {
        // Usually nothing is due: look without a write transaction (and, on SQLite, without the write lock).
        await using (var look = session.Connection.CreateCommand())
        {
            var (mine, names) = SqlList.In(store.Engine, "subscriber", [.. outbox.Subscribers.Select(s => s.Name)]);
            look.CommandText = $"SELECT COUNT(*) FROM store_outbox_retry WHERE status = 'pending' AND {mine}";
            var parameter = look.CreateParameter();
            if (store.Engine == StoreEngine.Sqlite)
                parameter.ParameterName = "$1";
            parameter.Value = names;
            look.Parameters.Add(parameter);
            if (Convert.ToInt64(await look.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
                return 0;
        }

        var settled = 0;
        while (settled < options.BatchSize)
        {
            await using var tx = await session.BeginAsync(ct);
            var claim = await ClaimRetryAsync(tx, ct);
            if (claim is null)
                return settled;
            settled++;
            var subscriber = outbox.Subscribers.FirstOrDefault(s => s.Name == claim.Subscriber);
            try
            {
                if (subscriber is null)
                    throw new InvalidOperationException($"No subscriber named '{claim.Subscriber}' is registered.");
                await subscriber.HandleAsync(tx, claim.Logged.Message, ct);
                tx.Stage(
                    "UPDATE store_outbox_retry SET status = 'delivered', attempts = attempts + 1, delivered_at_us = $1, last_error = NULL WHERE id = $2",
                    clock.GetUtcNow().ToUnixMicroseconds(), claim.Id);
                await tx.CommitAsync(ct, recordCommit: false);
                Delivered.Add(1);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(ct);
                await RetryFailedAsync(session, claim, ex, ct);
            }
        }

        return settled;
    }

    private async Task<Retry?> ClaimRetryAsync(StoreTransaction tx, CancellationToken ct)
    {
        // Only this dispatcher's subscribers: other readers of the log (webhooks) keep retry rows of their own.
        var (mine, names) = SqlList.In(tx, "r.subscriber", [.. outbox.Subscribers.Select(s => s.Name)], 2);
        var sql = $"""
            SELECT r.id, r.subscriber, r.attempts, {MessageColumns}
            FROM store_outbox_retry r JOIN store_outbox_message m ON m.seq = r.message_seq
            WHERE r.status = 'pending' AND r.next_attempt_at_us <= $1 AND {mine}
            ORDER BY r.next_attempt_at_us, r.id LIMIT 1
            """ + (tx.Engine == StoreEngine.Postgres ? " FOR UPDATE OF r SKIP LOCKED" : "");
        await using var reader = await tx.Command(sql, clock.GetUtcNow().ToUnixMicroseconds(), names).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Retry(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), ReadLogged(reader, 3))
            : null;
    }

    private async Task RetryFailedAsync(StoreSession session, Retry retry, Exception error, CancellationToken ct)
    {
        var attempts = retry.Attempts + 1;
        var dead = attempts >= options.MaxAttempts;
        var delay = Backoff(attempts);
        await using var tx = await session.BeginAsync(ct);
        await tx.ExecuteAsync(
            "UPDATE store_outbox_retry SET attempts = $1, status = $2, next_attempt_at_us = $3, last_error = $4 WHERE id = $5 AND status = 'pending'",
            ct,
            attempts,
            dead ? "dead" : "pending",
            (clock.GetUtcNow() + delay).ToUnixMicroseconds(),
            Describe(error),
            retry.Id);
        await tx.CommitAsync(ct, recordCommit: false);
        Counted(retry.Subscriber, retry.Logged.Message, attempts, dead, delay, error);
    }

    private static string Describe(Exception error) => $"{error.GetType().Name}: {error.Message}";

    private void Counted(string subscriber, OutboxMessage message, int attempts, bool dead, TimeSpan delay, Exception error)
    {
        Failed.Add(1);
        if (dead)
        {
            DeadLettered.Add(1);
            LogDeadLettered(logger, message.Id, message.Type, subscriber, attempts, error);
        }
        else
        {
            LogRetrying(logger, message.Id, subscriber, attempts, delay, error);
        }
    }

    /// <summary>Exponential backoff with ±20 % jitter, capped (attempt 1 → about the base delay).</summary>
    public TimeSpan Backoff(int attempt) => RetryDelay.Of(attempt, options.BaseDelay, options.MaxDelay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox delivery of {MessageId} to {Subscriber} failed (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string messageId, string subscriber, int attempt, TimeSpan delay, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox delivery of {MessageId} ({Type}) to {Subscriber} dead-lettered after {Attempts} attempts")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string type, string subscriber, int attempts, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatcher cannot reach the store; retrying")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception error);
}

/// <summary>The retry schedule every Takt reader of the outbox uses (dispatcher, webhooks).</summary>
public static class RetryDelay
{
    /// <summary>
    /// Exponential backoff with ±20 % jitter, capped: attempt 1 → about <paramref name="baseDelay"/>, doubling per
    /// attempt, never more than <paramref name="maxDelay"/>.
    /// </summary>
    public static TimeSpan Of(int attempt, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
#pragma warning disable CA5394 // jitter spreads retries; it is not security-relevant
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        // Cap after the jitter: maxDelay is the longest retry delay, not the middle of the last band.
        return TimeSpan.FromMilliseconds(Math.Min(exponential * jitter, maxDelay.TotalMilliseconds));
    }
}
