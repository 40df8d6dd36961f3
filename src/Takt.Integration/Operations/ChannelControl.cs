using System.Collections.Frozen;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Integration.Operations;

/// <summary>The channels ops can pause, drain and resume.</summary>
public static class Channels
{
    /// <summary>Inbound: <c>POST /api/v1/events</c> (CloudEvents over HTTP).</summary>
    public const string Gateway = "gateway";

    /// <summary>Inbound: the document adapters (B2MML, CSV uploads).</summary>
    public const string Adapters = "adapters";

    /// <summary>Inbound: the MQTT intake.</summary>
    public const string Mqtt = "mqtt";

    /// <summary>Outbound: one webhook subscription, <c>webhook:&lt;id&gt;</c>.</summary>
    public const string WebhookPrefix = "webhook:";

    public static IReadOnlyList<string> Inbound { get; } = [Gateway, Adapters, Mqtt];

    public static string Webhook(string id) => WebhookPrefix + id;

    public static bool IsInbound(string channel) => Inbound.Contains(channel, StringComparer.Ordinal);
}

/// <summary>What ops asked of a channel.</summary>
public enum ChannelAction
{
    /// <summary>Stop taking (inbound) or sending (outbound) now; what waits stays queued.</summary>
    Pause,

    /// <summary>Take or send what waits now, then pause: inbound refuses new work and finishes what it holds,
    /// outbound delivers up to the outbox position of the moment.</summary>
    Drain,

    /// <summary>Run again.</summary>
    Resume,
}

/// <summary>A channel's state as ops left it; a channel without a record runs.</summary>
/// <param name="Channel">The channel's name (<see cref="Channels"/>).</param>
/// <param name="State"><c>running</c>, <c>paused</c> or <c>draining</c>.</param>
/// <param name="Reason">Why, as the person who changed it wrote it.</param>
/// <param name="Actor">Who changed it (a client id, a CLI user, or <c>takt</c> when a drain finished).</param>
/// <param name="ChangedAt">When.</param>
/// <param name="DrainTo">Outbound only: the last outbox position a drain delivers.</param>
public sealed record ChannelState(string Channel, string State, string? Reason, string? Actor, DateTimeOffset? ChangedAt, long? DrainTo)
{
    public const string RunningState = "running";
    public const string PausedState = "paused";
    public const string DrainingState = "draining";

    public static ChannelState Running(string channel) => new(channel, RunningState, null, null, null, null);

    public bool IsRunning => State == RunningState;

    public bool IsPaused => State == PausedState;

    public bool IsDraining => State == DrainingState;
}

/// <summary>
/// The state of every channel, read from <c>integration_channel</c> once a second (so a change made on another node
/// or by the CLI holds here within a second) and at once when this node makes the change. Reading a state is a
/// dictionary lookup: the intake asks at every request. Finishing an inbound drain also happens here: when nothing
/// admitted is left in flight the channel pauses by itself.
/// </summary>
public sealed partial class ChannelControl(TaktStore store, TimeProvider clock, Gateway.IngestPipeline pipeline, Webhooks.WebhookCircuits circuits, ILogger<ChannelControl> logger) : BackgroundService
{
    private FrozenDictionary<string, ChannelState> states = FrozenDictionary<string, ChannelState>.Empty;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ChannelMeter meter = new(TimeProvider.System);

    /// <summary>A channel's state as last read (running when there is no record).</summary>
    public ChannelState Get(string channel) =>
        Volatile.Read(ref states).TryGetValue(channel, out var state) ? state : ChannelState.Running(channel);

    /// <summary>Completes at the next change of any channel's state seen by this node.</summary>
    public Task Changed => Volatile.Read(ref changed).Task;

    /// <summary>This node's circuit breakers on webhook receivers.</summary>
    public Webhooks.WebhookCircuits Circuits => circuits;

    /// <summary>Events taken per channel on this node, for the throughput figure.</summary>
    public ChannelMeter Meter => meter;

    /// <summary>Every channel with a record (running channels without one are not listed).</summary>
    public IReadOnlyCollection<ChannelState> Recorded => Volatile.Read(ref states).Values;

    /// <summary>Applies an action and publishes the new state on this node at once.</summary>
    public async Task<ChannelState> ApplyAsync(string channel, ChannelAction action, string? reason, string actor, CancellationToken ct)
    {
        var state = await ChannelStore.ApplyAsync(store, clock, channel, action, reason, actor, ct);
        await RefreshAsync(ct);
        return state;
    }

    /// <summary>Ends a drain (the channel pauses) unless someone changed the channel since the drain began.</summary>
    public async Task CompleteDrainAsync(ChannelState draining, CancellationToken ct)
    {
        if (await ChannelStore.CompleteDrainAsync(store, clock, draining, ct))
            LogDrained(logger, draining.Channel);
        await RefreshAsync(ct);
    }

