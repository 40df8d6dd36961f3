using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Integration.Gateway;

/// <summary>
/// The write path of every inbound event. Submitters (HTTP requests, MQTT, the CLI, benchmarks) queue validated
/// events; one writer takes what is waiting (up to <see cref="IngestOptions.MaxCommitBatch"/>) and commits it in
/// ONE transaction — group commit — with per-event isolation: an event that breaks a rule stages nothing and the
/// others commit. If the database refuses the batch, each event is retried alone, so one bad row cannot sink
/// its neighbours. A submitter's task completes only after its event's transaction has committed.
/// </summary>
public sealed partial class IngestPipeline(
    TaktStore store,
    IEnumerable<IInboundEventHandler> handlers,
    IngestOptions options,
    TimeProvider clock,
    ILogger<IngestPipeline> logger) : BackgroundService
{
    public static readonly ActivitySource Activity = new("Takt.Integration");
    private static readonly Meter Meter = new("Takt.Integration");
    private static readonly Counter<long> AcceptedCount = Meter.CreateCounter<long>("takt.events.accepted");
    private static readonly Counter<long> RejectedCount = Meter.CreateCounter<long>("takt.events.rejected");
    private static readonly Counter<long> ReplayedCount = Meter.CreateCounter<long>("takt.events.replayed");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("takt.events.commit_batch_size");
    private static readonly Histogram<double> CommitTime = Meter.CreateHistogram<double>("takt.events.commit_duration", "ms");

    private readonly IInboundEventHandler[] handlers = [.. handlers];
    private readonly Channel<Work> queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(options.QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    // TraceId: the submitter's trace (its HTTP request), which a 500 tells the client to quote.
    private sealed record Pending(ValidatedEvent Event, TaskCompletionSource<EventResult> Completion, string? TraceId);

    // One entry of the queue: a single event, or the events of one document, which commit together or not at all.
    private sealed record Work(Pending[] Events, bool AllOrNothing);

    private int inFlight;

    /// <summary>Events admitted by <see cref="TryAdmit"/> and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref inFlight);

    /// <summary>The most events <see cref="TryAdmit"/> lets wait for the writer at once.</summary>
    public int Capacity => options.QueueCapacity;

    /// <summary>
    /// Back-pressure for callers that can tell their client to come back (HTTP: 503 with Retry-After): admits
    /// <paramref name="events"/> more events unless that would put more than <see cref="IngestOptions.QueueCapacity"/>
    /// in flight, in which case it returns null and nothing is queued. Dispose the admission once the events
    /// are answered. Callers that hold their client instead (MQTT does not acknowledge until the writer has
    /// answered) simply wait in <see cref="SubmitAsync"/>.
    /// </summary>
    public Admission? TryAdmit(int events)
    {
        if (Interlocked.Add(ref inFlight, events) <= options.QueueCapacity || events > options.QueueCapacity && Volatile.Read(ref inFlight) == events)
            return new Admission(this, events);
        Interlocked.Add(ref inFlight, -events);
        return null;
    }

    /// <summary>Events admitted to the pipeline; disposing releases their places.</summary>
    public sealed class Admission(IngestPipeline pipeline, int events) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
                Interlocked.Add(ref pipeline.inFlight, -events);
        }
    }

    /// <summary>Queues events and waits until each is committed or rejected. Results are in input order.</summary>
    public async Task<EventResult[]> SubmitAsync(IReadOnlyList<ValidatedEvent> events, CancellationToken ct)
    {
        var tasks = new Task<EventResult>[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var pending = NewPending(events[i]);
            await queue.Writer.WriteAsync(new Work([pending], AllOrNothing: false), ct);
            tasks[i] = pending.Completion.Task;
        }

        return await Task.WhenAll(tasks);
    }

    /// <summary>
    /// Queues the events of one document (a B2MML message, a CSV file) to commit in one transaction of their own:
    /// every event is applied, or, when any is rejected, none is (a rejected document changes nothing, DESIGN
    /// §2.7); its other events then answer <c>document.rolled-back</c>. Results are in input order.
    /// </summary>
    public async Task<EventResult[]> SubmitAllOrNothingAsync(IReadOnlyList<ValidatedEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
            return [];
        var group = events.Select(NewPending).ToArray();
        await queue.Writer.WriteAsync(new Work(group, AllOrNothing: true), ct);
        return await Task.WhenAll(group.Select(p => p.Completion.Task));
    }

    private static Pending NewPending(ValidatedEvent e) =>
        new(e, new TaskCompletionSource<EventResult>(TaskCreationOptions.RunContinuationsAsynchronously), System.Diagnostics.Activity.Current?.TraceId.ToString());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var batch = new List<Pending>(options.MaxCommitBatch);
        var documents = new List<Pending[]>();
        StoreSession? session = null;
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var taken = 0;
                while (taken < options.MaxCommitBatch && queue.Reader.TryRead(out var next))
                {
                    if (next.AllOrNothing)
                        documents.Add(next.Events);
                    else
                        batch.AddRange(next.Events);
                    taken += next.Events.Length;
                }

                try
                {
                    session ??= await store.OpenSessionAsync(clock, stoppingToken);
                    if (batch.Count > 0)
                        await ProcessAsync(session, batch, stoppingToken);
                    foreach (var document in documents)
                        await ProcessDocumentAsync(session, document, stoppingToken);
                }
                catch (Exception ex) when (ex is DbException or IOException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                {
                    // The store itself failed (not a rule): no event of the batch was written.
                    LogStoreFailure(logger, batch.Count + documents.Sum(d => d.Length), ex);
                    // The writer runs outside any request: each submitter gets its own request's trace id.
                    // (Events already answered, e.g. a batch committed before a document failed, keep their answer.)
                    foreach (var p in batch.Concat(documents.SelectMany(d => d)))
                        p.Completion.TrySetResult(EventResult.Rejected(p.Event.Event.Source, p.Event.Event.Id, p.Event.Event.Type, Problem.Internal(p.TraceId)));
                    if (session is not null)
                        await session.DisposeAsync();
                    session = null;
                }

                batch.Clear();
                documents.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: anything not committed stays uncommitted and its submitter is told so.
        }
        finally
        {
            foreach (var p in batch.Concat(documents.SelectMany(d => d)))
                p.Completion.TrySetCanceled(stoppingToken);
            while (queue.Reader.TryRead(out var left))
            {
                foreach (var p in left.Events)
                    p.Completion.TrySetCanceled(stoppingToken);
            }
            if (session is not null)
                await session.DisposeAsync();
        }
    }

    private async Task ProcessAsync(StoreSession session, List<Pending> batch, CancellationToken ct)
    {
        try
        {
            await CommitAsync(session, batch, ct);
        }
        catch (DbException ex) when (batch.Count > 1 && !session.IsBroken)
        {
            LogBatchRetry(logger, batch.Count, ex);
            foreach (var single in batch)
            {
                try
                {
                    await CommitAsync(session, [single], ct);
                }
                catch (DbException inner) when (!session.IsBroken)
                {
                    LogEventFailure(logger, single.Event.Event.Source, single.Event.Event.Id, inner);
                    single.Completion.TrySetResult(EventResult.Rejected(single.Event.Event.Source, single.Event.Event.Id, single.Event.Event.Type,
                        Problem.Internal(single.TraceId)));
                }
            }
        }
    }

    /// <summary>A document commits alone, all or nothing; if the store refuses it, none of its events is written.</summary>
    private async Task ProcessDocumentAsync(StoreSession session, Pending[] document, CancellationToken ct)
    {
        try
        {
            await CommitAsync(session, [.. document], ct, allOrNothing: true);
        }
        catch (DbException ex)
        {
            LogStoreFailure(logger, document.Length, ex);
            foreach (var p in document)
                p.Completion.TrySetResult(EventResult.Rejected(p.Event.Event.Source, p.Event.Event.Id, p.Event.Event.Type, Problem.Internal(p.TraceId)));
        }
    }

    /// <summary>
    /// One transaction: idempotency check, every event applied or rejected, commit, then results. With
    /// <paramref name="allOrNothing"/>, one rejected event rolls the whole transaction back.
    /// </summary>
    private async Task CommitAsync(StoreSession session, List<Pending> batch, CancellationToken ct, bool allOrNothing = false)
    {
        using var activity = Activity.StartActivity("events.commit");
        activity?.SetTag("takt.events.count", batch.Count);
        var started = Stopwatch.GetTimestamp();
        var results = new EventResult?[batch.Count];
        await using var tx = await session.BeginAsync(ct);

        // 1. Idempotency: (source, id) seen before → its stored result, or a conflict if the body differs.
        var stored = await InboxAsync(tx, batch, ct);
        var leaders = new Dictionary<(string, string), int>();
        var fresh = new List<int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i].Event;
            var key = (e.Event.Source, e.Event.Id);
            if (stored.TryGetValue(key, out var earlier))
                results[i] = Replay(e, earlier.Hash, earlier.Result);
            else if (!leaders.ContainsKey(key))
            {
                leaders[key] = i;
                fresh.Add(i);
            }
        }

        // 2. Each fresh event: its handler checks meaning and stages all effects, or stages nothing.
        var handlerOf = fresh.ToDictionary(i => i, i => handlers.FirstOrDefault(h => h.Handles(batch[i].Event.Event.Type)));
        var batches = new Dictionary<IInboundEventHandler, IInboundBatch>();
        foreach (var group in fresh.GroupBy(i => handlerOf[i]))
        {
            if (group.Key is null)
                continue;
            batches[group.Key] = await group.Key.BeginAsync(tx, [.. group.Select(i => batch[i].Event.Event)], ct);
        }

        var now = clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var i in fresh)
        {
            var e = batch[i].Event;
            var handler = handlerOf[i];
            if (handler is null)
            {
                results[i] = EventResult.Rejected(e.Event.Source, e.Event.Id, e.Event.Type,
                    Problem.RuleViolated([new Violation("/type", "event.type-unhandled", $"No module handles {e.Event.Type}.")]));
                continue;
            }

            var outcome = batches[handler].Apply(e.Event);
            if (outcome.IsRejected)
            {
                results[i] = EventResult.Rejected(e.Event.Source, e.Event.Id, e.Event.Type, Problem.RuleViolated(outcome.Violations));
                continue;
            }

            results[i] = new EventResult(200, e.Event.Source, e.Event.Id, e.Event.Type, outcome.Value, null);
            tx.Stage(
                "INSERT INTO integration_inbox (event_id, source, type, body_hash, result, received_at_us) VALUES ($1, $2, $3, $4, $5, $6)",
                e.Event.Id, e.Event.Source, e.Event.Type, e.Hash, JsonSerializer.Serialize(outcome.Value, StoreJson.Default.EventEffects), now);
        }

        // 3. Repeats inside the batch follow their first occurrence.
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] is not null)
                continue;
            var e = batch[i].Event;
            var leader = leaders[(e.Event.Source, e.Event.Id)];
            var first = results[leader]!;
            results[i] = first.Accepted
                ? Replay(e, batch[leader].Event.Hash, JsonSerializer.Serialize(first.Effects, StoreJson.Default.EventEffects))
                : first with { };
        }

        if (allOrNothing && results.Any(r => r is { Accepted: false }))
        {
            // A document with a rejected event writes nothing. Its events applied in this transaction (and their
            // repeats) are rolled back; replays of events committed earlier stay what they are.
            for (var i = 0; i < batch.Count; i++)
            {
                var e = batch[i].Event.Event;
                if (results[i] is { Accepted: true } && !stored.ContainsKey((e.Source, e.Id)))
                {
                    results[i] = EventResult.Rejected(e.Source, e.Id, e.Type, Problem.RuleViolated([new Violation(
                        "", "document.rolled-back", "Not applied: another event of the same document was rejected, and a document is applied whole or not at all.")]));
                }
            }

            await tx.RollbackAsync(ct);
        }
        else
        {
            // A batch of only rejections and replays writes nothing, not even its commit row: a rejected or
            // repeated request changes nothing (DESIGN §2.7).
            await tx.CommitAsync(ct, recordCommit: results.Any(r => r is { Accepted: true, Replayed: false }));
        }

        BatchSize.Record(batch.Count);
        CommitTime.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        for (var i = 0; i < batch.Count; i++)
        {
            var result = results[i]!;
            if (result.Replayed)
                ReplayedCount.Add(1);
            else if (result.Accepted)
                AcceptedCount.Add(1);
            else
                RejectedCount.Add(1);
            batch[i].Completion.TrySetResult(result);
        }
    }

    private static EventResult Replay(ValidatedEvent e, string storedHash, string storedResult) =>
        storedHash == e.Hash
            ? new EventResult(200, e.Event.Source, e.Event.Id, e.Event.Type, JsonSerializer.Deserialize(storedResult, StoreJson.Default.EventEffects), null, Replayed: true)
            : EventResult.Rejected(e.Event.Source, e.Event.Id, e.Event.Type, Problem.Conflict(new Violation(
                "/id", "idempotency.body-mismatch",
                $"Event id '{e.Event.Id}' from source '{e.Event.Source}' was already accepted with a different type, time, subject or data; send a new id for a new event.")));

    private static async Task<Dictionary<(string Source, string Id), (string Hash, string Result)>> InboxAsync(StoreTransaction tx, List<Pending> batch, CancellationToken ct)
    {
        var ids = batch.Select(p => p.Event.Event.Id).Distinct(StringComparer.Ordinal).ToArray();
        var (idIn, idArg) = SqlList.In(tx, "event_id", ids);
        var found = new Dictionary<(string, string), (string, string)>();
        await using var reader = await tx.Command($"SELECT event_id, source, body_hash, result FROM integration_inbox WHERE {idIn}", idArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found[(reader.GetString(1), reader.GetString(0))] = (reader.GetString(2), reader.GetString(3));
        return found;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store refused a batch of {Count} events; retrying each alone")]
    private static partial void LogBatchRetry(ILogger logger, int count, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Source}/{Id} could not be stored; nothing was written")]
    private static partial void LogEventFailure(ILogger logger, string source, string id, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The store failed while committing {Count} events; none was written")]
    private static partial void LogStoreFailure(ILogger logger, int count, Exception error);
}
