using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Takt.Resilience.Tests;

/// <summary>What the last answer for one event of the pool was.</summary>
internal enum Answer
{
    None,
    Accepted,
    Replayed,
    Refused,
}

/// <summary>
/// Several concurrent HTTP clients sending batches of the pool (CloudEvents batch mode) to whichever server is
/// up. Batches are sent as the test releases them, so it controls how much load remains at a kill. A request
/// cut off by a kill is recorded as lost (its events' fate is unknown); senders then wait for the next server
/// and go on with the next batch.
/// </summary>
internal sealed class EventSenders : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly Channel<PlannedEvent[]> released = Channel.CreateUnbounded<PlannedEvent[]>();
    private readonly int[] answers; // Answer values, written by the senders
    private readonly List<string> refusals = [];
    private readonly Task[] senders;
    private TaskCompletionSource<Uri> up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int releasedEvents;
    private int finishedEvents;
    private int inFlightRequests;
    private int inFlightEvents;
    private int answered;
    private int lostRequests;
    private int lostEvents;
    private int throttled;

    public EventSenders(int poolSize, int concurrency, string apiKey, CancellationToken ct)
    {
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        answers = new int[poolSize];
        senders = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            await foreach (var batch in released.Reader.ReadAllAsync(ct))
                await SendBatchAsync(batch, ct);
        }, ct))];
    }

    /// <summary>Requests sent and not yet answered.</summary>
    public int InFlightRequests => Volatile.Read(ref inFlightRequests);

    /// <summary>Events inside requests sent and not yet answered.</summary>
    public int InFlightEvents => Volatile.Read(ref inFlightEvents);

    /// <summary>Events with a 200 (accepted or replayed).</summary>
    public int Answered => Volatile.Read(ref answered);

    /// <summary>Events released and not yet sent or answered.</summary>
    public int Unfinished => Volatile.Read(ref releasedEvents) - Volatile.Read(ref finishedEvents);

    public int LostRequests => Volatile.Read(ref lostRequests);

    public int LostEvents => Volatile.Read(ref lostEvents);

    /// <summary>Requests answered 429 and sent again after Retry-After.</summary>
    public int Throttled => Volatile.Read(ref throttled);

    public IReadOnlyList<string> Refusals
    {
        get
        {
            lock (refusals)
                return [.. refusals];
        }
    }

    public Answer AnswerFor(int index) => (Answer)Volatile.Read(ref answers[index]);

    /// <summary>New requests go to this server.</summary>
    public void ServerUp(Uri address) => Volatile.Read(ref up).TrySetResult(address);

    /// <summary>New requests wait until <see cref="ServerUp"/>; requests already sent stay in flight.</summary>
    public void ServerDown()
    {
        if (Volatile.Read(ref up).Task.IsCompleted)
            Volatile.Write(ref up, new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Queues batches for the senders.</summary>
    public void Release(IEnumerable<PlannedEvent[]> batches)
    {
        foreach (var batch in batches)
        {
            Interlocked.Add(ref releasedEvents, batch.Length);
            if (!released.Writer.TryWrite(batch))
                throw new InvalidOperationException("The senders were completed.");
        }
    }

    /// <summary>Waits until every released batch has been sent and answered (or lost); a generous limit for hangs.</summary>
    public async Task WaitIdleAsync(CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Unfinished > 0)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(5))
                throw new TimeoutException($"{Unfinished} released events are still unanswered.");
            await Task.Delay(10, ct);
        }
    }

    /// <summary>No more batches: the senders finish what is queued and stop.</summary>
    public async Task CompleteAsync()
    {
        released.Writer.TryComplete();
        await Task.WhenAll(senders);
    }

    /// <summary>
    /// Sends every batch again, byte-identical, until each event has a definite 200 (at most 5 more rounds for the
    /// events still open), spread over <paramref name="servers"/>: batch i goes to server (i + round) mod n, so an
    /// event first sent to one node is sent again to the other. Answers and refusals are those of all servers.
    /// </summary>
    public static async Task<Resent> ResendUntilAnsweredAsync(
        IReadOnlyList<PlannedEvent> pool, IReadOnlyList<PlannedEvent[]> batches, int batchSize, int concurrency, string apiKey, IReadOnlyList<Uri> servers, CancellationToken ct)
    {
        var nodes = servers.Select(server =>
        {
            var sender = new EventSenders(pool.Count, concurrency, apiKey, ct);
            sender.ServerUp(server);
            return sender;
        }).ToArray();
        try
        {
            Answer Final(PlannedEvent e) => nodes.Select(s => s.AnswerFor(e.Index)).Where(a => a is Answer.Accepted or Answer.Replayed).DefaultIfEmpty(Answer.None).First();
            IReadOnlyList<PlannedEvent[]> open = batches;
            for (var round = 0; round <= 5 && open.Count > 0; round++)
            {
                for (var i = 0; i < open.Count; i++)
                    nodes[(i + round) % nodes.Length].Release([open[i]]);
                foreach (var sender in nodes)
                    await sender.WaitIdleAsync(ct);
                open = [.. pool.Where(e => Final(e) == Answer.None).Chunk(batchSize)];
            }

            foreach (var sender in nodes)
                await sender.CompleteAsync();
            return new Resent([.. pool.Select(Final)], [.. nodes.SelectMany(s => s.Refusals)], nodes.Sum(s => s.Throttled));
        }
        finally
        {
            foreach (var sender in nodes)
                sender.Dispose();
        }
    }

    private async Task SendBatchAsync(PlannedEvent[] batch, CancellationToken ct)
    {
        var address = await Volatile.Read(ref up).Task.WaitAsync(ct);
        var body = "[" + string.Join(",", batch.Select(e => e.Json)) + "]";
        Interlocked.Increment(ref inFlightRequests);
        Interlocked.Add(ref inFlightEvents, batch.Length);
        try
        {
            var response = await PostAsync(address, body, ct);
            // Over the client's rate limit (the long run sends 100,000 events with one key): wait as told and send again.
            while (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                response.Dispose();
                Interlocked.Increment(ref throttled);
                await Task.Delay(wait, ct);
                response = await PostAsync(address, body, ct);
            }

            using var answer = response;
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.MultiStatus))
            {
                Refuse($"batch answered {(int)response.StatusCode}: {text}");
                return;
            }

            using var document = JsonDocument.Parse(text);
            foreach (var item in document.RootElement.GetProperty("results").EnumerateArray())
            {
                var planned = batch[item.GetProperty("index").GetInt32()];
                if (item.GetProperty("status").GetInt32() == 200)
                {
                    var replayed = item.GetProperty("result").GetProperty("replayed").GetBoolean();
                    Volatile.Write(ref answers[planned.Index], (int)(replayed ? Answer.Replayed : Answer.Accepted));
                    Interlocked.Increment(ref answered);
                }
                else
                {
                    Volatile.Write(ref answers[planned.Index], (int)Answer.Refused);
                    Refuse($"event {planned.Id}: {item}");
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            // Killed while this request was in flight (or the server was already gone): no answer, fate unknown.
            Interlocked.Increment(ref lostRequests);
            Interlocked.Add(ref lostEvents, batch.Length);
        }
        finally
        {
            Interlocked.Decrement(ref inFlightRequests);
            Interlocked.Add(ref inFlightEvents, -batch.Length);
            Interlocked.Add(ref finishedEvents, batch.Length);
        }
    }

    private async Task<HttpResponseMessage> PostAsync(Uri address, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/cloudevents-batch+json");
        return await http.PostAsync(new Uri(address, "/api/v1/events"), content, ct);
    }

    private void Refuse(string what)
    {
        lock (refusals)
            refusals.Add(what);
    }

    public void Dispose()
    {
        released.Writer.TryComplete();
        http.Dispose();
    }
}

/// <summary>The outcome of <see cref="EventSenders.ResendUntilAnsweredAsync"/>: each pool event's 200 (by index), or None.</summary>
internal sealed record Resent(IReadOnlyList<Answer> Answers, IReadOnlyList<string> Refusals, int Throttled)
{
    public Answer AnswerFor(int index) => Answers[index];
}
