using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Resilience.Tests;
using Takt.Store;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>Drives real <c>takt run</c> processes over HTTP: publish a standard, start instances, read the database.</summary>
internal static class ProcessFlows
{
    public static HttpClient Client(TaktProcess server, string apiKey)
    {
        var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return http;
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await http.SendAsync(request, ct);
    }

    public static async Task PublishAsync(HttpClient http, string document, string flow, CancellationToken ct)
    {
        using var saved = await PostAsync(http, "/api/v1/flows/standards", new { document }, ct);
        Assert.True(saved.StatusCode == HttpStatusCode.Created, await saved.Content.ReadAsStringAsync(ct));
        using var published = await PostAsync(http, $"/api/v1/flows/standards/{flow}/1/publish", new { }, ct);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync(ct));
    }

    /// <summary>Starts instances with <paramref name="parallel"/> requests in flight; returns their ids.</summary>
    public static async Task<List<string>> StartAsync(IReadOnlyList<HttpClient> nodes, string flow, int count, int parallel, CancellationToken ct)
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (n, token) =>
        {
            using var response = await PostAsync(nodes[n % nodes.Count], "/api/v1/flows/instances", new { flow, plant = n % 2 == 0 ? "PA01" : "PB01", requester = "load", variables = new { n } }, token);
            var text = await response.Content.ReadAsStringAsync(token);
            Assert.True(response.StatusCode == HttpStatusCode.Created, text);
            ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
        });
        return [.. ids];
    }

    public static async Task<long> ScalarAsync(TaktStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql, args);
    }

    public static async Task<List<(string A, string B, long N)>> RowsAsync(TaktStore store, string sql)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        return [.. await Dapper.SqlMapper.QueryAsync<(string, string, long)>(connection, sql)];
    }

    public static async Task<IEnumerable<string>> IdsAsync(TaktStore store, string flow)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        return await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT id FROM orch_instance WHERE flow = @flow", new { flow });
    }

    /// <summary>Waits until every instance of the flow completed, or fails after the limit.</summary>
    public static async Task WaitCompletedAsync(TaktStore store, string flow, int count, TimeSpan limit, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await ScalarAsync(store, "SELECT COUNT(*) FROM orch_instance WHERE flow = @flow AND status = 'completed'", new { flow }) < count)
        {
            Assert.True(waited.Elapsed < limit, $"Not every instance of {flow} completed within {limit}.");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Exactly-once: each step's effects once per instance — step log, outbox signals, process log.</summary>
    public static async Task AssertEachStepRanOnceAsync(TaktStore store, string flow, IReadOnlyList<string> ids, int stepsPerInstance, int signalsPerInstance)
    {
        Assert.Equal(ids.Count, await ScalarAsync(store, "SELECT COUNT(*) FROM orch_instance WHERE flow = @flow AND status = 'completed'", new { flow }));
        var log = await RowsAsync(store, $"SELECT l.instance_id, l.step, COUNT(*) FROM orch_step_log l JOIN orch_instance i ON i.id = l.instance_id WHERE i.flow = '{flow}' AND l.event IN ('completed', 'decided') AND l.step <> '' GROUP BY l.instance_id, l.step");
        Assert.Empty(log.Where(r => r.N != 1).Select(r => $"{r.A} ran step {r.B} {r.N} times").Take(10));
        Assert.Equal(ids.Count * stepsPerInstance, log.Count);

        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        var messages = (await Dapper.SqlMapper.QueryAsync<(string Subject, string Data)>(connection,
            "SELECT subject, data FROM store_outbox_message WHERE type = 'takt.orchestration.signal.v1' AND source = '/takt/orchestration'")).ToList();
        var mine = messages.Where(m => ids.Contains(m.Subject)).Select(m => (m.Subject, Name: JsonDocument.Parse(m.Data).RootElement.GetProperty("name").GetString()!)).ToList();
        Assert.Empty(mine.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => $"{g.Key.Subject}: signal {g.Key.Name} sent {g.Count()} times").Take(10));
        Assert.Equal(ids.Count * signalsPerInstance, mine.Count);
        var completions = await ScalarAsync(store, "SELECT COUNT(*) FROM intel_event WHERE type = 'takt.orchestration.instance-completed.v1' AND data LIKE @flow", new { flow = $"%\"flow\":\"{flow}\"%" });
        Assert.Equal(ids.Count, completions);
        Assert.Equal(0, await ScalarAsync(store, "SELECT COUNT(*) FROM orch_work w JOIN orch_instance i ON i.id = w.instance_id WHERE i.flow = @flow", new { flow }));
    }
}