    /// <summary>Reads the table again; signals <see cref="Changed"/> when something differs.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var read = (await ChannelStore.ReadAsync(store, ct)).ToFrozenDictionary(s => s.Channel, StringComparer.Ordinal);
        var before = Volatile.Read(ref states);
        if (before.Count == read.Count && read.All(r => before.TryGetValue(r.Key, out var b) && b == r.Value))
            return;
        Volatile.Write(ref states, read);
        Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Reads the states before anything else starts: a channel paused before a restart stays paused.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Every channel's status as last measured (every few seconds), for the metrics export.</summary>
    public IReadOnlyList<ChannelStatus> LastStatuses => Volatile.Read(ref lastStatuses);

    private IReadOnlyList<ChannelStatus> lastStatuses = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        // Exported per channel (OpenTelemetry): the queue, the age of its oldest message and whether it runs.
        using var metrics = new System.Diagnostics.Metrics.Meter("Takt.Integration.Channels");
        metrics.CreateObservableGauge("takt.channel.depth", () => Measure(s => s.Depth ?? 0), description: "What waits in the channel.");
        metrics.CreateObservableGauge("takt.channel.oldest_age", () => Measure(s => s.OldestAgeSeconds ?? 0), "s", "Age of the oldest message waiting (outbound).");
        metrics.CreateObservableGauge("takt.channel.last_minute", () => Measure(s => s.LastMinute ?? 0), description: "Events taken or deliveries acknowledged in the last minute.");
        metrics.CreateObservableGauge("takt.channel.running", () => Measure(s => s.State == ChannelState.RunningState ? 1 : 0), description: "1 while the channel runs, 0 while paused or draining.");
        var measuredAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                await FinishInboundDrainsAsync(stoppingToken);
                if (TimeProvider.System.GetUtcNow() - measuredAt >= TimeSpan.FromSeconds(5))
                {
                    Volatile.Write(ref lastStatuses, await ChannelStatuses.ReadAsync(store, this, clock, stoppingToken));
                    measuredAt = TimeProvider.System.GetUtcNow();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or IOException or TimeoutException)
            {
                LogStoreUnavailable(logger, ex);
            }

            try
            {
                // Real time: a test's fake business clock must not stop the refresh.
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<double>> Measure(Func<ChannelStatus, double> value) =>
        LastStatuses.Select(s => new System.Diagnostics.Metrics.Measurement<double>(value(s),
            new KeyValuePair<string, object?>("channel", s.Channel), new KeyValuePair<string, object?>("direction", s.Direction)));

    /// <summary>
    /// The gateway and the adapters stop admitting as soon as they drain; the drain ends once nothing this node
    /// admitted is still waiting for the writer, and at least a second after it began (so every node has stopped
    /// admitting). The MQTT intake ends its own drain (it knows its queue); without a broker there is nothing to drain.
    /// </summary>
    private async Task FinishInboundDrainsAsync(CancellationToken ct)
    {
        foreach (var state in Volatile.Read(ref states).Values.Where(s => s.IsDraining && Channels.IsInbound(s.Channel)).ToList())
        {
            if (clock.GetUtcNow() - state.ChangedAt < TimeSpan.FromSeconds(1) && TimeProvider.System.GetUtcNow() - state.ChangedAt < TimeSpan.FromSeconds(1))
                continue;
            var done = state.Channel switch
            {
                Channels.Mqtt => MqttQueued is null,
                _ => pipeline.InFlight == 0,
            };
            if (done)
                await CompleteDrainAsync(state, ct);
        }
    }

    /// <summary>Set by the MQTT intake when a broker is configured: what it received and has not decided yet. It then
    /// finishes its own drains.</summary>
    public Func<int>? MqttQueued { get; set; }

    /// <summary>Events the HTTP intake (gateway and adapters) admitted on this node and not yet answered.</summary>
    public long GatewayInFlight => pipeline.InFlight;

    [LoggerMessage(Level = LogLevel.Information, Message = "Channel {Channel} drained; it is paused now.")]
    private static partial void LogDrained(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel states could not be read; trying again in a second.")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception ex);
}

/// <summary>Events or deliveries per channel over the last minute on this node (one-second buckets).</summary>
public sealed class ChannelMeter(TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, long[]> buckets = new(StringComparer.Ordinal);

    public void Count(string channel, int events)
    {
        if (events <= 0)
            return;
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        lock (gate)
        {
            if (!buckets.TryGetValue(channel, out var ring))
                buckets[channel] = ring = new long[120];
            var slot = (int)(second % 60) * 2;
            if (ring[slot] != second)
                (ring[slot], ring[slot + 1]) = (second, 0);
            ring[slot + 1] += events;
        }
    }

    /// <summary>What was counted in the last 60 seconds.</summary>
    public long LastMinute(string channel)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        lock (gate)
        {
            if (!buckets.TryGetValue(channel, out var ring))
                return 0;
            long sum = 0;
            for (var slot = 0; slot < 120; slot += 2)
            {
                if (now - ring[slot] < 60)
                    sum += ring[slot + 1];
            }

            return sum;
        }
    }
}
