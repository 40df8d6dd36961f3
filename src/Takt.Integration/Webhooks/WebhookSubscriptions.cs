using System.Text.Json;
using Dapper;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Integration.Webhooks;

/// <summary>A webhook subscription as the API shows it (never its secret).</summary>
public sealed record Webhook(
    string Id,
    string? ClientId,
    Uri Url,
    IReadOnlyList<string> EventTypes,
    string? Plant,
    bool Ordered,
    int MaxAttempts,
    string Status,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PreviousSecretValidUntil);

/// <summary>What a client asks for. Empty <see cref="EventTypes"/> means every published type.</summary>
public sealed record WebhookRequest(Uri? Url, IReadOnlyList<string>? EventTypes, string? Plant, bool Ordered = false, int? MaxAttempts = null, string? Description = null);

/// <summary>The answer to a creation or a rotation: the secret is shown this once.</summary>
public sealed record WebhookSecret(Webhook Webhook, string Secret);

/// <summary>
/// The subscription with what the worker needs to sign, and the plants its client may receive now
/// (<paramref name="ClientPlants"/>; null: every plant, for an unrestricted client or a subscription made by the CLI).
/// </summary>
internal sealed record WebhookTarget(Webhook Webhook, string Secret, string? PreviousSecret, long? PreviousUntilUs, IReadOnlyList<string>? ClientPlants = null)
{
    public string Subscriber => WebhookSubscriptions.SubscriberOf(Webhook.Id);

    // The client's plants are read again with the subscriptions (at most a second old), so a client whose plants
    // shrink stops receiving the others' events at once, whatever its subscription's filter says; an event that
    // names no plant goes to unrestricted clients only.
    public bool Accepts(OutboxMessage message) =>
        (Webhook.EventTypes.Count == 0 || Webhook.EventTypes.Contains(message.Type, StringComparer.Ordinal))
        && (Webhook.Plant is null || string.Equals(Webhook.Plant, message.Plant, StringComparison.Ordinal))
        && MayReceive(message.Plant);

    public bool MayReceive(string? plant) => ClientPlants is null || (plant is not null && ClientPlants.Contains(plant, StringComparer.Ordinal));
}

/// <summary>Webhook subscriptions: create, list, rotate the secret, delete, replay (API and CLI call these).</summary>
public static class WebhookSubscriptions
{
    public const int DefaultMaxAttempts = 8;

    public static string SubscriberOf(string webhookId) => "webhook:" + webhookId;

