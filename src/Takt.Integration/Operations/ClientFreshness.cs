using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Access;
using Takt.Store;

namespace Takt.Integration.Operations;

/// <summary>How often freshness is checked (and this node's last-seen times written).</summary>
public sealed class FreshnessOptions
{
    /// <summary>Between checks; held between one second and one day.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The last accepted event of each client, as this node saw it (the audit log reports every intake request and
/// MQTT batch here). Cheap on the hot path: one dictionary write per request, no database work.
/// </summary>
public sealed class ClientActivity
{
    private readonly ConcurrentDictionary<string, long> seen = new(StringComparer.Ordinal);

    public void Seen(string client, DateTimeOffset at)
    {
        var us = at.ToUnixMicroseconds();
        seen.AddOrUpdate(client, us, (_, before) => Math.Max(before, us));
    }

    /// <summary>What was seen since the last call, emptied.</summary>
    internal List<(string Client, long AtUs)> Take()
    {
        var taken = new List<(string, long)>();
        foreach (var client in seen.Keys)
        {
            if (seen.TryRemove(client, out var at))
                taken.Add((client, at));
        }

        return taken;
    }
}

/// <summary>A watched client's freshness, as <c>GET /api/v1/ops/freshness</c> lists it.</summary>
/// <param name="Client">The client id.</param>
/// <param name="Name">Its display name.</param>
/// <param name="Plants">The plants it may send for (<c>*</c>: all).</param>
/// <param name="ExpectEventsWithinMinutes">The objective, or null when it is not watched.</param>
/// <param name="LastEventAt">Its last accepted event (as written by the nodes at their last check).</param>
/// <param name="SilentSince">When the open silence alarm was raised.</param>
/// <param name="State"><c>fresh</c>, <c>silent</c> (an alarm is open) or <c>unwatched</c> (no objective).</param>
public sealed record ClientFreshnessStatus(
    string Client,
    string Name,
    IReadOnlyList<string> Plants,
    int? ExpectEventsWithinMinutes,
    DateTimeOffset? LastEventAt,
    DateTimeOffset? SilentSince,
    string State);

/// <summary>The freshness objective of a client: minutes, or null to stop watching it.</summary>
public sealed record FreshnessRequest(int? ExpectEventsWithinMinutes);

/// <summary>
/// Monitored dependencies (issue 14): each registered client with a freshness objective must send an accepted
/// event within it, or an integration exception is raised — <c>takt.integration.client-silent.v1</c>, which starts
/// the integration-silence flow — and the readiness check reports it. The first event after the alarm clears it
/// (<c>takt.integration.client-resumed.v1</c>, which ends the flow's wait). Every node writes what it saw and
/// checks; the alarm's raise and clear are conditional updates, so each happens once.
/// </summary>
public sealed partial class ClientFreshness(
    TaktStore store, ClientActivity activity, Outbox outbox, TimeProvider clock, FreshnessOptions options, ILogger<ClientFreshness> logger) : BackgroundService
{
    public const string Source = "/takt/integration/freshness";
    public const int MaxMinutes = 7 * 24 * 60;

    private static readonly Meter Meter = new("Takt.Integration.Freshness");
    private volatile IReadOnlyList<ClientFreshnessStatus> silent = [];

    /// <summary>The clients with an open silence alarm at the last check.</summary>
    public IReadOnlyList<ClientFreshnessStatus> Silent => silent;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Meter.CreateObservableGauge("takt.integration.clients_silent", () => silent.Count, description: "Watched clients without an accepted event within their freshness objective.");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCheckFailed(logger, ex);
            }

