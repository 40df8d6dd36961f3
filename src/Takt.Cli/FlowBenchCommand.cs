using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Takt.Orchestration;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench flows</c>: a three-step standard flow (system step, decision, system step) started and completed
/// in process on a fresh database, with the flow worker running as in <c>takt run</c>: instances per second from the
/// first start to the last completion, and the start latency (the API's start: instance, first work row and process
/// log committed, the instance read back). Two runs on the same database: saturated (the starters start the next
/// instance as soon as theirs returns: the most instances per second, and the latency of a queue that never empties)
/// and paced (starts issued at a fixed rate, default 1,000/s, each timed from when it was due, so a stall counts for
/// every start it delays: the latency a caller sees at that load).
/// </summary>
internal static class FlowBenchCommand
{
    private const string Standard = """
        flow: bench-three-step
        version: 1
        title: Benchmark flow
        owner: ops
        inputs:
          value: number
        steps:
          - { id: prepare, type: action, action: signal, with: { name: prepared }, next: route }
          - id: route
            type: decision
            cases:
              - { when: value > 500, next: large }
            otherwise: small
          - { id: large, type: action, action: signal, with: { name: large } }
          - { id: small, type: action, action: signal, with: { name: small } }
        """;

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record FlowBenchResult(string Engine, string Machine, int Instances, int Starters, double Seconds, double InstancesPerSecond, double StartP50Ms, double StartP99Ms, double StartMaxMs, long StepsRun, PacedRun? Paced);