    /// <summary>Checks a request: an absolute http(s) URL, published event types, a sensible attempt limit.</summary>
    public static IReadOnlyList<Violation> Check(WebhookRequest request)
    {
        var violations = new List<Violation>();
        if (request.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            violations.Add(new Violation("/url", "webhook.url-invalid", "url must be an absolute http or https URL."));
        foreach (var (type, i) in (request.EventTypes ?? []).Select((t, i) => (t, i)))
        {
            if (!EventTypes.All.TryGetValue(type, out var known) || known.Inbound)
                violations.Add(new Violation($"/eventTypes/{i}", "webhook.event-type-unknown", $"'{type}' is not an event type Takt publishes; see contracts/events."));
        }

        if (request.MaxAttempts is < 1 or > 50)
            violations.Add(new Violation("/maxAttempts", "webhook.max-attempts-range", "maxAttempts lies between 1 and 50."));
        if (request.Plant is { Length: 0 })
            violations.Add(new Violation("/plant", "webhook.plant-empty", "plant is a plant code, or absent for every plant."));
        return violations;
    }

    /// <summary>
    /// Creates a subscription that receives what is published from now on: its position starts at the log's
    /// head, in the same transaction.
    /// </summary>
    public static async Task<WebhookSecret> CreateAsync(TaktStore store, TimeProvider clock, WebhookRequest request, string? clientId, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (id, secret) = await CreateAsync(connection, tx, clock, request, clientId, ct);
        await tx.CommitAsync(ct);
        return new WebhookSecret((await GetAsync(store, id, ct))!, secret);
    }

    /// <summary>Creates a subscription in the caller's store transaction (plant onboarding: all or nothing); returns its id and secret.</summary>
    public static Task<(string Id, string Secret)> CreateAsync(StoreTransaction transaction, WebhookRequest request, string? clientId, CancellationToken ct) =>
        CreateAsync(transaction.Connection, transaction.Transaction, transaction.Clock, request, clientId, ct);

    private static async Task<(string Id, string Secret)> CreateAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, TimeProvider clock, WebhookRequest request, string? clientId, CancellationToken ct)
    {
        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N")[..16];
        var secret = WebhookSigner.NewSecret();
        var now = clock.GetUtcNow().ToUnixMicroseconds();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO integration_webhook (id, client_id, url, event_types, plant, ordered, max_attempts, secret, status, description, created_at_us)
            VALUES (@id, @clientId, @url, @types, @plant, @ordered, @maxAttempts, @secret, 'active', @description, @now)
            """,
            new
            {
                id, clientId, url = request.Url!.ToString(), types = JsonSerializer.Serialize(request.EventTypes ?? []), plant = request.Plant,
                ordered = request.Ordered ? 1L : 0L, maxAttempts = (long)(request.MaxAttempts ?? DefaultMaxAttempts), secret, description = request.Description, now,
            },
            tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO store_outbox_cursor (subscriber, position, updated_at_us) SELECT @subscriber, COALESCE(MAX(seq), 0), @now FROM store_outbox_message",
            new { subscriber = SubscriberOf(id), now }, tx, cancellationToken: ct));
        return (id, secret);
    }

    public static async Task<IReadOnlyList<Webhook>> ListAsync(TaktStore store, string? clientId, CancellationToken ct) =>
        [.. (await TargetsAsync(store, null, clientId, includeDeleted: false, ct)).Select(t => t.Webhook)];

    public static async Task<Webhook?> GetAsync(TaktStore store, string id, CancellationToken ct) =>
        (await TargetsAsync(store, id, null, includeDeleted: true, ct)).SingleOrDefault()?.Webhook;

    internal static async Task<IReadOnlyList<WebhookTarget>> ActiveAsync(TaktStore store, CancellationToken ct) =>
        await TargetsAsync(store, null, null, includeDeleted: false, ct);

    /// <summary>A new secret; the old one keeps signing beside it for <paramref name="grace"/>.</summary>
    public static async Task<WebhookSecret?> RotateAsync(TaktStore store, TimeProvider clock, string id, TimeSpan grace, CancellationToken ct)
    {
        var secret = WebhookSigner.NewSecret();
        await using var connection = await store.OpenConnectionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE integration_webhook SET previous_secret = secret, previous_until_us = @until, secret = @secret WHERE id = @id AND status = 'active'",
            new { id, secret, until = (clock.GetUtcNow() + grace).ToUnixMicroseconds() }, cancellationToken: ct));
        return changed == 0 ? null : new WebhookSecret((await GetAsync(store, id, ct))!, secret);
    }

    /// <summary>Stops deliveries; the subscription and its history stay readable.</summary>
    public static async Task<bool> DeleteAsync(TaktStore store, string id, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE integration_webhook SET status = 'deleted' WHERE id = @id AND status = 'active'", new { id }, cancellationToken: ct)) > 0;
    }

    /// <summary>
    /// Queues already published messages again for one subscription: those whose event time lies in
    /// [<paramref name="from"/>, <paramref name="to"/>) and/or those with the given ids, filtered like live
    /// deliveries. Each becomes a due retry row (an existing one is reset). Returns how many.
    /// </summary>
    public static async Task<int> ReplayAsync(TaktStore store, TimeProvider clock, string id, DateTimeOffset? from, DateTimeOffset? to, IReadOnlyCollection<string>? messageIds, CancellationToken ct)
    {
        var target = (await TargetsAsync(store, id, null, includeDeleted: false, ct)).SingleOrDefault();
        if (target is null)
            return -1;
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(long Seq, string Id, string Type, string Plant)>(new CommandDefinition(
            """
            SELECT seq, id, type, COALESCE(plant, '') FROM store_outbox_message
            WHERE time_us >= @from AND time_us < @to
            ORDER BY seq
            """,
            new { from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue }, cancellationToken: ct));
        var wanted = messageIds is { Count: > 0 } ? messageIds.ToHashSet(StringComparer.Ordinal) : null;
        var seqs = rows
            .Where(r => (wanted is null || wanted.Contains(r.Id)) && target.Accepts(new OutboxMessage(r.Id, r.Type, "", null, r.Plant.Length == 0 ? null : r.Plant, default, "")))
            .Select(r => r.Seq)
            .ToList();
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var seq in seqs)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO store_outbox_retry (message_seq, subscriber, status, attempts, next_attempt_at_us)
                VALUES (@seq, @subscriber, 'pending', 0, @now)
                ON CONFLICT (message_seq, subscriber) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at_us = excluded.next_attempt_at_us, last_error = NULL
                """,
                new { seq, subscriber = target.Subscriber, now }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return seqs.Count;
    }

