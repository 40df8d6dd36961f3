using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Integration.Operations;

/// <summary>A change of a channel's state, as the history keeps it.</summary>
public sealed record ChannelChange(string Channel, string State, string? Reason, string Actor, DateTimeOffset At);

/// <summary>
/// <c>integration_channel</c> and its history. The server (<see cref="ChannelControl"/>) and the CLI both write
/// through here, so the rules are the same whichever way ops acts.
/// </summary>
public static class ChannelStore
{
    /// <summary>The shortest reason a pause or drain accepts: a restart procedure is audited, "x" explains nothing.</summary>
    public const int MinimumReason = 3;

    public static async Task<IReadOnlyList<ChannelState>> ReadAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Channel, string State, string? Reason, string Actor, long? DrainTo, long ChangedAtUs)>(new CommandDefinition(
            "SELECT channel, state, reason, actor, drain_to, changed_at_us FROM integration_channel ORDER BY channel", cancellationToken: ct));
        return [.. rows.Select(r => new ChannelState(r.Channel, r.State, r.Reason, r.Actor, Instants.FromUnixMicroseconds(r.ChangedAtUs), r.DrainTo))];
    }

    public static async Task<IReadOnlyList<ChannelChange>> HistoryAsync(TaktStore store, string? channel, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Channel, string State, string? Reason, string Actor, long AtUs)>(new CommandDefinition(
            "SELECT channel, state, reason, actor, at_us FROM integration_channel_history WHERE (CAST(@channel AS text) IS NULL OR channel = @channel) ORDER BY seq DESC LIMIT @limit",
            new { channel, limit }, cancellationToken: ct));
        return [.. rows.Select(r => new ChannelChange(r.Channel, r.State, r.Reason, r.Actor, Instants.FromUnixMicroseconds(r.AtUs)))];
    }

    /// <summary>
    /// Checks an action: the channel must exist (an inbound channel, or an active webhook subscription) and a pause
    /// or drain needs a reason. Returns what is wrong, field by field, or nothing.
    /// </summary>
    public static async Task<IReadOnlyList<Violation>> CheckAsync(TaktStore store, string channel, ChannelAction action, string? reason, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (!await ExistsAsync(store, channel, ct))
        {
            errors.Add(new Violation("/channel", "channel.unknown",
                $"'{channel}' is not a channel: use {string.Join(", ", Channels.Inbound)} or {Channels.WebhookPrefix}<id> of an active webhook subscription."));
        }

        if (action != ChannelAction.Resume && (reason is null || reason.Trim().Length < MinimumReason))
            errors.Add(new Violation("/reason", "channel.reason-required", $"Say why the channel is {(action == ChannelAction.Pause ? "paused" : "drained")} (at least {MinimumReason} characters); the history keeps it."));
        return errors;
    }

    /// <summary>Applies an action (after <see cref="CheckAsync"/>) and records it in the history, in one transaction.</summary>
    public static async Task<ChannelState> ApplyAsync(TaktStore store, TimeProvider clock, string channel, ChannelAction action, string? reason, string actor, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        long? drainTo = null;
        if (action == ChannelAction.Drain && !Channels.IsInbound(channel))
        {
            drainTo = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT MAX(seq) FROM store_outbox_message", transaction: tx, cancellationToken: ct)) ?? 0;
        }

        var state = action switch
        {
            ChannelAction.Pause => ChannelState.PausedState,
            ChannelAction.Drain => ChannelState.DrainingState,
            _ => ChannelState.RunningState,
        };
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO integration_channel (channel, state, reason, actor, drain_to, changed_at_us) VALUES (@channel, @state, @reason, @actor, @drainTo, @at)
            ON CONFLICT (channel) DO UPDATE SET state = excluded.state, reason = excluded.reason, actor = excluded.actor, drain_to = excluded.drain_to, changed_at_us = excluded.changed_at_us
            """,
            new { channel, state, reason, actor, drainTo, at = now.ToUnixMicroseconds() }, tx, cancellationToken: ct));
        await RecordAsync(connection, tx, channel, state, reason, actor, now, ct);
        await tx.CommitAsync(ct);
        return new ChannelState(channel, state, reason, actor, Instants.FromUnixMicroseconds(now.ToUnixMicroseconds()), drainTo);
    }

    /// <summary>Pauses a drained channel, unless it changed since the drain began (then nothing happens).</summary>
    public static async Task<bool> CompleteDrainAsync(TaktStore store, TimeProvider clock, ChannelState draining, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var reason = $"drained ({draining.Reason})";
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE integration_channel SET state = 'paused', reason = @reason, actor = 'takt', changed_at_us = @at
            WHERE channel = @channel AND state = 'draining' AND changed_at_us = @since
            """,
            new { channel = draining.Channel, reason, at = now.ToUnixMicroseconds(), since = draining.ChangedAt!.Value.ToUnixMicroseconds() }, tx, cancellationToken: ct));
        if (updated == 1)
            await RecordAsync(connection, tx, draining.Channel, ChannelState.PausedState, reason, "takt", now, ct);
        await tx.CommitAsync(ct);
        return updated == 1;
    }

    private static Task<int> RecordAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, string channel, string state, string? reason, string actor, DateTimeOffset at, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO integration_channel_history (channel, state, reason, actor, at_us) VALUES (@channel, @state, @reason, @actor, @at)",
            new { channel, state, reason, actor, at = at.ToUnixMicroseconds() }, tx, cancellationToken: ct));

    private static async Task<bool> ExistsAsync(TaktStore store, string channel, CancellationToken ct)
    {
        if (Channels.IsInbound(channel))
            return true;
        if (!channel.StartsWith(Channels.WebhookPrefix, StringComparison.Ordinal))
            return false;
        await using var connection = await store.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM integration_webhook WHERE id = @id AND status = 'active'", new { id = channel[Channels.WebhookPrefix.Length..] }, cancellationToken: ct)) == 1;
    }
}
