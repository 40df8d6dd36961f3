using System.Text.Json;
using MQTTnet;
using System.Text.Json.Nodes;
using Takt.Integration.Operations;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// Shop-floor events over MQTT against a real mosquitto: good events are posted as over HTTP; bad ones are
/// dead-lettered with the reason and logged; nothing is lost when the broker or Takt restarts mid-stream, and
/// nothing is posted twice. Each test uses its own orders and event sources.
/// </summary>
public abstract class MqttContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : MqttHost
{
    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    [Fact]
    public async Task good_events_on_their_plants_topics_are_posted_like_over_http()
    {
        var host = fixture.Host;
        await using var device = await MqttDevice.ConnectAsync(fixture, "mes-good");
        var issue = Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 2m, "H87", Now.AddMinutes(-5));
        var confirmation = Events.OperationConfirmed("PA01", "PA01-100002", "0010", "PA01-CNC1", 2m, "H87", machine: (30m, "MIN"), time: Now.AddMinutes(-4));
        var yield = Events.YieldReported("PB01", "PB01-100002", "SF-2000", 1m, "H87", Now.AddMinutes(-3));
        yield["source"] = "/mes/pb01/line-3";

        await device.PublishAsync("takt/PA01/line-1/material-issued/mes-floor", issue.ToJsonString());
        await device.PublishAsync("takt/PA01/line-1/operation-confirmed/mes-floor", confirmation.ToJsonString());
        // A device that publishes at QoS 0 is heard too (it just gets no guarantee from the broker).
        await device.PublishAsync("takt/PB01/line-3/yield-reported/mes-floor", yield.ToJsonString(), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce);

        await fixture.WaitAsync(async () => await AcceptedAsync(host, issue, confirmation, yield) == 3, "three events accepted");
        var housings = await host.OrderAsync("PA01-100002");
        Assert.Equal(2m, housings.Components.Single(c => c.Item == "RM-3001").Issued);
        Assert.Equal(new OperationView("0010", "PA01-CNC1", "Rough machining", 2m, 0m, 0.5m, 0m), housings.Operations.Single(o => o.Operation == "0010"));
        Assert.Equal(1m, (await host.OrderAsync("PB01-100002")).Yield);
        foreach (var e in new[] { issue, confirmation, yield })
        {
            var journalEntries = await Tables.CountAsync(host.Store, "SELECT journal_entries FROM intel_event WHERE source = @source AND source_id = @id", Key(e));
            Assert.Equal(1, journalEntries);
        }

        Assert.Equal(0, await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_log WHERE event_source IN ('/mes/pa01/line-1', '/mes/pb01/line-3')"));
    }