    public sealed record Attempt(string MessageId, int Number, int? StatusCode, string? Error, long DurationMs, DateTimeOffset At);

    /// <summary>The latest HTTP attempts of a subscription, newest first.</summary>
    public static async Task<IReadOnlyList<Attempt>> AttemptsAsync(TaktStore store, string id, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string MessageId, long Attempt, long? StatusCode, string? Error, long DurationMs, long AtUs)>(new CommandDefinition(
            "SELECT message_id, attempt, status_code, error, duration_ms, at_us FROM integration_webhook_attempt WHERE webhook_id = @id ORDER BY at_us DESC LIMIT @limit",
            new { id, limit }, cancellationToken: ct));
        return [.. rows.Select(r => new Attempt(r.MessageId, (int)r.Attempt, (int?)r.StatusCode, r.Error, r.DurationMs, Instants.FromUnixMicroseconds(r.AtUs)))];
    }

    private static async Task<IReadOnlyList<WebhookTarget>> TargetsAsync(TaktStore store, string? id, string? clientId, bool includeDeleted, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Id, string? ClientId, string Url, string Types, string? Plant, long Ordered, long MaxAttempts, string Secret, string? PreviousSecret, long? PreviousUntilUs, string Status, string? Description, long CreatedAtUs, string? ClientPlants)>(
            new CommandDefinition(
                """
                SELECT w.id, w.client_id, w.url, w.event_types, w.plant, w.ordered, w.max_attempts, w.secret, w.previous_secret, w.previous_until_us, w.status, w.description, w.created_at_us,
                       c.plants
                FROM integration_webhook w LEFT JOIN integration_client c ON c.id = w.client_id
                WHERE (CAST(@id AS text) IS NULL OR w.id = @id) AND (CAST(@clientId AS text) IS NULL OR w.client_id = @clientId) AND (@includeDeleted OR w.status = 'active')
                ORDER BY w.created_at_us, w.id
                """,
                new { id, clientId, includeDeleted }, cancellationToken: ct));
        return [.. rows.Select(r => new WebhookTarget(
            new Webhook(
                r.Id, r.ClientId, new Uri(r.Url), JsonSerializer.Deserialize<string[]>(r.Types) ?? [], r.Plant, r.Ordered == 1, (int)r.MaxAttempts, r.Status,
                r.Description, Instants.FromUnixMicroseconds(r.CreatedAtUs), r.PreviousUntilUs is { } until ? Instants.FromUnixMicroseconds(until) : null),
            r.Secret,
            r.PreviousSecret,
            r.PreviousUntilUs,
            r.ClientPlants?.Split(' ', StringSplitOptions.RemoveEmptyEntries)))];
    }
}
