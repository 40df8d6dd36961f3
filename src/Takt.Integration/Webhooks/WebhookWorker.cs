using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Integration.Webhooks;

public sealed class WebhookOptions
{
    /// <summary>One HTTP attempt's limit. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First retry delay; doubles per attempt with ±20 % jitter. Default 2 s.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest retry delay. Default 5 min.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Messages read per subscription and turn. Default 200.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>How often to look for due retries when no commit wakes the worker. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Circuit breaker: the share of failed attempts within <see cref="BreakSamplingDuration"/> that opens a subscription's circuit.</summary>
    public double BreakFailureRatio { get; set; } = 0.8;

    /// <summary>Circuit breaker: the fewest attempts within the sampling period before the circuit may open.</summary>
    public int BreakMinimumThroughput { get; set; } = 10;

    /// <summary>Circuit breaker: the period over which failures are counted.</summary>
    public TimeSpan BreakSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: how long an open circuit makes no attempt before one trial delivery.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// Delivers outbox messages to webhook subscriptions over HTTP: CloudEvents in structured mode, signed (see
/// <see cref="WebhookSigner"/>). Each subscription reads the log from its own position; no database
/// transaction is open while a request is in flight. A delivery counts when the receiver answers 2xx; until
/// the position is written it may be sent again (after a crash), so receivers dedupe by <c>webhook-id</c>
/// (the CloudEvent id). A failed delivery gets a retry row with exponential backoff and jitter and is dead
/// after the subscription's attempt limit (replayable). An ordered subscription sends nothing newer while
/// one of its deliveries waits for a retry, so the receiver sees the log's order.
/// </summary>
public sealed partial class WebhookWorker(
    TaktStore store,
    OutboxSignal signal,
    WebhookOptions options,
    IHttpClientFactory httpClients,
    TimeProvider clock,
    Operations.ChannelControl channels,
    WebhookCircuits circuits,
    ILogger<WebhookWorker> logger) : BackgroundService
{
    public const string HttpClientName = "takt-webhooks";
    private static readonly ActivitySource Activity = new("Takt.Integration.Webhooks");
    private static readonly Meter Meter = new("Takt.Integration.Webhooks");
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("takt.webhooks.delivered");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("takt.webhooks.failed");
    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("takt.webhooks.dead_lettered");

    private sealed record Logged(long Seq, OutboxMessage Message);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        IReadOnlyList<WebhookTarget> targets = [];
        var readAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = signal.Next;
            var sent = 0;
            try
            {
                // The subscriptions are read again at most once a second, not at every commit that wakes the worker.
                if (clock.GetUtcNow() - readAt >= TimeSpan.FromSeconds(1))
                {
                    targets = await WebhookSubscriptions.ActiveAsync(store, stoppingToken);
                    readAt = clock.GetUtcNow();
                }

                foreach (var target in targets)
                {
                    // Ops may hold a subscription paused (nothing is sent, not even retries) or drain it: deliver up
                    // to the outbox position of the drain's moment, then pause.
                    var channel = channels.Get(Operations.Channels.Webhook(target.Webhook.Id));
                    if (channel.IsPaused)
                        continue;
                    sent += await TurnAsync(target, channel.IsDraining ? channel.DrainTo ?? 0 : null, stoppingToken);
                    if (channel.IsDraining && await DrainedAsync(target, channel.DrainTo ?? 0, stoppingToken))
                        await channels.CompleteDrainAsync(channel, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException)
            {
                LogStoreUnavailable(logger, ex);
            }

            if (sent == 0)
            {
                try
                {
                    // Polling runs on real time (a fake business clock in tests must not stop it); retries fall due by the business clock.
                    await OutboxSignal.WaitAsync(next, options.PollInterval, TimeProvider.System, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// One subscription's turn: due retries first, then new messages (up to outbox position <paramref name="upTo"/>
    /// while it drains). Returns the attempts made.
    /// </summary>
    internal async Task<int> TurnAsync(WebhookTarget target, long? upTo, CancellationToken ct)
    {
        // An open circuit makes no attempt at all: the messages wait in the log and their retries keep their attempts.
        if (circuits.IsOpen(target.Webhook.Id))
            return 0;

        // One connection serves the whole turn: its reads, its writes and the attempt log of every request.
        await using var connection = await store.OpenConnectionAsync(ct);
        if (store.Engine != StoreEngine.Postgres)
            return await TurnOnAsync(connection, target, upTo, ct);

        // Several nodes on one PostgreSQL: one sends for a subscription at a time. The turn holds a session advisory
        // lock on the subscription (no transaction stays open while a request is in flight); another node's worker
        // finds it taken and passes over the subscription. The lock goes with the connection if the node dies.
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TryLockSql, new { subscriber = target.Subscriber }, cancellationToken: ct)))
            return 0;
        try
        {
            return await TurnOnAsync(connection, target, upTo, ct);
        }
        finally
        {
            try
            {
                await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UnlockSql, new { subscriber = target.Subscriber }, cancellationToken: CancellationToken.None));
            }
            catch (System.Data.Common.DbException)
            {
                // The connection broke: the session and its lock are gone with it.
            }
        }
    }

    // Key space "takt" (ASCII) and the subscriber's hash: a collision only makes two subscriptions take turns.
    private const string TryLockSql = "SELECT pg_try_advisory_lock(1952541556, hashtext(@subscriber))";
    private const string UnlockSql = "SELECT pg_advisory_unlock(1952541556, hashtext(@subscriber))";

    private async Task<int> TurnOnAsync(System.Data.Common.DbConnection connection, WebhookTarget target, long? upTo, CancellationToken ct)
    {
        var attempts = await RetryDueAsync(connection, target, ct);
        if (target.Webhook.Ordered && await WaitingRetriesAsync(connection, target, ct) > 0)
            return attempts; // the log's order: nothing newer passes a delivery that waits for its retry

        var position = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT position FROM store_outbox_cursor WHERE subscriber = @subscriber", new { subscriber = target.Subscriber }, cancellationToken: ct)) ?? 0;
        var batch = (await connection.QueryAsync<(long Seq, string Id, string Type, string Source, string? Subject, string? Plant, long TimeUs, string Data)>(new CommandDefinition(
                $"SELECT seq, id, type, source, subject, plant, time_us, data FROM store_outbox_message WHERE seq > @position{(upTo is null ? "" : " AND seq <= @upTo")} ORDER BY seq LIMIT @limit",
                new { position, upTo, limit = options.BatchSize }, cancellationToken: ct)))
            .Select(r => new Logged(r.Seq, new OutboxMessage(r.Id, r.Type, r.Source, r.Subject, r.Plant, Instants.FromUnixMicroseconds(r.TimeUs), r.Data)))
            .ToList();
        if (batch.Count == 0)
            return attempts;

        target = await WithCurrentPlantsAsync(connection, target, ct);
        var reached = position;
        foreach (var logged in batch)
        {
            if (circuits.IsOpen(target.Webhook.Id))
                break; // the circuit opened during this turn: what is left waits at the position
            if (target.Accepts(logged.Message))
            {
                attempts++;
                var error = await SendAsync(connection, target, logged.Message, 1, ct);
                if (error is not null)
                {
                    // Park it in a retry row and move the position past it, in one transaction.
                    await FailedFirstAsync(connection, target, logged, error, ct);
                    if (target.Webhook.Ordered)
                        return attempts;
                    reached = logged.Seq;
                    continue;
                }
            }

            reached = logged.Seq;
        }

        await AdvanceAsync(connection, target, position, reached, ct);
        return attempts;
    }

    /// <summary>
    /// The subscription with its client's plants as they are now (the subscriptions themselves are read at most once
    /// a second): a client whose plants shrank receives nothing of the others from this turn on, and a revoked
    /// client (or one no longer registered) receives nothing at all.
    /// </summary>
    private static async Task<WebhookTarget> WithCurrentPlantsAsync(System.Data.Common.DbConnection connection, WebhookTarget target, CancellationToken ct)
    {
        if (target.Webhook.ClientId is not { } client)
            return target;
        var current = await connection.QuerySingleOrDefaultAsync<(string Status, string? Plants)?>(new CommandDefinition(
            "SELECT status, plants FROM integration_client WHERE id = @client", new { client }, cancellationToken: ct));
        return current is { Status: "active" } active
            ? target with { ClientPlants = active.Plants?.Split(' ', StringSplitOptions.RemoveEmptyEntries) }
            : target with { ClientPlants = [] };
    }

    private async Task<int> RetryDueAsync(System.Data.Common.DbConnection connection, WebhookTarget target, CancellationToken ct)
    {
        var due = await connection.QueryAsync<(long Id, long Attempts, long Seq, string MessageId, string Type, string Source, string? Subject, string? Plant, long TimeUs, string Data)>(new CommandDefinition(
            """
            SELECT r.id, r.attempts, m.seq, m.id, m.type, m.source, m.subject, m.plant, m.time_us, m.data
            FROM store_outbox_retry r JOIN store_outbox_message m ON m.seq = r.message_seq
            WHERE r.subscriber = @subscriber AND r.status = 'pending' AND r.next_attempt_at_us <= @now
            ORDER BY m.seq LIMIT @limit
            """,
            new { subscriber = target.Subscriber, now = clock.GetUtcNow().ToUnixMicroseconds(), limit = options.BatchSize }, cancellationToken: ct));
        if (due.Any())
            target = await WithCurrentPlantsAsync(connection, target, ct);
        var attempts = 0;
        foreach (var r in due)
        {
            if (circuits.IsOpen(target.Webhook.Id))
                break;
            attempts++;
            var attempt = (int)r.Attempts + 1;
            var message = new OutboxMessage(r.MessageId, r.Type, r.Source, r.Subject, r.Plant, Instants.FromUnixMicroseconds(r.TimeUs), r.Data);
            if (!target.MayReceive(message.Plant))
            {
                // The client's plants changed (or it was revoked) since the message was queued: it is not sent; a
                // replay checks again.
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE store_outbox_retry SET status = 'dead', last_error = @error WHERE id = @id AND status = 'pending'",
                    new { id = r.Id, error = target.ClientPlants is [] ? $"client.revoked: client '{target.Webhook.ClientId}' is revoked or no longer registered" : $"client.plant-forbidden: client '{target.Webhook.ClientId}' may no longer receive plant '{message.Plant}'" },
                    cancellationToken: ct));
                continue;
            }

            var error = await SendAsync(connection, target, message, attempt, ct);
            var dead = error is not null && attempt >= target.Webhook.MaxAttempts;
            await connection.ExecuteAsync(new CommandDefinition(
                error is null
                    ? "UPDATE store_outbox_retry SET status = 'delivered', attempts = @attempt, delivered_at_us = @now, last_error = NULL WHERE id = @id AND status = 'pending'"
                    : "UPDATE store_outbox_retry SET status = @status, attempts = @attempt, next_attempt_at_us = @next, last_error = @error WHERE id = @id AND status = 'pending'",
                new
                {
                    id = r.Id, attempt = (long)attempt, now = clock.GetUtcNow().ToUnixMicroseconds(), status = dead ? "dead" : "pending",
                    next = (clock.GetUtcNow() + Backoff(attempt)).ToUnixMicroseconds(), error,
                },
                cancellationToken: ct));
            if (error is not null)
            {
                Counted(target, message, attempt, dead, error);
                if (target.Webhook.Ordered && !dead)
                    break; // later ones wait behind this one
            }
        }