    /// <summary>The paced run: <paramref name="Rate"/> starts per second offered, <paramref name="InstancesPerSecond"/> completed from the first start to the last completion.</summary>
    public sealed record PacedRun(int Rate, int Instances, double Seconds, double InstancesPerSecond, double StartP50Ms, double StartP99Ms, double StartMaxMs);

    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "sqlite (a new temp file), postgres (a new database on TAKT_BENCH_POSTGRES or TAKT_TEST_POSTGRES), or a PostgreSQL connection string.", DefaultValueFactory = _ => "sqlite" };
        var instances = new Option<int>("--instances", "-n") { Description = "Instances to start and complete.", DefaultValueFactory = _ => 5_000 };
        var starters = new Option<int>("--starters") { Description = "Concurrent starters.", DefaultValueFactory = _ => 8 };
        var rate = new Option<int>("--rate") { Description = "Starts per second of the paced run after the saturated one (0: no paced run).", DefaultValueFactory = _ => 1_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var flows = new Command("flows", "Measure flow execution: a 3-step flow (system step, decision, system step) started and completed: instances/s and start latency, saturated and at a fixed rate.") { db, instances, starters, rate, json };
        flows.SetAction(async (parse, ct) =>
        {
            var result = await RunAsync(parse.GetValue(db)!, parse.GetValue(instances), parse.GetValue(starters), parse.GetValue(rate), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return flows;
    }

    private static async Task<FlowBenchResult> RunAsync(string db, int count, int starters, int rate, CancellationToken ct)
    {
        var (database, cleanup) = await BenchCommand.FreshDatabaseAsync(db, ct);
        try
        {
            var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", SeedDemo = false, BootstrapAdmin = false, MinimumLogLevel = LogLevel.Warning };
            await using var app = await TaktServer.StartAsync(settings, ct);
            var store = app.Services.GetRequiredService<TaktStore>();
            var orchestration = app.Services.GetRequiredService<IOrchestration>();
            AnsiConsole.MarkupLineInterpolated($"[grey]bench flows on {store.Engine} ({store.Display}), {count} instances, {starters} starters, {Environment.ProcessorCount} cores[/]");
            Check(await orchestration.SaveStandardAsync(store, Standard, "bench", ct));
            Check(await orchestration.PublishStandardAsync(store, "bench-three-step", 1, ct));

            // Warm-up: JIT, prepared statements, connection pools.
            for (var i = 0; i < 50; i++)
                Check(await orchestration.StartAsync(store, new StartFlow("bench-three-step", "PA01", "bench", new JsonObject { ["value"] = i }), ct));
            await WaitAsync(store, 50, ct);

            var latencies = new double[count];
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, starters).Select(_ => Task.Run(async () =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < count)
                {
                    var started = Stopwatch.GetTimestamp();
                    Check(await orchestration.StartAsync(store, new StartFlow("bench-three-step", n % 2 == 0 ? "PA01" : "PB01", "bench", new JsonObject { ["value"] = n % 1000 }), ct));
                    latencies[n] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }, ct)));
            await WaitAsync(store, count + 50, ct);
            var elapsed = clock.Elapsed;
            Array.Sort(latencies);
            await using var connection = await store.OpenConnectionAsync(ct);
            await using var steps = connection.CreateCommand();
            steps.CommandText = "SELECT COUNT(*) FROM orch_step_log WHERE event IN ('completed', 'decided') AND step <> ''";
            var stepsRun = Convert.ToInt64(await steps.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            AnsiConsole.MarkupLineInterpolated($"saturated: [bold]{count / elapsed.TotalSeconds:F0}[/] instances/s, start p50 {At(latencies, 0.50):F1} ms, p99 {At(latencies, 0.99):F1} ms");
            var paced = rate > 0 ? await PacedAsync(store, orchestration, count, rate, count + 50, ct) : null;
            if (paced is not null)
                AnsiConsole.MarkupLineInterpolated($"paced at {rate}/s: [bold]{paced.InstancesPerSecond:F0}[/] instances/s, start p50 {paced.StartP50Ms:F1} ms, p99 [bold]{paced.StartP99Ms:F1}[/] ms");
            return new FlowBenchResult(store.Engine.ToString(), $"{Environment.ProcessorCount} cores", count, starters, Math.Round(elapsed.TotalSeconds, 3), Math.Round(count / elapsed.TotalSeconds, 1),
                Math.Round(At(latencies, 0.50), 2), Math.Round(At(latencies, 0.99), 2), Math.Round(latencies[^1], 2), stepsRun, paced);
        }
        finally
        {
            await cleanup();
        }
    }

    /// <summary>
    /// Starts <paramref name="count"/> instances at <paramref name="rate"/> per second whether or not earlier starts
    /// have returned; each start's latency runs from when it was due (or issued, if a moment early), so a stall is charged to every start behind it.
    /// </summary>
    private static async Task<PacedRun> PacedAsync(TaktStore store, IOrchestration orchestration, int count, int rate, int completedBefore, CancellationToken ct)
    {
        var latencies = new double[count];
        var starts = new Task[count];
        var begun = Stopwatch.GetTimestamp();
        for (var n = 0; n < count; n++)
        {
            var due = begun + (long)(n * (double)Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait, ct);
            var i = n;
            var from = Math.Max(due, Stopwatch.GetTimestamp()); // issued up to a millisecond early: timed from the issue
            starts[i] = Task.Run(async () =>
            {
                Check(await orchestration.StartAsync(store, new StartFlow("bench-three-step", i % 2 == 0 ? "PA01" : "PB01", "bench", new JsonObject { ["value"] = i % 1000 }), ct));
                latencies[i] = Stopwatch.GetElapsedTime(from).TotalMilliseconds;
            }, ct);
        }

        await Task.WhenAll(starts);
        await WaitAsync(store, completedBefore + count, ct);
        var seconds = Stopwatch.GetElapsedTime(begun).TotalSeconds;
        Array.Sort(latencies);
        return new PacedRun(rate, count, Math.Round(seconds, 3), Math.Round(count / seconds, 1), Math.Round(At(latencies, 0.50), 2), Math.Round(At(latencies, 0.99), 2), Math.Round(latencies[^1], 2));
    }

    private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task WaitAsync(TaktStore store, int completed, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM orch_instance WHERE flow = 'bench-three-step' AND status = 'completed'";
        while (Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) < completed)
            await Task.Delay(10, ct);
    }

    private static T Check<T>(Contracts.Outcome<T> outcome) => outcome.IsRejected
        ? throw new InvalidOperationException(string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;
}