    [Fact]
    public async Task bad_messages_are_dead_lettered_with_the_reason_logged_and_change_nothing_else()
    {
        var host = fixture.Host;
        await using var watcher = await MqttDevice.ConnectAsync(fixture, "dead-letter-watcher");
        await watcher.SubscribeAsync("takt/deadletter/+/+/+/mes-floor");
        await using var device = await MqttDevice.ConnectAsync(fixture, "mes-bad");
        JsonObject Issue(string plant, string order, string item) =>
            From("/mes/pa01/line-9", Events.MaterialIssued(plant, order, item, 1m, "H87", Now.AddMinutes(-5)));
        var otherPlant = Issue("PB01", "PB01-100003", "RM-3002");
        var wrongTopic = Issue("PA01", "PA01-100006", "RM-3001");
        var unknownOrder = Issue("PA01", "PA01-999999", "RM-3001");
        var noItem = Issue("PA01", "PA01-100006", "RM-3001");
        noItem["data"]!.AsObject().Remove("item");
        var good = Issue("PA01", "PA01-100006", "RM-3001");
        var bad = new (string Topic, string Payload, string Rule)[]
        {
            ("takt/PA01/line-9/material-issued/mes-floor", "{not json", "json.malformed"),
            ("takt/PA01/line-9/material-issued/mes-floor", otherPlant.ToJsonString(), "mqtt.plant-mismatch"),
            ("takt/PA01/line-9/yield-reported/mes-floor", wrongTopic.ToJsonString(), "mqtt.event-mismatch"),
            ("takt/PA01/line-9/material-issued/mes-floor", unknownOrder.ToJsonString(), "order.unknown"),
            ("takt/PA01/line-9/material-issued/mes-floor", noItem.ToJsonString(), "schema.required"),
        };

        foreach (var (topic, payload, _) in bad)
            await device.PublishAsync(topic, payload);
        await device.PublishAsync("takt/PA01/line-9/material-issued/mes-floor", good.ToJsonString());

        await fixture.WaitAsync(() => Task.FromResult(watcher.Received.Count >= bad.Length), $"{bad.Length} dead letters");
        await fixture.WaitAsync(async () => await AcceptedAsync(host, good) == 1, "the good event after the bad ones");
        var letters = watcher.Received.ToList();
        Assert.Equal(bad.Length, letters.Count);
        foreach (var (topic, payload, rule) in bad)
        {
            var letter = letters.Select(l => (l.Topic, Body: JsonNode.Parse(l.ConvertPayloadToString())!))
                .Single(l => l.Body["problem"]!["errors"]![0]!["rule"]!.GetValue<string>() == rule);
            Assert.Equal(topic.Replace("takt/", "takt/deadletter/", StringComparison.Ordinal), letter.Topic);
            Assert.Equal(topic, letter.Body["topic"]!.GetValue<string>());
            var original = letter.Body["payload"]!;
            Assert.True(original.GetValueKind() == JsonValueKind.String ? original.GetValue<string>() == payload : JsonNode.DeepEquals(original, JsonNode.Parse(payload)),
                $"The dead letter carries the original payload: {letter.Body}");
        }

        var log = await Tables.QueryAsync<(string Channel, string Plant, string Topic, string Rule, string Problem)>(host.Store,
            "SELECT channel, plant, topic, rule, problem FROM integration_log WHERE topic LIKE 'takt/PA01/line-9/%' ORDER BY rule");
        Assert.Equal(bad.Select(b => ("mqtt", "PA01", b.Topic, b.Rule)).OrderBy(b => b.Rule, StringComparer.Ordinal), log.Select(l => (l.Channel, l.Plant, l.Topic, l.Rule)));
        Assert.All(log, l => Assert.Contains(l.Rule, l.Problem, StringComparison.Ordinal));
        var listed = await host.GetAsync<JsonElement[]>("/api/v1/integration-log?channel=mqtt");
        Assert.Equal(bad.Length, listed.Count(e => e.GetProperty("topic").GetString()!.StartsWith("takt/PA01/line-9/", StringComparison.Ordinal)));

        // Of the six messages, only the good one reached the inbox.
        Assert.Equal(1, await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_inbox WHERE source = '/mes/pa01/line-9'"));
        Assert.Equal(1m, (await host.OrderAsync("PA01-100006")).Components.Single(c => c.Item == "RM-3001").Issued);
    }

    [Fact]
    public async Task a_client_restricted_to_plant_a_publishing_for_plant_b_is_dead_lettered_with_the_reason_and_changes_nothing()
    {
        var host = fixture.Host;
        await using var watcher = await MqttDevice.ConnectAsync(fixture, "pa01-dead-letters", MqttHost.PlantA);
        await watcher.SubscribeAsync($"takt/deadletter/+/+/+/{MqttHost.PlantA}");
        await using var device = await MqttDevice.ConnectAsync(fixture, "mes-pa01-line-5", MqttHost.PlantA);
        var before = (await host.OrderAsync("PB01-100004")).Components.Single(c => c.Item == "RM-3001").Issued;
        var foreign = From("/mes/pa01/line-5", Events.MaterialIssued("PB01", "PB01-100004", "RM-3001", 3m, "H87", Now.AddMinutes(-5)));
        var own = From("/mes/pa01/line-5", Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 1m, "H87", Now.AddMinutes(-4)));

        await device.PublishAsync($"takt/PB01/line-5/material-issued/{MqttHost.PlantA}", foreign.ToJsonString());
        await device.PublishAsync($"takt/PA01/line-5/material-issued/{MqttHost.PlantA}", own.ToJsonString());

        await fixture.WaitAsync(() => Task.FromResult(!watcher.Received.IsEmpty), "the dead letter");
        await fixture.WaitAsync(async () => await AcceptedAsync(host, own) == 1, "the event for its own plant");
        var letter = Assert.Single(watcher.Received);
        Assert.Equal($"takt/deadletter/PB01/line-5/material-issued/{MqttHost.PlantA}", letter.Topic);
        var error = JsonNode.Parse(letter.ConvertPayloadToString())!["problem"]!["errors"]![0]!;
        Assert.Equal(("/data/plant", "client.plant-forbidden"), (error["field"]!.GetValue<string>(), error["rule"]!.GetValue<string>()));
        var log = await Tables.QueryAsync<(string Client, string Plant, string Rule)>(host.Store,
            "SELECT client, plant, rule FROM integration_log WHERE event_source = '/mes/pa01/line-5'");
        Assert.Equal([(MqttHost.PlantA, "PB01", "client.plant-forbidden")], log);
        Assert.Equal(0, await AcceptedAsync(host, foreign));
        Assert.Equal(before, (await host.OrderAsync("PB01-100004")).Components.Single(c => c.Item == "RM-3001").Issued);

        // Both are the client's, in the audit log and its integration health.
        await host.Service<Integration.Access.AuditLog>().FlushAsync(TestContext.Current.CancellationToken);
        var audit = await host.GetAsync<JsonElement[]>($"/api/v1/audit?clientId={MqttHost.PlantA}&limit=1000");
        Assert.Contains(audit, a => a.GetProperty("method").GetString() == "MQTT" && a.GetProperty("eventsAccepted").GetInt32() >= 1);
        Assert.Contains(audit, a => a.TryGetProperty("reason", out var reason) && reason.GetString()?.StartsWith("client.plant-forbidden", StringComparison.Ordinal) == true);
        var health = (await host.GetAsync<JsonElement>("/api/v1/integration/health")).GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == MqttHost.PlantA);
        Assert.True(health.GetProperty("eventsAccepted").GetInt32() >= 1, health.ToString());
        Assert.Equal(1, health.GetProperty("eventsRejected").GetInt32());
        Assert.Equal(1, health.GetProperty("rejectedByRule").GetProperty("client.plant-forbidden").GetInt32());
    }

    [Fact]
    public async Task a_client_without_the_events_scope_is_dead_lettered_and_changes_nothing()
    {
        var host = fixture.Host;
        await using var reader = await MqttDevice.ConnectAsync(fixture, "bi-reader-device", MqttHost.Reader);
        await reader.SubscribeAsync($"takt/deadletter/+/+/+/{MqttHost.Reader}");
        var issue = From("/bi/reader", Events.MaterialIssued("PA01", "PA01-100008", "RM-3001", 2m, "H87", Now.AddMinutes(-5)));

        await reader.PublishAsync($"takt/PA01/line-4/material-issued/{MqttHost.Reader}", issue.ToJsonString());

        await fixture.WaitAsync(() => Task.FromResult(!reader.Received.IsEmpty), "the dead letter");
        var error = JsonNode.Parse(Assert.Single(reader.Received).ConvertPayloadToString())!["problem"]!["errors"]![0]!;
        Assert.Equal("client.scope-missing", error["rule"]!.GetValue<string>());
        Assert.Contains(Integration.Access.Scopes.EventsProductionWrite, error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal([(MqttHost.Reader, "client.scope-missing")], await Tables.QueryAsync<(string Client, string Rule)>(host.Store,
            "SELECT client, rule FROM integration_log WHERE event_source = '/bi/reader'"));
        Assert.Equal(0, await AcceptedAsync(host, issue));
        Assert.Equal(0m, (await host.OrderAsync("PA01-100008")).Components.Single(c => c.Item == "RM-3001").Issued);
    }

    [Fact]
    public async Task the_broker_refuses_a_client_that_publishes_under_another_clients_name()
    {
        var host = fixture.Host;
        await using var device = await MqttDevice.ConnectAsync(fixture, "impostor", MqttHost.PlantA);
        // mes-floor may post for PB01; mes-pa01 may not, and cannot pretend to be mes-floor.
        var forged = From("/impostor", Events.MaterialIssued("PB01", "PB01-100008", "RM-3001", 5m, "H87", Now.AddMinutes(-5)));
        var marker = From("/impostor", Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 1m, "H87", Now.AddMinutes(-4)));

        var refused = await device.TryPublishOnceAsync($"takt/PB01/line-2/material-issued/{MqttHost.Floor}", forged.ToJsonString());
        await device.PublishAsync($"takt/PA01/line-2/material-issued/{MqttHost.PlantA}", marker.ToJsonString());

        await fixture.WaitAsync(async () => await AcceptedAsync(host, marker) == 1, "the marker after the forged message");
        Assert.NotEqual(MQTTnet.MqttClientPublishReasonCode.Success, refused);
        Assert.Equal(0, await AcceptedAsync(host, forged));
        Assert.Equal(0, await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_log WHERE event_source = '/impostor'"));
        Assert.Equal(0m, (await host.OrderAsync("PB01-100008")).Components.Single(c => c.Item == "RM-3001").Issued);
    }

    [Fact]
    public async Task a_paused_intake_leaves_messages_with_the_broker_and_takes_each_once_after_the_resume()
    {
        var host = fixture.Host;
        var control = host.Service<ChannelControl>();
        var ct = TestContext.Current.CancellationToken;
        const string order = "PA01-100003";
        var issuedBefore = (await host.OrderAsync(order)).Components.Single(c => c.Item == "RM-3002").Issued;
        var held = Enumerable.Range(0, 3)
            .Select(i => From("/mes/pa01/line-5", Events.MaterialIssued("PA01", order, "RM-3002", 1m, "H87", Now.AddMinutes(-5), id: $"held-{i}")))
            .ToArray();
        try
        {
            await control.ApplyAsync(Channels.Mqtt, ChannelAction.Pause, "broker maintenance", "test", ct);
            await fixture.WaitAsync(() => Task.FromResult(!fixture.Intake.Status.Connected), "the intake to leave the broker");
            await using var device = await MqttDevice.ConnectAsync(fixture, "mes-paused");
            foreach (var e in held)
                await device.PublishAsync("takt/PA01/line-5/material-issued/mes-floor", e.ToJsonString());
            // The broker acknowledged them (QoS 1); Takt is away and takes nothing.
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            Assert.Equal(0, await AcceptedAsync(host, held));
            Assert.False(fixture.Intake.Status.Connected);

            await control.ApplyAsync(Channels.Mqtt, ChannelAction.Resume, null, "test", ct);
            await fixture.WaitAsync(async () => await AcceptedAsync(host, held) == held.Length, "the held messages after the resume");
            Assert.Equal(issuedBefore + held.Length, (await host.OrderAsync(order)).Components.Single(c => c.Item == "RM-3002").Issued);
        }
        finally
        {
            await control.ApplyAsync(Channels.Mqtt, ChannelAction.Resume, null, "test", CancellationToken.None);
        }
    }

    [Fact]
    public async Task a_drained_intake_takes_what_the_broker_had_then_pauses_until_resumed()
    {
        var host = fixture.Host;
        var control = host.Service<ChannelControl>();
        var ct = TestContext.Current.CancellationToken;
        const string order = "PA01-100005";
        var issuedBefore = (await host.OrderAsync(order)).Components.Single(c => c.Item == "RM-3002").Issued;
        var early = From("/mes/pa01/line-6", Events.MaterialIssued("PA01", order, "RM-3002", 1m, "H87", Now.AddMinutes(-5), id: "drain-early"));
        var late = From("/mes/pa01/line-6", Events.MaterialIssued("PA01", order, "RM-3002", 2m, "H87", Now.AddMinutes(-4), id: "drain-late"));
        try
        {
            await using var device = await MqttDevice.ConnectAsync(fixture, "mes-drained");
            await device.PublishAsync("takt/PA01/line-6/material-issued/mes-floor", early.ToJsonString());
            await control.ApplyAsync(Channels.Mqtt, ChannelAction.Drain, "switch to the standby broker", "test", ct);
            await fixture.WaitAsync(() => Task.FromResult(control.Get(Channels.Mqtt).IsPaused && !fixture.Intake.Status.Connected), "the drain to end in a pause");
            Assert.Equal(1, await AcceptedAsync(host, early));
            Assert.StartsWith("drained (switch to the standby broker)", control.Get(Channels.Mqtt).Reason, StringComparison.Ordinal);

            await device.PublishAsync("takt/PA01/line-6/material-issued/mes-floor", late.ToJsonString());
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            Assert.Equal(0, await AcceptedAsync(host, late));

            await control.ApplyAsync(Channels.Mqtt, ChannelAction.Resume, null, "test", ct);
            await fixture.WaitAsync(async () => await AcceptedAsync(host, late) == 1, "the later message after the resume");
            Assert.Equal(issuedBefore + 3m, (await host.OrderAsync(order)).Components.Single(c => c.Item == "RM-3002").Issued);
        }
        finally
        {
            await control.ApplyAsync(Channels.Mqtt, ChannelAction.Resume, null, "test", CancellationToken.None);
        }
    }

    [Fact]
    public async Task a_broker_restart_mid_stream_loses_nothing_and_posts_each_event_once()
    {
        // 200 issues of one drive shaft to Brno's pump orders. While the first 100 are published the test holds
        // the database's write lock, so Takt has received some of them and cannot commit any: the broker is
        // stopped (SIGTERM) holding all 100 undecided, and Takt's connection dies under its in-flight batch.
        // The other 100 are published through the outage (the device retries) and after the broker is back.
        const int count = 200;
        var host = fixture.Host;
        const string source = "/mes/pb01/line-7";
        string[] orders = ["PB01-100001", "PB01-100003", "PB01-100005"];
        var stream = Enumerable.Range(0, count)
            .Select(i => From(source, Events.MaterialIssued("PB01", orders[i % orders.Length], "RM-3002", 1m, "H87", Now.AddMinutes(-5), id: $"shaft-{i:D4}")).ToJsonString())
            .ToList();
        var issuedBefore = await IssuedAsync(host, orders);
        var connections = fixture.Intake.Status.Connections;
        await using var device = await MqttDevice.ConnectAsync(fixture, "mes-restart");

        var hold = await WriteLock.TakeAsync(host.Store);
        try
        {
            for (var i = 0; i < count / 2; i++)
                await device.PublishAsync("takt/PB01/line-7/material-issued/mes-floor", stream[i]);
            await fixture.Broker.StopAsync();
            var rest = Task.Run(async () =>
            {
                for (var i = count / 2; i < count; i++)
                    await device.PublishAsync("takt/PB01/line-7/material-issued/mes-floor", stream[i]);
            }, TestContext.Current.CancellationToken);
            await fixture.Broker.StartAgainAsync();
            await hold.DisposeAsync();
            await rest;
        }
        finally
        {
            await hold.DisposeAsync();
        }

        await fixture.WaitAsync(async () => await InboxAsync(host, source) >= count, $"{count} events accepted");
        await fixture.WaitAsync(() => Task.FromResult(fixture.Intake.Status is { Connected: true } status && status.Connections > connections), "Takt reconnected after the broker restart");
        Assert.Equal(count, await InboxAsync(host, source));
        Assert.Equal(count, await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM intel_event WHERE source = @source", new { source }));
        Assert.Equal(issuedBefore + count, await IssuedAsync(host, orders));
        Assert.Equal(0, await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_log WHERE event_source = @source", new { source }));
    }

    [Fact]
    public async Task events_published_while_takt_is_down_wait_in_its_session_and_are_posted_when_it_is_back()
    {
        const int count = 30;
        const string source = "/mes/pb01/line-8";
        await fixture.StopTaktAsync();
        await using (var device = await MqttDevice.ConnectAsync(fixture, "mes-offline"))
        {
            for (var i = 0; i < count; i++)
            {
                var e = From(source, Events.MaterialIssued("PB01", "PB01-100007", "RM-3003", 1m, "H87", Now.AddMinutes(-5), id: $"seal-{i:D3}"));
                await device.PublishAsync("takt/PB01/line-8/material-issued/mes-floor", e.ToJsonString());
            }
        }

        await fixture.StartTaktAsync();

        await fixture.WaitAsync(async () => await InboxAsync(fixture.Host, source) >= count, $"{count} events queued while Takt was down");
        Assert.Equal(count, await InboxAsync(fixture.Host, source));
        Assert.Equal(count, (await fixture.Host.OrderAsync("PB01-100007")).Components.Single(c => c.Item == "RM-3003").Issued);
    }

    [Fact]
    public async Task a_takt_stop_with_events_received_but_not_committed_loses_none_of_them()
    {
        // The test holds the database's write lock, so Takt receives events it cannot commit; it is stopped
        // then. Whatever it had not committed it had not acknowledged either: the broker delivers it again.
        const int count = 40;
        const string source = "/mes/pb01/line-6";
        var before = (await fixture.Host.OrderAsync("PB01-100009")).Components.Single(c => c.Item == "RM-3002").Issued;
        await using var device = await MqttDevice.ConnectAsync(fixture, "mes-in-flight");
        var (received, acknowledged) = (fixture.Intake.Status.Received, fixture.Intake.Status.Accepted);
        var hold = await WriteLock.TakeAsync(fixture.Host.Store);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var e = From(source, Events.MaterialIssued("PB01", "PB01-100009", "RM-3002", 1m, "H87", Now.AddMinutes(-5), id: $"in-flight-{i:D3}"));
                await device.PublishAsync("takt/PB01/line-6/material-issued/mes-floor", e.ToJsonString());
            }

            await fixture.WaitAsync(() => Task.FromResult(fixture.Intake.Status.Received > received), "Takt received events it cannot commit yet");
            // Received, but not acknowledged: nothing could commit.
            Assert.Equal(acknowledged, fixture.Intake.Status.Accepted);
            await fixture.StopTaktAsync();
            await hold.DisposeAsync();
        }
        finally
        {
            await hold.DisposeAsync();
        }

        await fixture.StartTaktAsync();

        await fixture.WaitAsync(async () => await InboxAsync(fixture.Host, source) >= count, $"{count} events");
        Assert.Equal(count, await InboxAsync(fixture.Host, source));
        Assert.Equal(before + count, (await fixture.Host.OrderAsync("PB01-100009")).Components.Single(c => c.Item == "RM-3002").Issued);
    }

    [Fact]
    public async Task the_intake_reports_its_connection()
    {
        var status = await fixture.Host.GetAsync<JsonElement>("/api/v1/integration/mqtt");
        Assert.True(status.GetProperty("enabled").GetBoolean());
        Assert.True(status.GetProperty("connected").GetBoolean());
        Assert.Contains($"127.0.0.1:{fixture.Broker.Port}", status.GetProperty("broker").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Another writer holding the database's write lock, as a long transaction or a slow disk would (SQLite: the
    /// store's write gate and BEGIN IMMEDIATE; PostgreSQL: the inbox table locked): Takt's commits wait for it.
    /// </summary>
    private sealed class WriteLock : IAsyncDisposable
    {
        private Takt.Store.StoreSession? session;
        private Takt.Store.StoreTransaction? transaction;

        public static async Task<WriteLock> TakeAsync(Takt.Store.TaktStore store)
        {
            var hold = new WriteLock { session = await store.OpenSessionAsync(TimeProvider.System, TestContext.Current.CancellationToken) };
            hold.transaction = await hold.session.BeginAsync(TestContext.Current.CancellationToken);
            if (store.Engine == Takt.Store.StoreEngine.Postgres)
                await hold.transaction.ExecuteAsync("LOCK TABLE integration_inbox IN ACCESS EXCLUSIVE MODE", TestContext.Current.CancellationToken);
            return hold;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref transaction, null) is { } held)
                await held.DisposeAsync();
            if (Interlocked.Exchange(ref session, null) is { } open)
                await open.DisposeAsync();
        }
    }

    private static JsonObject From(string source, JsonObject cloudEvent)
    {
        cloudEvent["source"] = source;
        return cloudEvent;
    }

    private static object Key(JsonObject e) => new { source = e["source"]!.GetValue<string>(), id = e["id"]!.GetValue<string>() };

    private static async Task<long> AcceptedAsync(TaktHost host, params JsonObject[] events)
    {
        var accepted = 0L;
        foreach (var e in events)
            accepted += await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_inbox WHERE source = @source AND event_id = @id", Key(e));
        return accepted;
    }

    private static Task<long> InboxAsync(TaktHost host, string source) =>
        Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_inbox WHERE source = @source", new { source });

    private static async Task<decimal> IssuedAsync(TaktHost host, string[] orders)
    {
        var issued = 0m;
        foreach (var order in orders)
            issued += (await host.OrderAsync(order)).Components.Single(c => c.Item == "RM-3002").Issued;
        return issued;
    }
}

public sealed class MqttOnSqlite(MqttSqliteHost fixture) : MqttContract<MqttSqliteHost>(fixture);

public sealed class MqttOnPostgres(MqttPostgresHost fixture) : MqttContract<MqttPostgresHost>(fixture);
