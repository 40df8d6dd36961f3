using Dapper;
using Takt.Integration.Webhooks;
using Takt.Store;

namespace Takt.Integration.Operations;

/// <summary>One channel as ops sees it: its state, its queue and its throughput.</summary>
/// <param name="Channel">The name to pause, drain or resume it by.</param>
/// <param name="Direction"><c>inbound</c> or <c>outbound</c>.</param>
/// <param name="Description">What it is (for a webhook, its URL).</param>
/// <param name="State"><c>running</c>, <c>paused</c> or <c>draining</c>.</param>
/// <param name="Reason">Why it was last changed.</param>
/// <param name="Actor">Who changed it.</param>
/// <param name="ChangedAt">When.</param>
/// <param name="Depth">What waits: inbound, events admitted on this node and not yet committed (MQTT: received and not
/// yet decided; the broker keeps the rest; unknown outside a server); outbound, outbox messages after the subscription's position (its filter
/// may skip some) plus deliveries waiting for a retry.</param>
/// <param name="OldestAgeSeconds">Outbound: age of the oldest message waiting; null when nothing waits or not known.</param>
/// <param name="Circuit">Outbound: this node's circuit breaker for the receiver (<c>closed</c>, <c>open</c>, <c>half-open</c>);
/// null before the first attempt or outside a server.</param>
/// <param name="LastMinute">Events taken (inbound, this node; unknown outside a server) or deliveries acknowledged
/// (outbound) in the last 60 s.</param>
public sealed record ChannelStatus(
    string Channel,
    string Direction,
    string Description,
    string State,
    string? Reason,
    string? Actor,
    DateTimeOffset? ChangedAt,
    long? Depth,
    double? OldestAgeSeconds,
    long? LastMinute,
    string? Circuit = null);

public static class ChannelStatuses
{
    /// <summary>What a server node sees: the states it holds, its intake's queues and throughput.</summary>
    public static Task<IReadOnlyList<ChannelStatus>> ReadAsync(TaktStore store, ChannelControl control, TimeProvider clock, CancellationToken ct) =>
        ReadAsync(store, control.Get, channel => channel switch
        {
            Channels.Mqtt => control.MqttQueued?.Invoke() ?? 0,
            _ => control.GatewayInFlight,
        }, channel => control.Meter.LastMinute(channel), control.Circuits.StateOf, clock, ct);

    /// <summary>What the database alone tells (the CLI): states and outbound queues; inbound queues live in the servers.</summary>
    public static async Task<IReadOnlyList<ChannelStatus>> ReadAsync(TaktStore store, TimeProvider clock, CancellationToken ct)
    {
        var states = (await ChannelStore.ReadAsync(store, ct)).ToDictionary(s => s.Channel, StringComparer.Ordinal);
        return await ReadAsync(store, c => states.GetValueOrDefault(c) ?? ChannelState.Running(c), _ => null, _ => null, _ => null, clock, ct);
    }

    private static async Task<IReadOnlyList<ChannelStatus>> ReadAsync(
        TaktStore store, Func<string, ChannelState> stateOf, Func<string, long?> inboundDepth, Func<string, long?> inboundLastMinute, Func<string, string?> circuitOf,
        TimeProvider clock, CancellationToken ct)
    {
        ChannelStatus Inbound(string channel, string description)
        {
            var state = stateOf(channel);
            return new ChannelStatus(channel, "inbound", description, state.State, state.Reason, state.Actor, state.ChangedAt, inboundDepth(channel), null, inboundLastMinute(channel));
        }

        var list = new List<ChannelStatus>
        {
            Inbound(Channels.Gateway, "CloudEvents over HTTP: POST /api/v1/events"),
            Inbound(Channels.Adapters, "Documents: B2MML and CSV uploads"),
            Inbound(Channels.Mqtt, "MQTT intake"),
        };

        var now = clock.GetUtcNow();
        await using var connection = await store.OpenConnectionAsync(ct);
        var head = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM store_outbox_message", cancellationToken: ct)) ?? 0;
        foreach (var webhook in await WebhookSubscriptions.ListAsync(store, null, ct))
        {
            var channel = Channels.Webhook(webhook.Id);
            var subscriber = WebhookSubscriptions.SubscriberOf(webhook.Id);
            var position = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT position FROM store_outbox_cursor WHERE subscriber = @subscriber", new { subscriber }, cancellationToken: ct)) ?? 0;
            var (retries, oldestRetryUs) = await connection.QuerySingleAsync<(long Count, long? Oldest)>(new CommandDefinition(
                """
                SELECT COUNT(*), MIN(m.created_at_us) FROM store_outbox_retry r JOIN store_outbox_message m ON m.seq = r.message_seq
                WHERE r.subscriber = @subscriber AND r.status = 'pending'
                """,
                new { subscriber }, cancellationToken: ct));
            var oldestNewUs = position < head
                ? await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT created_at_us FROM store_outbox_message WHERE seq > @position ORDER BY seq LIMIT 1", new { position }, cancellationToken: ct))
                : null;
            var acknowledged = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM integration_webhook_attempt WHERE webhook_id = @id AND at_us >= @since AND status_code BETWEEN 200 AND 299",
                new { id = webhook.Id, since = (now - TimeSpan.FromMinutes(1)).ToUnixMicroseconds() }, cancellationToken: ct));
            long? oldestUs = (oldestRetryUs, oldestNewUs) switch
            {
                ({ } a, { } b) => Math.Min(a, b),
                ({ } a, null) => a,
                (null, { } b) => b,
                _ => null,
            };
            var state = stateOf(channel);
            list.Add(new ChannelStatus(channel, "outbound", webhook.Url.ToString(), state.State, state.Reason, state.Actor, state.ChangedAt,
                Math.Max(0, head - position) + retries,
                oldestUs is { } us ? Math.Max(0, (now - Instants.FromUnixMicroseconds(us)).TotalSeconds) : null,
                acknowledged,
                circuitOf(webhook.Id)));
        }

        return list;
    }
}