            try
            {
                await Task.Delay(TimeSpan.FromTicks(Math.Clamp(options.Interval.Ticks, TimeSpan.TicksPerSecond, TimeSpan.TicksPerDay)), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Writes what this node saw, then raises and clears alarms (tests call it directly).</summary>
    public async Task CheckOnceAsync(CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        var seen = activity.Take();
        if (seen.Count > 0)
        {
            await using var tx = await session.BeginAsync(ct);
            foreach (var (client, at) in seen)
            {
                await tx.ExecuteAsync(
                    """
                    INSERT INTO integration_client_freshness (client_id, last_event_at_us) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM integration_client WHERE id = $1)
                    ON CONFLICT (client_id) DO UPDATE SET last_event_at_us = CASE WHEN integration_client_freshness.last_event_at_us IS NULL
                        OR excluded.last_event_at_us > integration_client_freshness.last_event_at_us THEN excluded.last_event_at_us ELSE integration_client_freshness.last_event_at_us END
                    """, ct, client, at);
            }

            await tx.CommitAsync(ct, recordCommit: false);
        }

        var now = clock.GetUtcNow();
        foreach (var watched in await WatchedAsync(session.Connection, ct))
        {
            var reference = Math.Max(watched.LastEventAtUs ?? long.MinValue, watched.WatchedSinceUs);
            var silentFor = TimeSpan.FromTicks((now.ToUnixMicroseconds() - reference) * 10);
            if (watched.SilentSinceUs is null && watched.Status == "active" && silentFor > TimeSpan.FromSeconds(watched.ExpectWithinS))
                await RaiseAsync(session, watched, now, silentFor, ct);
            else if (watched.SilentSinceUs is { } since && watched.LastEventAtUs > since)
                await ClearAsync(session, watched, since, ct);
        }

        silent = [.. (await ReadAsync(store, ct)).Where(s => s.State == "silent")];
    }

    private async Task RaiseAsync(StoreSession session, Watched watched, DateTimeOffset now, TimeSpan silentFor, CancellationToken ct)
    {
        await using var tx = await session.BeginAsync(ct);
        if (await tx.ExecuteAsync("UPDATE integration_client_freshness SET silent_since_us = $1 WHERE client_id = $2 AND silent_since_us IS NULL", ct, now.ToUnixMicroseconds(), watched.ClientId) != 1)
            return;
        var plant = SinglePlant(watched.Plants);
        var data = new ClientSilent(watched.ClientId, plant, checked((int)(watched.ExpectWithinS / 60)),
            watched.LastEventAtUs is { } last ? Instants.FromUnixMicroseconds(last) : null, checked((int)silentFor.TotalMinutes));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.ClientSilent, Source, watched.ClientId, plant, now,
            JsonSerializer.Serialize(data, EventJson.Default.ClientSilent)));
        await tx.CommitAsync(ct);
        LogSilent(logger, watched.ClientId, data.SilentMinutes, data.ExpectEventsWithinMinutes);
    }

