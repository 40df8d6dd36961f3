using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MQTTnet;
using MQTTnet.Protocol;
using Spectre.Console;
using Takt.Integration.Access;
using Takt.Integration.Mqtt;
using Takt.Integration.Webhooks;
using Takt.Production;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench gateway</c>: the integration platform's three paths on a fresh database, each beside the raw
/// ceiling of that database measured in the same run (single-row-transaction inserts of as many rows):
/// authenticated intake over HTTP (API key, batch mode; idempotent by CloudEvents source and id), intake over MQTT
/// through a real mosquitto (the bench starts one on a free port with the password file and ACL generated from the
/// registry, unless <c>--mqtt</c> names one), publish to commit; and webhook fan-out to a local Kestrel receiver
/// that verifies every signature. CPU per event is this process's (Takt, the bench's publisher and receiver), not
/// the broker's. A benchmark: run it on a quiet machine and compare within one run.
/// </summary>
internal static class GatewayBench
{
    private const string BenchClient = "bench";
    private const string IntakeUser = "takt-intake";

    public sealed record GatewayResult(
        string Engine,
        string Machine,
        string Broker,
        int Subscriptions,
        BenchCommand.Measurement RawCeiling,
        BenchCommand.Measurement Http,
        BenchCommand.Measurement Mqtt,
        BenchCommand.Measurement WebhookFanOut,
        int InvalidSignatures,
        double HttpToCeiling,
        double MqttToCeiling,
        double WebhooksToCeiling);

