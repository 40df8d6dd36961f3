using System.Net;
using System.Text;
using System.Text.Json;

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
/// up. A request cut off by a kill is recorded as lost (its events' fate is unknown); senders then wait for
/// the next server and go on with the next batch.
/// </summary>
internal sealed class EventSenders(IReadOnlyList<PlannedEvent> pool) : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly int[] answers = new int[pool.Count]; // Answer values, written by the senders
    private readonly List<string> refusals = [];
    private TaskCompletionSource<Uri> up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int inFlightRequests;
    private int inFlightEvents;
    private int answered;
    private int lostRequests;
    private int lostEvents;

    /// <summary>Requests sent and not yet answered.</summary>
    public int InFlightRequests => Volatile.Read(ref inFlightRequests);

    /// <summary>Events inside requests sent and not yet answered.</summary>
    public int InFlightEvents => Volatile.Read(ref inFlightEvents);

    /// <summary>Events with a 200 (accepted or replayed) in this sending round.</summary>
    public int Answered => Volatile.Read(ref answered);

    public int LostRequests => Volatile.Read(ref lostRequests);

    public int LostEvents => Volatile.Read(ref lostEvents);

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

    /// <summary>Forgets every answer (a new sending round).</summary>
    public void Reset()
    {
        Array.Fill(answers, (int)Answer.None);
        Volatile.Write(ref answered, 0);
    }

    /// <summary>Sends each batch once with <paramref name="senders"/> concurrent clients.</summary>
    public async Task SendAsync(IReadOnlyList<PlannedEvent[]> batches, int senders, CancellationToken ct)
    {
        var queue = new System.Collections.Concurrent.ConcurrentQueue<PlannedEvent[]>(batches);
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
                await SendBatchAsync(batch, ct);
        }, ct)));
    }

    private async Task SendBatchAsync(PlannedEvent[] batch, CancellationToken ct)
    {
        var address = await Volatile.Read(ref up).Task.WaitAsync(ct);
        var body = "[" + string.Join(",", batch.Select(e => e.Json)) + "]";
        Interlocked.Increment(ref inFlightRequests);
        Interlocked.Add(ref inFlightEvents, batch.Length);
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/cloudevents-batch+json");
            using var response = await http.PostAsync(new Uri(address, "/api/v1/events"), content, ct);
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
        }
    }

    private void Refuse(string what)
    {
        lock (refusals)
            refusals.Add(what);
    }

    public void Dispose() => http.Dispose();
}