    private async Task ClearAsync(StoreSession session, Watched watched, long since, CancellationToken ct)
    {
        await using var tx = await session.BeginAsync(ct);
        if (await tx.ExecuteAsync("UPDATE integration_client_freshness SET silent_since_us = NULL WHERE client_id = $1 AND silent_since_us = $2", ct, watched.ClientId, since) != 1)
            return;
        var plant = SinglePlant(watched.Plants);
        var now = clock.GetUtcNow();
        var data = new ClientResumed(watched.ClientId, plant, Instants.FromUnixMicroseconds(since), Instants.FromUnixMicroseconds(watched.LastEventAtUs!.Value));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.ClientResumed, Source, watched.ClientId, plant, now,
            JsonSerializer.Serialize(data, EventJson.Default.ClientResumed)));
        await tx.CommitAsync(ct);
        LogResumed(logger, watched.ClientId);
    }

    private static string? SinglePlant(string? plants) => plants is { } p && !p.Contains(' ', StringComparison.Ordinal) ? p : null;

    /// <summary>Sets (or, with null, removes) a client's freshness objective.</summary>
    public static async Task<Outcome<ClientFreshnessStatus>> SetAsync(TaktStore store, TimeProvider clock, string clientId, int? minutes, CancellationToken ct)
    {
        if (minutes is < 1 or > MaxMinutes)
            return new Violation("/expectEventsWithinMinutes", "freshness.minutes-invalid", $"A client is expected to send an event within 1 to {MaxMinutes} minutes (7 days), or not watched (null).");
        await using var connection = await store.OpenConnectionAsync(ct);
        var set = await SetAsync(connection, null, clock, clientId, minutes, ct);
        return set.IsRejected ? Outcome<ClientFreshnessStatus>.FromViolations(set.Violations) : (await ReadAsync(store, ct, clientId)).Single();
    }

    /// <summary>Sets a client's freshness objective in the caller's store transaction (plant onboarding: all or nothing).</summary>
    public static Task<Outcome<bool>> SetAsync(StoreTransaction transaction, string clientId, int? minutes, CancellationToken ct) =>
        SetAsync(transaction.Connection, transaction.Transaction, transaction.Clock, clientId, minutes, ct);

    private static async Task<Outcome<bool>> SetAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx, TimeProvider clock, string clientId, int? minutes, CancellationToken ct)
    {
        if (minutes is < 1 or > MaxMinutes)
            return new Violation("/expectEventsWithinMinutes", "freshness.minutes-invalid", $"A client is expected to send an event within 1 to {MaxMinutes} minutes (7 days), or not watched (null).");
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM integration_client WHERE id = @clientId", new { clientId }, tx, cancellationToken: ct)) == 0)
            return new Violation("/client", "client.unknown", $"No client '{clientId}' is registered.");
        // Watching starts now: a client is not silent for the time before anyone expected events from it.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO integration_client_freshness (client_id, expect_within_s, watched_since_us) VALUES (@clientId, @seconds, @now)
            ON CONFLICT (client_id) DO UPDATE SET expect_within_s = excluded.expect_within_s, watched_since_us = excluded.watched_since_us,
                silent_since_us = CASE WHEN excluded.expect_within_s IS NULL THEN NULL ELSE integration_client_freshness.silent_since_us END
            """,
            new { clientId, seconds = minutes * 60L, now = clock.GetUtcNow().ToUnixMicroseconds() }, tx, cancellationToken: ct));
        return true;
    }

    /// <summary>Every active client with its freshness (watched ones first), or the one named (active or not).</summary>
    public static async Task<IReadOnlyList<ClientFreshnessStatus>> ReadAsync(TaktStore store, CancellationToken ct, string? clientId = null)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Id, string Name, string? Plants, long? ExpectWithinS, long? LastEventAtUs, long? SilentSinceUs)>(new CommandDefinition(
            """
            SELECT c.id, c.name, c.plants, f.expect_within_s, f.last_event_at_us, f.silent_since_us
            FROM integration_client c LEFT JOIN integration_client_freshness f ON f.client_id = c.id
            WHERE (@clientId IS NULL AND c.status = 'active') OR c.id = @clientId
            """, new { clientId }, cancellationToken: ct));
        return [.. rows
            .Select(r => new ClientFreshnessStatus(
                r.Id, r.Name, r.Plants is null ? [RegisteredClient.AllPlants] : r.Plants.Split(' '),
                r.ExpectWithinS is { } s ? checked((int)(s / 60)) : null,
                r.LastEventAtUs is { } last ? Instants.FromUnixMicroseconds(last) : null,
                r.SilentSinceUs is { } since ? Instants.FromUnixMicroseconds(since) : null,
                r.SilentSinceUs is not null ? "silent" : r.ExpectWithinS is not null ? "fresh" : "unwatched"))
            .OrderBy(s => s.State == "unwatched").ThenBy(s => s.Client, StringComparer.Ordinal)];
    }

    private static async Task<IReadOnlyList<Watched>> WatchedAsync(System.Data.Common.DbConnection connection, CancellationToken ct) =>
        [.. await connection.QueryAsync<Watched>(new CommandDefinition(
            """
            SELECT f.client_id AS ClientId, f.expect_within_s AS ExpectWithinS, f.watched_since_us AS WatchedSinceUs, f.last_event_at_us AS LastEventAtUs,
                   f.silent_since_us AS SilentSinceUs, c.plants AS Plants, c.status AS Status
            FROM integration_client_freshness f JOIN integration_client c ON c.id = f.client_id
            WHERE f.expect_within_s IS NOT NULL
            """, cancellationToken: ct))];

    private sealed class Watched
    {
        public string ClientId { get; set; } = "";

        public long ExpectWithinS { get; set; }

        public long WatchedSinceUs { get; set; }

        public long? LastEventAtUs { get; set; }

        public long? SilentSinceUs { get; set; }

        public string? Plants { get; set; }

        public string Status { get; set; } = "";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client {Client} sent no event for {Minutes} minutes (objective: {Objective}); integration exception raised")]
    private static partial void LogSilent(ILogger logger, string client, int minutes, int objective);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {Client} sends events again; its silence alarm is cleared")]
    private static partial void LogResumed(ILogger logger, string client);

    [LoggerMessage(Level = LogLevel.Error, Message = "The freshness check failed; it runs again at the next interval")]
    private static partial void LogCheckFailed(ILogger logger, Exception ex);
}
