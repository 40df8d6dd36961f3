using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Takt.Contracts;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Mqtt;

/// <summary>The MQTT intake's connection, for health pages and tests.</summary>
/// <param name="Enabled">False when no broker is configured.</param>
/// <param name="Connected">Connected and subscribed.</param>
/// <param name="Broker">Where, and as which client id.</param>
/// <param name="Connections">Successful connections since start (a reconnect adds one).</param>
/// <param name="Received">Messages received since start (a message delivered again counts again).</param>
/// <param name="Accepted">Messages acknowledged after their event committed (or was replayed).</param>
/// <param name="Rejected">Messages acknowledged after they were dead-lettered.</param>
public sealed record MqttStatus(bool Enabled, bool Connected, string? Broker, int Connections, long Received, long Accepted, long Rejected);

/// <summary>
/// Shop-floor events over MQTT: subscribes to <c>{prefix}/+/+/+/+</c> (plant, line, event, client) at QoS 1 in a persistent session (clean start
/// off, session expiry), so the broker keeps what arrives while Takt is away. Messages go through the same checks
/// and the same idempotent, group-committed pipeline as HTTP. A message is acknowledged only after its event
/// committed, or after its rejection was recorded in the integration log and published as a dead letter: until
/// then the broker still has it and delivers it again after a crash, a restart or a lost connection (and the
/// inbox turns the repeat into a replay). When the broker goes away, Takt reconnects with backoff.
/// The topic's last level is the publishing client (the broker's ACL lets a user publish only under its own name):
/// each event is checked against that client's scope and plants in the registry, like an HTTP request, and each
/// batch's decisions go to the audit log under the client, so they count in its integration health.
/// </summary>
public sealed partial class MqttIntake(
    MqttOptions options,
    IngestOptions ingest,
    EventValidation validation,
    IngestPipeline pipeline,
    TaktStore store,
    AuditLog audit,
    TimeProvider clock,
    Operations.ChannelControl channels,
    ILogger<MqttIntake> logger) : BackgroundService
{
    private readonly Channel<Received> inbox = Channel.CreateUnbounded<Received>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool connected;
    private bool subscribed;
    private int connections;
    private long received;
    private long accepted;
    private long rejected;
    private int undecided; // received and not yet decided (the inbox's reader cannot count)
    private long lastReceivedAt;

    // The payload is copied while the handler runs: the client may reuse its buffers afterwards.
    private sealed record Received(IMqttClient Client, MqttApplicationMessageReceivedEventArgs Message, string Topic, byte[] Payload);

    public MqttStatus Status => new(options.Enabled, connected, options.Enabled ? options.ToString() : null, Volatile.Read(ref connections),
        Interlocked.Read(ref received), Interlocked.Read(ref accepted), Interlocked.Read(ref rejected));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
            return;
        channels.MqttQueued = () => Volatile.Read(ref undecided);
        var processing = ProcessAsync(stoppingToken);
        await StayConnectedAsync(stoppingToken);
        inbox.Writer.TryComplete();
        await processing;
    }

    private async Task StayConnectedAsync(CancellationToken ct)
    {
        var factory = new MqttClientFactory();
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            await WhilePausedAsync(ct);
            var held = false;
            using var client = factory.CreateMqttClient();
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ =>
            {
                connected = false;
                lost.TrySetResult();
                return Task.CompletedTask;
            };
            client.ApplicationMessageReceivedAsync += e =>
            {
                // Acknowledged by ProcessAsync once the message is decided, not when this handler returns.
                e.AutoAcknowledge = false;
                Interlocked.Increment(ref received);
                Interlocked.Increment(ref undecided);
                Volatile.Write(ref lastReceivedAt, Environment.TickCount64);
                var message = e.ApplicationMessage;
                return inbox.Writer.WriteAsync(new Received(client, e, message.Topic, System.Buffers.BuffersExtensions.ToArray(message.Payload)), CancellationToken.None).AsTask();
            };
            try
            {
                var result = await client.ConnectAsync(ClientOptions(factory), ct);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    LogRefused(logger, options.ToString(), result.ResultCode.ToString(), result.ReasonString);
                }
                else
                {
                    Interlocked.Increment(ref connections);
                    // A present session still has the subscription and the messages queued for it; subscribe when
                    // the broker has no session for us, or when this process has not yet seen a subscription granted.
                    if (!result.IsSessionPresent || !subscribed)
                        await SubscribeAsync(factory, client, ct);
                    subscribed = true;
                    connected = true;
                    failures = 0;
                    LogConnected(logger, options.ToString(), result.IsSessionPresent);
                    using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var hold = HoldRequestedAsync(connection.Token);
                    var ended = await Task.WhenAny(lost.Task, hold).WaitAsync(ct);
                    await connection.CancelAsync();
                    held = ended == hold && await hold;
                    if (held)
                        LogHeld(logger, channels.Get(Operations.Channels.Mqtt).State);
                    else
                        LogLost(logger, options.ToString());
                }
            }