    public static async Task<GatewayResult> RunAsync(string db, int events, int batchSize, int submitters, int subscriptions, string? mqtt, string mosquitto, CancellationToken ct)
    {
        var (database, cleanup) = await BenchCommand.FreshDatabaseAsync(db, ct);
        Mosquitto? broker = null;
        try
        {
            var store = TaktStore.Open(database);
            AnsiConsole.MarkupLineInterpolated($"[grey]bench gateway on {store.Engine} ({store.Display}), {events} events, {subscriptions} webhook subscriptions, {Environment.ProcessorCount} cores[/]");
            var raw = await BenchCommand.RawCeilingAsync(store, events, ct);
            AnsiConsole.MarkupLineInterpolated($"raw ceiling: [bold]{raw.EventsPerSecond:F0}[/] rows/s (one row per transaction)");

            // The registry first (a migrated, empty database): the bench's client with an MQTT login, so that the
            // broker can start with the password file and ACL generated from it before Takt subscribes.
            await Migrations.ApplyAsync(store, TaktServer.Schemas, ct);
            var access = new AccessOptions();
            var client = await ClientRegistry.RegisterAsync(store, TimeProvider.System, access, new NewClient(
                BenchClient, "takt bench gateway", "takt", [Scopes.EventsProductionWrite, Scopes.WebhooksManage], ["*"], RateLimitPerMinute: 10_000_000, RateLimitBurst: 1_000_000), ct);
            var login = await MqttCredentials.IssueAsync(store, TimeProvider.System, BenchClient, ct);
            var intakePassword = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            var mqttOptions = mqtt is null
                ? new MqttOptions { Host = "127.0.0.1", Port = FreePort(), Username = IntakeUser, Password = intakePassword }
                : MqttOptions.Parse(mqtt);
            mqttOptions.ClientId = "takt-bench-" + Guid.NewGuid().ToString("N")[..8];
            var (publisherUser, publisherPassword) = (BenchClient, login.Value.Password);
            if (mqtt is null)
            {
                var files = await MqttCredentials.BrokerFilesAsync(store, IntakeUser, intakePassword, mqttOptions.TopicPrefix, ct);
                broker = await Mosquitto.StartAsync(mosquitto, mqttOptions.Port, files.Value, ct);
            }
            else
            {
                // A broker of the operator's: the bench publishes with the intake's credentials (its ACL is theirs).
                (publisherUser, publisherPassword) = (mqttOptions.Username ?? "", mqttOptions.Password ?? "");
            }

            var settings = new ServerSettings
            {
                Database = database,
                Urls = "http://127.0.0.1:0",
                DemoOrdersPerPlant = 100,
                MinimumLogLevel = LogLevel.Warning,
                Access = access,
                Mqtt = mqttOptions,
                // Idle polling only: a commit wakes the worker anyway. The bench rewinds subscriptions without a commit.
                ConfigureServices = services => services.AddSingleton(new WebhookOptions { PollInterval = TimeSpan.FromMilliseconds(100) }),
            };
            await using var app = await TaktServer.StartAsync(settings, ct);
            var intake = app.Services.GetRequiredService<MqttIntake>();
            await WaitAsync(() => Task.FromResult(intake.Status.Connected), TimeSpan.FromSeconds(30), $"the intake to connect to {mqttOptions}", ct);

            var orders = await app.Services.GetRequiredService<IProduction>().OrdersAsync(store, null, 1000, ct);
            var simulator = new ShopFloorSimulator(orders, TimeProvider.System);

            // HTTP: warm up (JIT, connections, statements), then measure.
            await BenchCommand.HttpAsync(app, client.Value.Key.ApiKey, simulator, Math.Min(events, 2000), batchSize, submitters, ct);
            var http = await BenchCommand.HttpAsync(app, client.Value.Key.ApiKey, simulator, events, batchSize, submitters, ct);
            AnsiConsole.MarkupLineInterpolated($"HTTP intake (API key, batches of {batchSize}): [bold]{http.EventsPerSecond:F0}[/] events/s, request p50 {http.P50Ms:F1} ms, p99 {http.P99Ms:F1} ms");

            using var publisher = await ConnectPublisherAsync(mqttOptions, publisherUser, publisherPassword, ct);
            await MqttAsync(store, publisher, mqttOptions, simulator, Math.Min(events, 1000), submitters, "warm-up", ct);
            var overMqtt = await MqttAsync(store, publisher, mqttOptions, simulator, events, submitters, "MQTT intake", ct);
            AnsiConsole.MarkupLineInterpolated($"MQTT intake (QoS 1, {submitters} publishers): [bold]{overMqtt.EventsPerSecond:F0}[/] events/s, publish to commit p50 {overMqtt.P50Ms:F1} ms, p99 {overMqtt.P99Ms:F1} ms");

            var (fanOut, invalid) = await FanOutAsync(app, store, client.Value.Key.ApiKey, simulator, subscriptions, events, ct);
            AnsiConsole.MarkupLineInterpolated($"webhook fan-out ({subscriptions} subscriptions): [bold]{fanOut.EventsPerSecond:F0}[/] deliveries/s, attempt p50 {fanOut.P50Ms:F1} ms, p99 {fanOut.P99Ms:F1} ms, {invalid} bad signatures");
            await app.StopAsync(ct);

            var result = new GatewayResult(
                store.Engine.ToString(),
                $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
                broker is null ? mqttOptions.ToString() : $"mosquitto on 127.0.0.1:{mqttOptions.Port.ToString(CultureInfo.InvariantCulture)} (started by the bench)",
                subscriptions,
                raw,
                http,
                overMqtt,
                fanOut,
                invalid,
                Math.Round(http.EventsPerSecond / raw.EventsPerSecond, 3),
                Math.Round(overMqtt.EventsPerSecond / raw.EventsPerSecond, 3),
                Math.Round(fanOut.EventsPerSecond / raw.EventsPerSecond, 3));
            Print(result);
            return result;
        }
        finally
        {
            if (broker is not null)
                await broker.DisposeAsync();
            await cleanup();
        }
    }

    private static void Print(GatewayResult r)
    {
        var table = new Table().Title($"takt bench gateway — {r.Engine}").AddColumns("path", "count", "seconds", "per second", "p50 ms", "p99 ms", "CPU µs each", "ratio to ceiling");
        table.AddRow(["raw ceiling (1 row/tx)", .. Row(r.RawCeiling, 1.0)]);
        table.AddRow(["HTTP intake (API key, batch)", .. Row(r.Http, r.HttpToCeiling)]);
        table.AddRow(["MQTT intake (publish → commit)", .. Row(r.Mqtt, r.MqttToCeiling)]);
        table.AddRow([$"webhook fan-out ({r.Subscriptions} subs)", .. Row(r.WebhookFanOut, r.WebhooksToCeiling)]);
        AnsiConsole.Write(table);

        static string[] Row(BenchCommand.Measurement m, double ratio) =>
        [
            m.Events.ToString("N0", CultureInfo.InvariantCulture), m.Seconds.ToString("F2", CultureInfo.InvariantCulture), m.EventsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
            m.P50Ms.ToString("F1", CultureInfo.InvariantCulture), m.P99Ms.ToString("F1", CultureInfo.InvariantCulture), m.CpuUsPerEvent.ToString("F0", CultureInfo.InvariantCulture),
            ratio.ToString("F3", CultureInfo.InvariantCulture),
        ];
    }

