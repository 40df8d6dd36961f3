using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Takt.Integration.Gateway;
using Takt.Production;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench ingest</c>: accepted operation confirmations per second, in process and over HTTP (batch mode),
/// on a fresh database, beside the raw ceiling of the same database measured in the same run
/// (single-row-transaction inserts of as many rows). Prints a table and JSON.
/// </summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "sqlite (a new temp file), postgres (a new database on the server in TAKT_BENCH_POSTGRES or TAKT_TEST_POSTGRES), or a PostgreSQL connection string (a new database on that server).", DefaultValueFactory = _ => "sqlite" };
        var events = new Option<int>("--events", "-n") { Description = "Confirmations per measurement.", DefaultValueFactory = _ => 20_000 };
        var batch = new Option<int>("--batch") { Description = "Events per HTTP batch request.", DefaultValueFactory = _ => 100 };
        var submitters = new Option<int>("--submitters") { Description = "Concurrent submitters (in process) and HTTP requests in flight.", DefaultValueFactory = _ => 8 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var ingest = new Command("ingest", "Measure event intake: in process, over HTTP, and the database's raw ceiling.") { db, events, batch, submitters, json };
        ingest.SetAction(async (parse, ct) =>
        {
            var result = await RunAsync(parse.GetValue(db)!, parse.GetValue(events), parse.GetValue(batch), parse.GetValue(submitters), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return new Command("bench", "Benchmarks (run on a quiet machine; compare within one run).") { ingest, Gateway(), FlowBenchCommand.Create(), IntelligenceBench.Create(), LedgerBench.Create(), PayablesCommand.Bench(), InventoryCommand.Bench(), ProcurementCommand.Bench(), CostingBench.Create(), AssistCommand.Bench(), MrpBench.Create() };
    }

    private static Command Gateway()
    {
        var db = new Option<string>("--db") { Description = "sqlite (a new temp file), postgres (a new database on the server in TAKT_BENCH_POSTGRES or TAKT_TEST_POSTGRES), or a PostgreSQL connection string (a new database on that server).", DefaultValueFactory = _ => "sqlite" };
        var events = new Option<int>("--events", "-n") { Description = "Events per intake measurement (HTTP, MQTT) and messages each webhook subscription is owed.", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch") { Description = "Events per HTTP batch request.", DefaultValueFactory = _ => 100 };
        var submitters = new Option<int>("--submitters") { Description = "HTTP requests in flight, and concurrent MQTT publishes.", DefaultValueFactory = _ => 8 };
        var subscriptions = new Option<int>("--subscriptions") { Description = "Webhook subscriptions the fan-out delivers to.", DefaultValueFactory = _ => 4 };
        var mqtt = new Option<string?>("--mqtt") { Description = "A broker to use (mqtt://user:password@host:port) instead of a local mosquitto started by the bench." };
        var mosquitto = new Option<string>("--mosquitto") { Description = "The mosquitto executable the bench starts.", DefaultValueFactory = _ => "/usr/sbin/mosquitto" };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var gateway = new Command("gateway", "Measure the integration platform: HTTP intake, MQTT intake and webhook fan-out, beside the database's raw ceiling.") { db, events, batch, submitters, subscriptions, mqtt, mosquitto, json };
        gateway.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(events) < 1 || parse.GetValue(subscriptions) < 1 || parse.GetValue(batch) < 1 || parse.GetValue(submitters) < 1)
            {
                AnsiConsole.MarkupLine("[red]bench.arguments-positive[/] --events, --batch, --submitters and --subscriptions are at least 1.");
                return 1;
            }

            var result = await GatewayBench.RunAsync(parse.GetValue(db)!, parse.GetValue(events), parse.GetValue(batch), parse.GetValue(submitters), parse.GetValue(subscriptions), parse.GetValue(mqtt), parse.GetValue(mosquitto)!, ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return gateway;
    }

    /// <summary>
    /// One measured run. <c>CpuUsPerEvent</c> is the CPU time of the whole process (every thread: submitters, writer,
    /// dispatcher, indexer, GC) per accepted event: on a busy machine it moves far less than events/s does.
    /// </summary>
    public sealed record Measurement(int Events, double Seconds, double EventsPerSecond, double P50Ms, double P99Ms, int Accepted, int Rejected, double CpuUsPerEvent);

    public sealed record IngestResult(
        string Engine,
        string Machine,
        Measurement RawCeiling,
        Measurement InProcess,
        Measurement Http,
        double InProcessToCeiling,
        double HttpToCeiling);

    private static async Task<IngestResult> RunAsync(string db, int events, int batchSize, int submitters, CancellationToken ct)
    {
        var (database, cleanup) = await FreshDatabaseAsync(db, ct);
        try
        {
            var store = TaktStore.Open(database);
            AnsiConsole.MarkupLineInterpolated($"[grey]bench ingest on {store.Engine} ({store.Display}), {events} events, {Environment.ProcessorCount} cores[/]");
            var raw = await RawCeilingAsync(store, events, ct);
            AnsiConsole.MarkupLineInterpolated($"raw ceiling: [bold]{raw.EventsPerSecond:F0}[/] rows/s (one row per transaction), {raw.CpuUsPerEvent:F0} µs CPU per row");

            var settings = new ServerSettings
            {
                Database = database,
                Urls = "http://127.0.0.1:0",
                DemoOrdersPerPlant = 100,
                MinimumLogLevel = LogLevel.Warning,
            };
            await using var app = await TaktServer.StartAsync(settings, ct);
            // Intake over HTTP is authenticated like any client's: the bench registers its own in its new database,
            // with a rate limit that does not throttle the measurement.
            var bench = await Takt.Integration.Access.ClientRegistry.RegisterAsync(store, TimeProvider.System, settings.Access, new Takt.Integration.Access.NewClient(
                "bench", "takt bench ingest", "takt", [Takt.Integration.Access.Scopes.EventsProductionWrite], ["*"], RateLimitPerMinute: 10_000_000, RateLimitBurst: 1_000_000), ct);
            var orders = await app.Services.GetRequiredService<IProduction>().OrdersAsync(store, null, 1000, ct);
            var simulator = new ShopFloorSimulator(orders, TimeProvider.System);

            // Warm up (JIT tiers, prepared statements, connections) with a full run in process and a shorter one over
            // HTTP, then wait until the JIT has finished recompiling hot methods in the background: the figures are
            // those of a server that has been running for a while, not of its first seconds.
            await InProcessAsync(app, simulator, events, submitters, ct);
            await HttpAsync(app, bench.Value.Key.ApiKey, simulator, Math.Max(batchSize, events / 4), batchSize, submitters, ct);
            var (jitSeconds, methods) = await JitSettledAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"[grey]warm-up done; the JIT settled {jitSeconds:F1} s later ({methods} methods compiled)[/]");
            var inProcess = await InProcessAsync(app, simulator, events, submitters, ct);
            AnsiConsole.MarkupLineInterpolated($"in process: [bold]{inProcess.EventsPerSecond:F0}[/] confirmations/s, p50 {inProcess.P50Ms:F1} ms, p99 {inProcess.P99Ms:F1} ms, {inProcess.CpuUsPerEvent:F0} µs CPU per event");
            var http = await HttpAsync(app, bench.Value.Key.ApiKey, simulator, events, batchSize, submitters, ct);
            AnsiConsole.MarkupLineInterpolated($"over HTTP (batches of {batchSize}): [bold]{http.EventsPerSecond:F0}[/] confirmations/s, request p50 {http.P50Ms:F1} ms, p99 {http.P99Ms:F1} ms, {http.CpuUsPerEvent:F0} µs CPU per event");
            await app.StopAsync(ct);
            return new IngestResult(
                store.Engine.ToString(),
                $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
                raw,
                inProcess,
                http,
                Math.Round(inProcess.EventsPerSecond / raw.EventsPerSecond, 3),
                Math.Round(http.EventsPerSecond / raw.EventsPerSecond, 3));
        }
        finally
        {
            await cleanup();
        }
    }

    /// <summary>
    /// Always a new, empty database, never one that holds data: a temp SQLite file, or a new PostgreSQL database
    /// created on the named server (TAKT_BENCH_POSTGRES, TAKT_TEST_POSTGRES or the given connection string)
    /// and dropped afterwards.
    /// </summary>
    internal static async Task<(string Database, Func<Task> Cleanup)> FreshDatabaseAsync(string db, CancellationToken ct)
    {
        if (db == "sqlite")
        {
            var dir = Directory.CreateTempSubdirectory("takt-bench-");
            return (Path.Combine(dir.FullName, "bench.db"), () =>
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                dir.Delete(recursive: true);
                return Task.CompletedTask;
            });
        }

        var server = db == "postgres"
            ? Environment.GetEnvironmentVariable("TAKT_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("TAKT_TEST_POSTGRES")
                ?? throw new InvalidOperationException("Set TAKT_BENCH_POSTGRES (or TAKT_TEST_POSTGRES) to a PostgreSQL connection string; the bench creates and drops its own database there.")
            : TaktStore.Open(db).Engine == StoreEngine.Postgres ? TaktStore.Open(db).ConnectionString
            : throw new InvalidOperationException("--db takes sqlite, postgres or a PostgreSQL connection string; the bench never writes into an existing SQLite file.");
        var name = "takt_bench_" + Guid.NewGuid().ToString("N")[..10];
        await using (var admin = new Npgsql.NpgsqlConnection(server))
        {
            await admin.OpenAsync(ct);
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(ct);
        }

        var connection = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return (connection, async () =>
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            if (Environment.GetEnvironmentVariable("TAKT_BENCH_KEEP") == "1")
            {
                // For inspection afterwards (pg_stat_user_tables, pg_walinspect): the caller drops it.
                Console.Error.WriteLine($"kept the bench database {name} (TAKT_BENCH_KEEP=1)");
                return;
            }

            await using var admin = new Npgsql.NpgsqlConnection(server);
            await admin.OpenAsync(CancellationToken.None);
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        });
    }

    /// <summary>The database's ceiling for this shape of work: one 100-byte row per transaction, same connection type.</summary>
    internal static async Task<Measurement> RawCeilingAsync(TaktStore store, int rows, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (id bigint PRIMARY KEY, payload text NOT NULL)";
            await create.ExecuteNonQueryAsync(ct);
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO bench_raw (id, payload) VALUES ($1, $2)";
        var id = insert.CreateParameter();
        var payload = insert.CreateParameter();
        if (store.Engine == StoreEngine.Sqlite)
        {
            id.ParameterName = "$1";
            payload.ParameterName = "$2";
        }

        insert.Parameters.Add(id);
        insert.Parameters.Add(payload);
        var text = new string('x', 100);
        var latencies = new double[rows];
        var watch = Stopwatch.StartNew();
        var cpu = ProcessCpu();
        for (var i = 0; i < rows; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await using DbTransaction tx = await connection.BeginTransactionAsync(ct);
            insert.Transaction = tx;
            id.Value = (long)i;
            payload.Value = text;
            await insert.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        watch.Stop();
        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "DROP TABLE bench_raw";
            await drop.ExecuteNonQueryAsync(ct);
        }

        return Measure(rows, watch.Elapsed, ProcessCpu() - cpu, latencies, rows, 0);
    }

    /// <summary>Validation (envelope + schema) and group-committed application, from several submitters.</summary>
    private static async Task<Measurement> InProcessAsync(WebApplication app, ShopFloorSimulator simulator, int count, int submitters, CancellationToken ct)
    {
        var validation = app.Services.GetRequiredService<EventValidation>();
        var pipeline = app.Services.GetRequiredService<IngestPipeline>();
        // Raw UTF-8 bodies, parsed by the submitter as a gateway would: parsing is part of accepting an event.
        var bodies = simulator.Confirmations(count).Select(e => System.Text.Encoding.UTF8.GetBytes(e.ToJsonString())).ToArray();
        var latencies = new double[count];
        int accepted = 0, rejected = 0, next = -1;
        const int chunk = 100;
        var watch = Stopwatch.StartNew();
        var cpu = ProcessCpu();
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var start = Interlocked.Add(ref next, chunk) - chunk + 1;
                if (start >= count)
                    return;
                var end = Math.Min(count, start + chunk);
                var started = Stopwatch.GetTimestamp();
                var batch = new List<ValidatedEvent>(end - start);
                for (var i = start; i < end; i++)
                {
                    using var document = JsonDocument.Parse(bodies[i]);
                    var validated = validation.FromStructured(document.RootElement);
                    if (validated.IsRejected)
                        Interlocked.Increment(ref rejected);
                    else
                        batch.Add(validated.Value);
                }

                var results = await pipeline.SubmitAsync(batch, ct);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                foreach (var r in results)
                    Interlocked.Increment(ref r.Accepted ? ref accepted : ref rejected);
                for (var i = start; i < end; i++)
                    latencies[i] = elapsed;
            }
        }, ct)));
        watch.Stop();
        await SettleAsync(app, ct);
        return Measure(count, watch.Elapsed, ProcessCpu() - cpu, latencies, accepted, rejected);
    }

    internal static async Task<Measurement> HttpAsync(WebApplication app, string apiKey, ShopFloorSimulator simulator, int count, int batchSize, int concurrency, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(OpenApiDocument.Address(app)), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        var bodies = simulator.Confirmations(count).Chunk(batchSize).Select(c => new JsonArray([.. c]).ToJsonString()).ToArray();
        var latencies = new double[bodies.Length];
        int accepted = 0, rejected = 0, next = -1;
        var watch = Stopwatch.StartNew();
        var cpu = ProcessCpu();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new StringContent(bodies[i], Encoding.UTF8, "application/cloudevents-batch+json");
                using var response = await http.PostAsync("/api/v1/events", content, ct);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Add(ref accepted, body.GetProperty("accepted").GetInt32());
                Interlocked.Add(ref rejected, body.GetProperty("rejected").GetInt32());
            }
        }, ct)));
        watch.Stop();
        await SettleAsync(app, ct);
        return Measure(count, watch.Elapsed, ProcessCpu() - cpu, latencies, accepted, rejected);
    }

    /// <summary>
    /// Waits until the outbox subscribers and the object index have caught up with what the run wrote, so the CPU
    /// figure of a run includes the background work its events cause (and the next run starts quiet).
    /// </summary>
    private static async Task SettleAsync(WebApplication app, CancellationToken ct)
    {
        var store = app.Services.GetRequiredService<TaktStore>();
        var outbox = app.Services.GetRequiredService<Outbox>();
        var intelligence = app.Services.GetRequiredService<Takt.Intelligence.IIntelligence>();
        while (!(await OutboxBacklog.ReadAsync(store, outbox, ct)).All(b => b.Settled)
            || await intelligence.ObjectIndexBehindAsync(store, ct) > 0)
            await Task.Delay(20, ct);
    }

    /// <summary>
    /// Waits until no method has been compiled for a second (tiered compilation recompiles hot methods on a
    /// background thread for a while after they get hot), at most 30 s. Returns the wait and the methods compiled.
    /// </summary>
    private static async Task<(double Seconds, long Methods)> JitSettledAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var last = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = watch.Elapsed;
        while (watch.Elapsed - quietSince < TimeSpan.FromSeconds(1) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100, ct);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last)
            {
                last = now;
                quietSince = watch.Elapsed;
            }
        }

        return (watch.Elapsed.TotalSeconds, last);
    }

    internal static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    internal static Measurement Measure(int count, TimeSpan elapsed, TimeSpan cpu, double[] latencies, int accepted, int rejected)
    {
        Array.Sort(latencies);
        double At(double p) => latencies.Length == 0 ? 0 : latencies[Math.Clamp((int)Math.Ceiling(p * latencies.Length) - 1, 0, latencies.Length - 1)];
        return new Measurement(count, Math.Round(elapsed.TotalSeconds, 3), Math.Round(accepted / elapsed.TotalSeconds, 0), Math.Round(At(0.5), 2), Math.Round(At(0.99), 2), accepted, rejected,
            accepted == 0 ? 0 : Math.Round(cpu.TotalMicroseconds / accepted, 1));
    }
}