        return attempts;
    }

    /// <summary>A drain is done when the position has reached its mark and no delivery up to the mark waits for a retry.</summary>
    private async Task<bool> DrainedAsync(WebhookTarget target, long upTo, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var (position, waiting) = await connection.QuerySingleAsync<(long Position, long Waiting)>(new CommandDefinition(
            """
            SELECT COALESCE((SELECT position FROM store_outbox_cursor WHERE subscriber = @subscriber), 0),
                   (SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @subscriber AND status = 'pending' AND message_seq <= @upTo)
            """,
            new { subscriber = target.Subscriber, upTo }, cancellationToken: ct));
        return position >= upTo && waiting == 0;
    }

    private static async Task<long> WaitingRetriesAsync(System.Data.Common.DbConnection connection, WebhookTarget target, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @subscriber AND status = 'pending'", new { subscriber = target.Subscriber }, cancellationToken: ct));

    private async Task FailedFirstAsync(System.Data.Common.DbConnection connection, WebhookTarget target, Logged logged, string error, CancellationToken ct)
    {
        var dead = target.Webhook.MaxAttempts <= 1;
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO store_outbox_retry (message_seq, subscriber, status, attempts, next_attempt_at_us, last_error)
            VALUES (@seq, @subscriber, @status, 1, @next, @error)
            ON CONFLICT (message_seq, subscriber) DO UPDATE SET status = excluded.status, attempts = 1, next_attempt_at_us = excluded.next_attempt_at_us, last_error = excluded.last_error
            """,
            new { seq = logged.Seq, subscriber = target.Subscriber, status = dead ? "dead" : "pending", next = (clock.GetUtcNow() + Backoff(1)).ToUnixMicroseconds(), error },
            tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE store_outbox_cursor SET position = @seq, updated_at_us = @now WHERE subscriber = @subscriber AND position < @seq",
            new { seq = logged.Seq, now = clock.GetUtcNow().ToUnixMicroseconds(), subscriber = target.Subscriber }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        Counted(target, logged.Message, 1, dead, error);
    }

    private async Task AdvanceAsync(System.Data.Common.DbConnection connection, WebhookTarget target, long from, long to, CancellationToken ct)
    {
        if (to <= from)
            return;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE store_outbox_cursor SET position = @to, updated_at_us = @now WHERE subscriber = @subscriber AND position <= @to",
            new { to, now = clock.GetUtcNow().ToUnixMicroseconds(), subscriber = target.Subscriber }, cancellationToken: ct));
    }

    /// <summary>One signed POST; null when the receiver took it (2xx), else what went wrong. Every attempt is logged.</summary>
    private async Task<string?> SendAsync(System.Data.Common.DbConnection connection, WebhookTarget target, OutboxMessage message, int attempt, CancellationToken ct)
    {
        using var activity = Activity.StartActivity("webhook.deliver", ActivityKind.Client);
        activity?.SetTag("takt.webhook.id", target.Webhook.Id);
        activity?.SetTag("takt.message.id", message.Id);
        var body = Body(message);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var secrets = new List<string> { target.Secret };
        if (target.PreviousSecret is not null && target.PreviousUntilUs > clock.GetUtcNow().ToUnixMicroseconds())
            secrets.Add(target.PreviousSecret);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Webhook.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/cloudevents+json")),
        };
        request.Headers.Add(WebhookSigner.IdHeader, message.Id);
        request.Headers.Add(WebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigner.SignatureHeader, WebhookSigner.Header(secrets, message.Id, timestamp, body));

        var started = Stopwatch.GetTimestamp();
        int? status = null;
        string? error;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(options.Timeout);
            error = await circuits.AttemptAsync(target.Webhook.Id, async token =>
            {
                try
                {
                    using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                    status = (int)response.StatusCode;
                    return response.IsSuccessStatusCode ? null : $"HTTP {status} {response.ReasonPhrase}";
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return $"No answer within {options.Timeout.TotalSeconds:0.#} s";
                }
                catch (HttpRequestException ex)
                {
                    return $"{ex.HttpRequestError}: {ex.Message}";
                }
            }, timeout.Token);
        }

        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        activity?.SetTag("http.response.status_code", status);
        if (error is null)
            Delivered.Add(1);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO integration_webhook_attempt (webhook_id, message_id, attempt, status_code, error, duration_ms, at_us) VALUES (@webhook, @message, @attempt, @status, @error, @elapsed, @at)",
            new { webhook = target.Webhook.Id, message = message.Id, attempt = (long)attempt, status = (long?)status, error, elapsed, at = clock.GetUtcNow().ToUnixMicroseconds() },
            cancellationToken: ct));
        return error;
    }

    /// <summary>The CloudEvent in structured mode, its data as published.</summary>
    internal static string Body(OutboxMessage message)
    {
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = message.Id,
            ["source"] = message.Source,
            ["type"] = message.Type,
            ["time"] = message.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["datacontenttype"] = "application/json",
        };
        if (message.Subject is not null)
            envelope["subject"] = message.Subject;
        if (message.Plant is not null)
            envelope["taktplant"] = message.Plant;
        envelope["data"] = JsonNode.Parse(message.Data);
        return envelope.ToJsonString();
    }

    /// <summary>Exponential backoff with ±20 % jitter, capped (the outbox's schedule).</summary>
    public TimeSpan Backoff(int attempt) => RetryDelay.Of(attempt, options.BaseDelay, options.MaxDelay);

    private void Counted(WebhookTarget target, OutboxMessage message, int attempt, bool dead, string error)
    {
        Failed.Add(1);
        if (dead)
        {
            DeadLettered.Add(1);
            LogDeadLettered(logger, message.Id, target.Webhook.Id, target.Webhook.Url, attempt, error);
        }
        else
        {
            LogRetrying(logger, message.Id, target.Webhook.Id, target.Webhook.Url, attempt, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook} ({Url}) refused {MessageId} (attempt {Attempt}: {Error}); retrying")]
    private static partial void LogRetrying(ILogger logger, string messageId, string webhook, Uri url, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Webhook} ({Url}): {MessageId} dead-lettered after {Attempt} attempts ({Error})")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string webhook, Uri url, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook deliveries cannot reach the store; retrying")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception error);
}
