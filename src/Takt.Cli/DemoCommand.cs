using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Takt.Production;
using Takt.Server;

namespace Takt.Cli;

internal static class DemoCommand
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static Option<string> UrlOption() => new("--url")
    {
        Description = "The running Takt server.",
        DefaultValueFactory = _ => "http://localhost:5080",
    };

    public static Option<string?> ApiKeyOption() => new("--api-key")
    {
        Description = "A registered client's API key (default: the TAKT_API_KEY environment variable). takt run prints the admin key on a new database; takt clients add makes one.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TAKT_API_KEY"),
    };

    /// <summary>False (after saying how to get one) when no API key was given.</summary>
    public static bool HasKey([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? apiKey)
    {
        if (!string.IsNullOrWhiteSpace(apiKey))
            return true;
        AnsiConsole.MarkupLine("[red]The server needs a credential:[/] pass --api-key (or set TAKT_API_KEY). takt run prints the admin key on a new database; takt clients add --db … registers a client.");
        return false;
    }

    /// <summary>An HTTP client for a running server that sends the API key on every request.</summary>
    public static HttpClient Connect(string url, string apiKey)
    {
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return http;
    }

    public static Command Create()
    {
        var url = UrlOption();
        var apiKey = ApiKeyOption();
        var events = new Option<int>("--events", "-n") { Description = "How many events to send.", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { Description = "Events per batch-mode request.", DefaultValueFactory = _ => 100 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 2 };
        var shopfloor = new Command("shopfloor", "Send a realistic stream of shop-floor events (issues, confirmations, yield) to a running server (the key needs events:production:write, production:read, kpis:read).")
        {
            url, apiKey, events, batch, concurrency,
        };
        shopfloor.SetAction(async (parse, ct) =>
        {
            var key = parse.GetValue(apiKey);
            if (!HasKey(key))
                return 1;
            using var http = Connect(parse.GetValue(url)!, key);
            var summary = await SendAsync(http, parse.GetValue(events), Math.Max(1, parse.GetValue(batch)), Math.Max(1, parse.GetValue(concurrency)), ct);
            Print(summary);
            await KpiCommand.PrintLatencyAsync(http, ct);
            return summary.Failed == 0 ? 0 : 1;
        });
        return new Command("demo", "Demonstrations against a running server.") { shopfloor, OutageDemo.Create() };
    }

    public sealed record Summary(int Sent, int Accepted, int Replayed, int Rejected, int Failed, TimeSpan Elapsed, IReadOnlyDictionary<string, int> RejectedByRule);

    public static async Task<Summary> SendAsync(HttpClient http, int count, int batchSize, int concurrency, CancellationToken ct)
    {
        var orders = await http.GetFromJsonAsync<List<ProductionOrderView>>("/api/v1/production-orders?limit=1000", Web, ct)
            ?? throw new InvalidOperationException("The server returned no production orders.");
        if (orders.Count == 0)
            throw new InvalidOperationException("The server has no production orders; start it with demo data (takt run).");
        var simulator = new ShopFloorSimulator(orders, TimeProvider.System, Environment.TickCount);
        // Lazily, so each event's time is when it is sent (the latency KPI starts there).
        var batches = simulator.Mixed(count).Chunk(batchSize).Select(chunk => new JsonArray([.. chunk]).ToJsonString());
        int accepted = 0, replayed = 0, rejected = 0, failed = 0, sent = 0;
        var rules = new Dictionary<string, int>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Sending events", maxValue: count);
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (body, token) =>
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/cloudevents-batch+json");
                using var response = await http.PostAsync("/api/v1/events", content, token);
                var json = await response.Content.ReadFromJsonAsync<JsonElement>(token);
                if (!json.TryGetProperty("results", out var results))
                {
                    Interlocked.Increment(ref failed);
                    return;
                }

                foreach (var result in results.EnumerateArray())
                {
                    Interlocked.Increment(ref sent);
                    if (result.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.Object)
                    {
                        if (r.GetProperty("replayed").GetBoolean())
                            Interlocked.Increment(ref replayed);
                        else
                            Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        Interlocked.Increment(ref rejected);
                        var rule = result.GetProperty("problem").GetProperty("errors").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } e
                            ? e.GetProperty("rule").GetString() ?? "?"
                            : result.GetProperty("status").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                        lock (rules)
                            rules[rule] = rules.GetValueOrDefault(rule) + 1;
                    }
                }

                task.Increment(results.GetArrayLength());
            });
        });
        return new Summary(sent, accepted, replayed, rejected, failed, watch.Elapsed, rules);
    }

    private static void Print(Summary s)
    {
        var table = new Table().AddColumns("", "count");
        table.AddRow("events sent", s.Sent.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("accepted", s.Accepted.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("replayed duplicates", s.Replayed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("rejected", s.Rejected.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (rule, n) in s.RejectedByRule.OrderByDescending(r => r.Value))
            table.AddRow($"  {Markup.Escape(rule)}", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("failed requests", s.Failed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("elapsed", $"{s.Elapsed.TotalSeconds:F2} s");
        table.AddRow("events/s", $"{s.Sent / Math.Max(0.001, s.Elapsed.TotalSeconds):F0}");
        AnsiConsole.Write(table);
    }
}
