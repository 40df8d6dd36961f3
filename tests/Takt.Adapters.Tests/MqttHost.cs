using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Takt.Integration.Mqtt;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// A real mosquitto broker and a real Takt server subscribed to it (its own database, a persistent MQTT session
/// named for this fixture). Takt can be stopped and started again on the same database and session; the broker
/// can be stopped and started again on the same port and persistence.
/// </summary>
public abstract class MqttHost(string engine) : IAsyncLifetime
{
    /// <summary>The MES of both plants: publishes events for PA01 and PB01.</summary>
    public const string Floor = "mes-floor";

    /// <summary>The MES of Plant A only.</summary>
    public const string PlantA = "mes-pa01";

    /// <summary>A BI tool with an MQTT login but without the events scope.</summary>
    public const string Reader = "bi-reader";

    private readonly Dictionary<string, string> passwords = new(StringComparer.Ordinal);
    private readonly string clientId = "takt-test-" + Guid.NewGuid().ToString("N")[..8];
    private TaktHost? host;
    private Mosquitto? broker;
    private TaktDatabase? database;
    private string? skipReason;

    public TaktHost Host => Ready(host);

    public Mosquitto Broker => Ready(broker);

    public async ValueTask InitializeAsync()
    {
        if (engine == "postgres" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TAKT_TEST_POSTGRES"))
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            skipReason = "PostgreSQL tests need TAKT_TEST_POSTGRES (./test.sh starts PostgreSQL and sets it).";
            return;
        }

        if (!File.Exists("/usr/sbin/mosquitto") && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            skipReason = "MQTT tests need /usr/sbin/mosquitto (scripts/ensure-test-deps.sh installs it).";
            return;
        }

        broker = await Mosquitto.StartAsync();
        database = await TaktDatabase.CreateAsync(engine);
        await StartTaktAsync();

        // The devices are registered clients with MQTT logins; the broker's password file and ACL are generated
        // from the registry (as `takt clients mqtt-broker` writes them) and the broker reloads them (SIGHUP).
        foreach (var (id, scopes, plants) in new[]
        {
            (Floor, new[] { Integration.Access.Scopes.EventsProductionWrite }, new[] { "PA01", "PB01" }),
            (PlantA, [Integration.Access.Scopes.EventsProductionWrite], ["PA01"]),
            (Reader, [Integration.Access.Scopes.KpisRead], ["*"]),
        })
        {
            await host!.RegisterClientAsync(id, scopes, plants);
            var issued = await MqttCredentials.IssueAsync(host.Store, TimeProvider.System, id, CancellationToken.None);
            passwords[id] = issued.Value.Password;
        }

        var files = await MqttCredentials.BrokerFilesAsync(host!.Store, Mosquitto.TaktUser, Mosquitto.TaktPassword, "takt", CancellationToken.None);
        await broker.WriteAccessAsync(files.Value);
        await WaitAsync(async () =>
        {
            await using var probe = await MqttDevice.TryConnectAsync(this, "reload-probe", Floor);
            return probe is not null;
        }, "the broker reloaded its password file");
    }

    /// <summary>The MQTT password issued to a registered client.</summary>
    public string PasswordOf(string user) => passwords[user];

    /// <summary>Starts Takt on the fixture's database and waits until it is subscribed.</summary>
    public async Task StartTaktAsync()
    {
        host = await TaktHost.StartAsync(database!, settings => settings.Mqtt = new MqttOptions
        {
            Host = "127.0.0.1",
            Port = broker!.Port,
            Username = Mosquitto.TaktUser,
            Password = Mosquitto.TaktPassword,
            ClientId = clientId,
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        });
        await WaitAsync(() => Task.FromResult(Intake.Status.Connected), "Takt connected to the broker");
    }

    /// <summary>Stops Takt (gracefully: it disconnects, keeping its session at the broker).</summary>
    public async Task StopTaktAsync()
    {
        await Host.DisposeAsync();
        host = null;
    }

    public MqttIntake Intake => Host.Service<MqttIntake>();

    /// <summary>Waits for a condition with a generous timeout (never a fixed sleep); fails with the broker's log.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > (timeout ?? TimeSpan.FromMinutes(2)))
                Assert.Fail($"Timed out waiting for: {what}. Broker log:\n{Broker.Log[^Math.Min(Broker.Log.Length, 4000)..]}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
            await host.DisposeAsync();
        if (broker is not null)
            await broker.DisposeAsync();
        if (database is not null)
            await database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private T Ready<T>(T? value)
        where T : class
    {
        if (skipReason is not null)
            Assert.Skip(skipReason);
        return value ?? throw new InvalidOperationException("The MQTT fixture is not running.");
    }
}

public sealed class MqttSqliteHost() : MqttHost("sqlite");

public sealed class MqttPostgresHost() : MqttHost("postgres");

/// <summary>
/// A shop-floor device: publishes at QoS 1 and, like a real one, keeps trying through a broker outage until the
/// broker acknowledged (at least once; Takt's inbox removes the repeats).
/// </summary>
internal sealed class MqttDevice : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions options;

    private MqttDevice(MqttHost fixture, string clientId, string user) =>
        options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", fixture.Broker.Port)
            .WithCredentials(user, fixture.PasswordOf(user))
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();

    public ConcurrentQueue<MqttApplicationMessage> Received { get; } = new();

    /// <summary>Connects as a registered client's MQTT user (by default the MES of both plants).</summary>
    public static async Task<MqttDevice> ConnectAsync(MqttHost fixture, string clientId, string user = MqttHost.Floor) =>
        await TryConnectAsync(fixture, clientId, user) ?? throw new InvalidOperationException($"The broker refused {user}.");

    public static async Task<MqttDevice?> TryConnectAsync(MqttHost fixture, string clientId, string user)
    {
        var device = new MqttDevice(fixture, clientId, user);
        device.client.ApplicationMessageReceivedAsync += e =>
        {
            device.Received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var result = await device.client.ConnectAsync(device.options, TestContext.Current.CancellationToken);
        if (result.ResultCode == MqttClientConnectResultCode.Success)
            return device;
        await device.DisposeAsync();
        return null;
    }

    public async Task SubscribeAsync(string filter)
    {
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        Assert.All(result.Items, i => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, i.ResultCode));
    }

    public Task PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos);

    public async Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(qos).Build();
        var trying = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (!client.IsConnected)
                    await client.ConnectAsync(options, TestContext.Current.CancellationToken);
                var result = await client.PublishAsync(message, TestContext.Current.CancellationToken);
                if (result.IsSuccess)
                    return;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                // The broker is away: try again, as a device buffers and retries.
            }

            Assert.True(trying.Elapsed < TimeSpan.FromMinutes(2), $"Could not publish to {topic} for two minutes.");
            await Task.Delay(100);
        }
    }

    /// <summary>One QoS 1 publish; the broker's answer (an ACL refusal is NotAuthorized).</summary>
    public async Task<MqttClientPublishReasonCode> TryPublishOnceAsync(string topic, string payload)
    {
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        return result.ReasonCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
            await client.TryDisconnectAsync();
        client.Dispose();
    }
}