    private static async Task<IMqttClient> ConnectPublisherAsync(MqttOptions broker, string user, string password, CancellationToken ct)
    {
        var publisher = new MqttClientFactory().CreateMqttClient();
        var result = await publisher.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithCredentials(user, password)
            .WithClientId("takt-bench-publisher-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build(), ct);
        return result.ResultCode == MqttClientConnectResultCode.Success
            ? publisher
            : throw new InvalidOperationException($"The broker refused the bench publisher: {result.ResultCode} {result.ReasonString}");
    }

    /// <summary>
    /// Confirmations published at QoS 1 on <c>takt/{plant}/bench/operation-confirmed/bench</c> by several publishers
    /// on one connection, each event's CloudEvents <c>time</c> set at its publish: publish-to-commit latency is then
    /// the production-to-posting latency Takt records (event time to its commit). Events per second run from the
    /// first publish to the last commit.
    /// </summary>
    private static async Task<BenchCommand.Measurement> MqttAsync(TaktStore store, IMqttClient publisher, MqttOptions broker, ShopFloorSimulator simulator, int count, int publishers, string label, CancellationToken ct)
    {
        var source = "/bench/mqtt/" + Guid.NewGuid().ToString("N")[..8];
        var messages = simulator.Confirmations(count).Select(e =>
        {
            e["source"] = source;
            return (Plant: e["data"]!["plant"]!.GetValue<string>(), Event: e);
        }).ToArray();
        var next = -1;
        var first = DateTimeOffset.MaxValue;
        var watch = Stopwatch.StartNew();
        var cpu = BenchCommand.ProcessCpu();
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var published = progress.AddTask($"{label}: publish", maxValue: count);
            first = TimeProvider.System.GetUtcNow();
            await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var (plant, e) = messages[i];
                    e["time"] = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
                    var message = new MqttApplicationMessageBuilder()
                        .WithTopic($"{broker.TopicPrefix}/{plant}/bench/operation-confirmed/{BenchClient}")
                        .WithPayload(e.ToJsonString())
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build();
                    var result = await publisher.PublishAsync(message, ct);
                    if (!result.IsSuccess)
                        throw new InvalidOperationException($"The broker refused a publish: {result.ReasonCode} {result.ReasonString}");
                    published.Increment(1);
                }
            }, ct)));

            var committed = progress.AddTask($"{label}: commit", maxValue: count);
            await WaitAsync(async () =>
            {
                var done = await CountAsync(store, "SELECT COUNT(*) FROM integration_inbox WHERE source = @source", new { source }, ct);
                committed.Value = done;
                return done >= count;
            }, TimeSpan.FromMinutes(10), $"{count} MQTT events to commit", ct);
        });
        watch.Stop();
        var used = BenchCommand.ProcessCpu() - cpu;

        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<(long Occurred, long Committed)>(new CommandDefinition(
            "SELECT e.occurred_at_us, c.committed_at_us FROM intel_event e JOIN store_commit c ON c.id = e.commit_id WHERE e.source = @source",
            new { source }, cancellationToken: ct))).ToList();
        var latencies = rows.Select(r => (r.Committed - r.Occurred) / 1000.0).ToArray();
        var last = rows.Count == 0 ? 0 : rows.Max(r => r.Committed);
        var elapsed = rows.Count == 0 ? watch.Elapsed : TimeSpan.FromMicroseconds(last - first.ToUnixMicroseconds());
        return BenchCommand.Measure(count, elapsed, used, latencies, rows.Count, count - rows.Count);
    }

    /// <summary>
    /// Webhook fan-out: <paramref name="subscriptions"/> subscriptions (every published type) to a local Kestrel
    /// receiver that verifies each signature with its subscription's secret. Once each has received a first
    /// delivery (the worker has them, connections are warm), their positions are moved back so that each owes the
    /// last <paramref name="messages"/> published messages; deliveries per second run until all have arrived.
    /// </summary>
    private static async Task<(BenchCommand.Measurement Measurement, int InvalidSignatures)> FanOutAsync(
        WebApplication app, TaktStore store, string apiKey, ShopFloorSimulator simulator, int subscriptions, int messages, CancellationToken ct)
    {
        await using var receiver = await SignatureCheckingReceiver.StartAsync(ct);
        var ids = new List<string>();
        for (var i = 0; i < subscriptions; i++)
        {
            var created = await WebhookSubscriptions.CreateAsync(store, TimeProvider.System, new WebhookRequest(new Uri(receiver.Url, $"/hook/{i}"), [], null, Description: "takt bench gateway"), BenchClient, ct);
            receiver.Secrets[i] = created.Secret;
            ids.Add(created.Webhook.Id);
        }

        await BenchCommand.HttpAsync(app, apiKey, simulator, 1, 1, 1, ct);
        await WaitAsync(() => Task.FromResult(receiver.Subscriptions.Count == subscriptions), TimeSpan.FromSeconds(60), "a first delivery to every subscription", ct);

        await using var connection = await store.OpenConnectionAsync(ct);
        var available = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM store_outbox_message", cancellationToken: ct));
        var owed = (int)Math.Min(messages, available);
        var from = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT seq FROM store_outbox_message ORDER BY seq DESC LIMIT 1 OFFSET {(owed - 1).ToString(CultureInfo.InvariantCulture)}", cancellationToken: ct)) - 1;
        var head = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT MAX(seq) FROM store_outbox_message", cancellationToken: ct));
        var expected = subscriptions * owed;
        await WaitAsync(async () => (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT position FROM store_outbox_cursor WHERE subscriber LIKE 'webhook:%'", cancellationToken: ct))).Count(p => p == head) >= subscriptions,
            TimeSpan.FromSeconds(60), "every subscription to reach the log's head", ct);
        var startedAt = TimeProvider.System.GetUtcNow();
        receiver.Reset();
        var watch = Stopwatch.StartNew();
        var cpu = BenchCommand.ProcessCpu();
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE store_outbox_cursor SET position = @from WHERE subscriber IN ({string.Join(", ", ids.Select((_, i) => "@s" + i.ToString(CultureInfo.InvariantCulture)))}) AND position = @head",
            Parameters(ids, from, head), cancellationToken: ct));
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var delivered = progress.AddTask("webhook fan-out", maxValue: expected);
            await WaitAsync(() =>
            {
                delivered.Value = receiver.Valid;
                return Task.FromResult(receiver.Valid >= expected);
            }, TimeSpan.FromMinutes(20), $"{expected} webhook deliveries", ct);
        });
        watch.Stop();
        var used = BenchCommand.ProcessCpu() - cpu;
        var durations = (await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT duration_ms FROM integration_webhook_attempt WHERE at_us >= @startedAt", new { startedAt = startedAt.ToUnixMicroseconds() }, cancellationToken: ct)))
            .Select(d => (double)d).ToArray();
        return (BenchCommand.Measure(expected, watch.Elapsed, used, durations, receiver.Valid, 0), receiver.Invalid);

        static DynamicParameters Parameters(List<string> ids, long from, long head)
        {
            var parameters = new DynamicParameters(new { from, head });
            for (var i = 0; i < ids.Count; i++)
                parameters.Add("s" + i.ToString(CultureInfo.InvariantCulture), WebhookSubscriptions.SubscriberOf(ids[i]));
            return parameters;
        }
    }

    private static async Task<long> CountAsync(TaktStore store, string sql, object args, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, args, cancellationToken: ct));
    }

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan limit, string what, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (!await done())
        {
            if (waited.Elapsed > limit)
                throw new TimeoutException($"Waited {limit.TotalSeconds:F0} s for {what}.");
            await Task.Delay(20, ct);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A local webhook receiver: verifies the Standard Webhooks signature of each delivery with its subscription's secret.</summary>
    private sealed class SignatureCheckingReceiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private int valid;
        private int invalid;

        private SignatureCheckingReceiver(WebApplication app) => this.app = app;

        public ConcurrentDictionary<int, string> Secrets { get; } = new();

        /// <summary>Subscriptions that received at least one valid delivery.</summary>
        public ConcurrentDictionary<int, bool> Subscriptions { get; } = new();

        public Uri Url { get; private set; } = null!;

        public int Valid => Volatile.Read(ref valid);

        public int Invalid => Volatile.Read(ref invalid);

        public static async Task<SignatureCheckingReceiver> StartAsync(CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var web = builder.Build();
            var receiver = new SignatureCheckingReceiver(web);
            web.MapPost("/hook/{n:int}", async (int n, HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
                var id = request.Headers[WebhookSigner.IdHeader].ToString();
                var ok = long.TryParse(request.Headers[WebhookSigner.TimestampHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
                    && receiver.Secrets.TryGetValue(n, out var secret)
                    && WebhookSigner.Verify(secret, id, timestamp, body, request.Headers[WebhookSigner.SignatureHeader].ToString());
                if (!ok)
                {
                    Interlocked.Increment(ref receiver.invalid);
                    return Results.StatusCode(StatusCodes.Status401Unauthorized);
                }

                Interlocked.Increment(ref receiver.valid);
                receiver.Subscriptions.TryAdd(n, true);
                return Results.NoContent();
            });
            await web.StartAsync(ct);
            receiver.Url = new Uri(web.Urls.First());
            return receiver;
        }

        public void Reset()
        {
            Interlocked.Exchange(ref valid, 0);
            Interlocked.Exchange(ref invalid, 0);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A local mosquitto for the bench: its own folder, the registry's password file and ACL, SIGTERM at the end.</summary>
    private sealed class Mosquitto : IAsyncDisposable
    {
        private readonly Process process;
        private readonly DirectoryInfo folder;

        private Mosquitto(Process process, DirectoryInfo folder)
        {
            this.process = process;
            this.folder = folder;
        }

        public static async Task<Mosquitto> StartAsync(string executable, int port, MqttBrokerFiles files, CancellationToken ct)
        {
            if (!File.Exists(executable))
                throw new InvalidOperationException($"{executable} is missing: apt-get install mosquitto, pass --mosquitto PATH, or name a broker with --mqtt.");
            var work = Directory.CreateTempSubdirectory("takt-bench-mosquitto-");
            Directory.CreateDirectory(Path.Combine(work.FullName, "data"));
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "passwd"), files.PasswordFile, ct);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "acl"), files.AclFile, ct);
            var config = Path.Combine(work.FullName, "mosquitto.conf");
            // As a production broker for Takt would run: logins and the generated ACL, persistence, no queue limit
            // for the intake's session; user root only so that a root shell's broker can write its own folder.
            await File.WriteAllTextAsync(config, $"""
                listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1
                allow_anonymous false
                password_file {work.FullName}/passwd
                acl_file {work.FullName}/acl
                persistence true
                persistence_location {work.FullName}/data/
                max_queued_messages 0
                max_inflight_messages 1000
                {(Environment.UserName == "root" ? "user root" : "")}
                log_dest none
                """, ct);
            // Its own output (a warning when run as root) is read and dropped: the bench's output is the measurement.
            var broker = Process.Start(new ProcessStartInfo(executable, ["-c", config]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })
                ?? throw new InvalidOperationException("mosquitto did not start.");
            broker.ErrorDataReceived += (_, _) => { };
            broker.OutputDataReceived += (_, _) => { };
            broker.BeginErrorReadLine();
            broker.BeginOutputReadLine();
            var waited = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port, ct);
                    return new Mosquitto(broker, work);
                }
                catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(30) && !broker.HasExited)
                {
                    await Task.Delay(50, ct);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
            folder.Delete(recursive: true);
        }
    }
}