#pragma warning disable CA1031 // the edge to the broker: whatever the connection throws, log it and connect again
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogUnreachable(logger, options.ToString(), ex.Message);
            }
#pragma warning restore CA1031
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopping: disconnect below, keeping the session (and anything not acknowledged) at the broker.
            }
            finally
            {
                connected = false;
                if (client.IsConnected)
                    await client.TryDisconnectAsync();
            }

            if (ct.IsCancellationRequested)
                break;
            if (held)
                continue; // ops paused the intake: no backoff, wait for the resume
            failures++;
            try
            {
                await Task.Delay(Backoff(failures), clock, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>While ops holds the channel paused, the intake stays away from the broker, which keeps the session's messages.</summary>
    private async Task WhilePausedAsync(CancellationToken ct)
    {
        while (channels.Get(Operations.Channels.Mqtt).IsPaused)
            await Task.WhenAny(channels.Changed, Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, ct)).WaitAsync(ct);
    }

    /// <summary>
    /// Completes with true when ops pauses the channel (after what was received is decided, at most 5 s), or when a
    /// drain has taken everything the broker had (nothing received for a second and nothing left to decide; the drain
    /// then ends as a pause). Completes with false when <paramref name="ct"/> ends it (the connection was lost).
    /// </summary>
    private async Task<bool> HoldRequestedAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var state = channels.Get(Operations.Channels.Mqtt);
                var idle = Volatile.Read(ref undecided) == 0;
                if (state.IsPaused)
                {
                    for (var waited = 0; waited < 50 && Volatile.Read(ref undecided) > 0; waited++)
                        await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, ct);
                    return true;
                }

                if (state.IsDraining && idle && Environment.TickCount64 - Volatile.Read(ref lastReceivedAt) >= 1000)
                {
                    await channels.CompleteDrainAsync(state, ct);
                    return true;
                }

                await Task.WhenAny(channels.Changed, Task.Delay(TimeSpan.FromMilliseconds(250), TimeProvider.System, ct)).WaitAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private MqttClientOptions ClientOptions(MqttClientFactory factory)
    {
        var builder = factory.CreateClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(options.Username))
            builder = builder.WithCredentials(options.Username, options.Password);
        return builder.Build();
    }

    private async Task SubscribeAsync(MqttClientFactory factory, IMqttClient client, CancellationToken ct)
    {
        var filter = $"{options.TopicPrefix}/+/+/+/+";
        // No local: the intake's own dead letters never come back to it (they lie one level deeper anyway).
        var result = await client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithNoLocal())
            .Build(), ct);
        if (result.Items.Any(i => i.ResultCode != MqttClientSubscribeResultCode.GrantedQoS1))
            throw new InvalidOperationException($"The broker did not grant QoS 1 on {filter}: {string.Join(", ", result.Items.Select(i => i.ResultCode))}.");
    }

    /// <summary>Exponential backoff with ±20 % jitter, capped at <see cref="MqttOptions.MaxReconnectDelay"/>.</summary>
    private TimeSpan Backoff(int failures) => RetryDelay.Of(failures, options.ReconnectDelay, options.MaxReconnectDelay);

    /// <summary>Takes what arrived (in order), decides it in one group commit, then acknowledges in arrival order.</summary>
    private async Task ProcessAsync(CancellationToken ct)
    {
        var batch = new List<Received>(options.MaxBatch);
        try
        {
            while (await inbox.Reader.WaitToReadAsync(ct))
            {
                while (batch.Count < options.MaxBatch && inbox.Reader.TryRead(out var next))
                    batch.Add(next);
                try
                {
                    await DecideAsync(batch, ct);
                }
#pragma warning disable CA1031 // a failure to decide must not end the intake: the broker delivers the batch again
                catch (Exception ex) when (!ct.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    // Nothing of the batch that is not decided was acknowledged. Drop the connection, so that the
                    // broker delivers it again in the next session (the inbox replays what did commit).
                    LogDecideFailure(logger, batch.Count, ex);
                    foreach (var client in batch.Select(r => r.Client).Distinct().Where(c => c.IsConnected))
                        await client.TryDisconnectAsync();
                }

                Interlocked.Add(ref undecided, -batch.Count);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: what is not acknowledged stays with the broker and comes again with the next session.
        }
    }

    private async Task DecideAsync(List<Received> batch, CancellationToken ct)
    {
        var inspected = batch.Select(r => MqttMessages.Inspect(r.Topic, r.Payload, options, ingest, validation)).ToArray();
        var denied = await AuthorizeAsync(inspected, ct);
        var problems = inspected.Select(i => i.Problem).ToArray();
        var committed = new bool[batch.Count];
        var pending = Enumerable.Range(0, batch.Count).Where(i => inspected[i].Event is not null).ToList();
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            // Stopping does not wait for the writer: what it commits later is not acknowledged, so it comes again.
            var results = await pipeline.SubmitAsync([.. pending.Select(i => inspected[i].Event!)], ct).WaitAsync(ct);
            var retry = new List<int>();
            for (var k = 0; k < pending.Count; k++)
            {
                if (results[k].Accepted)
                    (problems[pending[k]], committed[pending[k]]) = (null, true);
                else if (results[k].Status >= 500)
                    retry.Add(pending[k]);
                else
                    problems[pending[k]] = results[k].Problem;
            }

            // The store failed: the events are not decided. Try again while their connection can still acknowledge
            // them; once it is gone the broker delivers them again in the next session.
            pending = [.. retry.Where(i => batch[i].Client.IsConnected)];
            if (pending.Count > 0)
                await Task.Delay(Backoff(attempt), clock, ct);
        }

        await AuditAsync(inspected, problems, denied, committed, ct);
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            if (!message.Client.IsConnected)
                continue;
            if (inspected[i].Event is not null && problems[i] is null)
            {
                await AcknowledgeAsync(message, ct);
                Interlocked.Increment(ref accepted);
            }
            else if (problems[i] is { } problem && await RejectAsync(message, inspected[i], problem, ct))
            {
                await AcknowledgeAsync(message, ct);
                Interlocked.Increment(ref rejected);
            }
        }
    }

    /// <summary>Records the rejection, then publishes the dead letter; true when the message may be acknowledged.</summary>
    private async Task<bool> RejectAsync(Received received, Inspected message, Problem problem, CancellationToken ct)
    {
        var payload = received.Payload;
        var rule = problem.Errors.Count > 0 ? problem.Errors[0].Rule : problem.Type;
        LogRejected(logger, message.Topic.Topic, message.Source, message.Id, rule);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await IntegrationLog.RecordAsync(store, clock, new IntegrationLog.Rejected(
                    "mqtt", message.Topic.IsValid ? message.Topic.Client : null, message.Topic.IsValid ? message.Topic.Plant : null, message.Topic.Topic, message.Source, message.Id, message.Type, problem, payload), ct);
                break;
            }
            catch (DbException ex)
            {
                LogLogFailure(logger, ex);
                if (!received.Client.IsConnected)
                    return false;
                await Task.Delay(Backoff(attempt), clock, ct);
            }
        }

        var letter = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic.DeadLetterTopic(options))
            .WithPayload(MqttMessages.DeadLetter(message, problem, payload, clock.GetUtcNow()))
            .WithContentType("application/json")
            .WithUserProperty("takt-rule", System.Text.Encoding.UTF8.GetBytes(rule).AsMemory())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            var published = await received.Client.PublishAsync(letter, ct);
            // Refused by the broker (e.g. its ACL): the rejection is in the integration log; the message is decided.
            if (!published.IsSuccess && published.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
                LogDeadLetterRefused(logger, letter.Topic, published.ReasonCode.ToString());
            return true;
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection went: not acknowledged, so it comes again and is rejected (and logged once) again.
            return false;
        }
    }

    /// <summary>
    /// The topic's client against the registry (DESIGN §2.4, as for HTTP): registered, active, with an MQTT
    /// credential, holding <c>events:production:write</c>, and allowed the event's plant. A refused event is
    /// replaced by its 403 problem (it is dead-lettered and changes nothing); returns which were refused for access.
    /// </summary>
    private async Task<bool[]> AuthorizeAsync(Inspected[] inspected, CancellationToken ct)
    {
        var denied = new bool[inspected.Length];
        var named = inspected.Where(i => i.Event is not null).Select(i => i.Topic.Client).ToHashSet(StringComparer.Ordinal);
        var publishers = await MqttCredentials.PublishersAsync(store, named, ct);
        for (var i = 0; i < inspected.Length; i++)
        {
            if (inspected[i].Event is null)
                continue;
            var id = inspected[i].Topic.Client;
            Violation? refusal = publishers.GetValueOrDefault(id) switch
            {
                null or { HasCredential: false } => new Violation("", "mqtt.client-unknown",
                    $"The topic's client level '{id}' names no registered client with MQTT credentials (takt clients mqtt)."),
                { Status: not "active" } => new Violation("", "client.revoked", $"Client '{id}' is revoked."),
                var p when !p.Scopes.Contains(Scopes.EventsProductionWrite) => new Violation("", "client.scope-missing",
                    $"Publishing events needs the scope '{Scopes.EventsProductionWrite}'; client '{id}' holds {(p.Scopes.Count == 0 ? "none" : string.Join(", ", p.Scopes.Order(StringComparer.Ordinal)))}."),
                var p when !p.MayAccessPlant(inspected[i].Plant) => new Violation("/data/plant", "client.plant-forbidden",
                    $"Client '{id}' may act for {string.Join(", ", p.Plants)} only, not for plant '{inspected[i].Plant}'."),
                _ => null,
            };
            if (refusal is not null)
            {
                inspected[i] = inspected[i] with { Event = null, Problem = AccessProblems.Forbidden(refusal) };
                denied[i] = true;
            }
        }

        return denied;
    }

    /// <summary>
    /// One audit record per client and batch: what its messages became (accepted, rejected by rule), and whether
    /// access was denied for all (denied) or some (partial) of them. Messages of no valid topic name no client;
    /// messages left undecided (their connection went while the store failed) come again and are counted then.
    /// </summary>
    private async Task AuditAsync(Inspected[] inspected, Problem?[] problems, bool[] denied, bool[] committed, CancellationToken ct)
    {
        foreach (var group in Enumerable.Range(0, inspected.Length).Where(i => inspected[i].Topic.IsValid && (committed[i] || problems[i] is not null)).GroupBy(i => inspected[i].Topic.Client, StringComparer.Ordinal))
        {
            var mine = group.ToList();
            var posted = mine.Count(i => committed[i]);
            var rules = mine.Select(i => problems[i] ?? inspected[i].Problem).OfType<Problem>()
                .GroupBy(p => p.Errors.Count > 0 ? p.Errors[0].Rule : $"http.{p.Status}", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var refused = mine.Where(i => denied[i]).ToList();
            var decision = refused.Count == 0 ? AccessDecision.Allowed : refused.Count == mine.Count ? AccessDecision.Denied : AccessDecision.Partial;
            string? reason = refused.Count == 0 ? null : inspected[refused[0]].Problem!.Errors[0].Rule;
            if (decision == AccessDecision.Partial)
                reason = $"{reason}: {refused.Count} of {mine.Count} events";
            var refusedOrInvalid = mine.Count - posted;
            var status = refusedOrInvalid == 0 ? 200 : posted > 0 ? 207 : (problems[mine[0]] ?? inspected[mine[0]].Problem)?.Status ?? 422;
            await audit.AppendAsync(new AuditRecord(
                0, clock.GetUtcNow(), group.Key, "mqtt:" + group.Key, "MQTT", $"{options.TopicPrefix}/+/+/+/{group.Key}", "MqttIntake",
                Scopes.EventsProductionWrite, string.Join(' ', mine.Select(i => inspected[i].Plant).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
                decision, reason, status, null, null, posted, refusedOrInvalid,
                new IntakeTally(posted, refusedOrInvalid, rules).RulesText), ct);
        }
    }

    private async Task AcknowledgeAsync(Received received, CancellationToken ct)
    {
        try
        {
            await received.Message.AcknowledgeAsync(ct);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection went first: the broker delivers the message again and the inbox replays it.
            LogAcknowledgeLost(logger, received.Topic, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: connected to {Broker} (session present: {SessionPresent})")]
    private static partial void LogConnected(ILogger logger, string broker, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: the intake is {State} by ops; disconnected, the broker keeps the session's messages")]
    private static partial void LogHeld(ILogger logger, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: lost the connection to {Broker}; reconnecting")]
    private static partial void LogLost(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: {Broker} refused the connection: {Code} {Reason}")]
    private static partial void LogRefused(ILogger logger, string broker, string code, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: cannot reach {Broker}: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string broker, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT: {Count} messages could not be decided; reconnecting so that the broker delivers them again")]
    private static partial void LogDecideFailure(ILogger logger, int count, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: rejected {Topic} {Source}/{Id}: {Rule}")]
    private static partial void LogRejected(ILogger logger, string topic, string? source, string? id, string rule);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT: the integration log could not be written; the message stays unacknowledged")]
    private static partial void LogLogFailure(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: the broker refused the dead letter on {Topic}: {Code} (the rejection is in the integration log)")]
    private static partial void LogDeadLetterRefused(ILogger logger, string topic, string code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT: could not acknowledge {Topic} ({Reason}); the broker will deliver it again")]
    private static partial void LogAcknowledgeLost(ILogger logger, string topic, string reason);
}
