using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts.Events;
using Takt.Integration.Webhooks;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// Queue management for a controlled restart (docs/operations.md): ops pauses, drains and resumes the inbound
/// channels (gateway, adapters, MQTT) and each webhook subscription, through the API or the CLI. A paused intake
/// answers 503 with Retry-After and writes nothing; a paused subscription holds its deliveries and sends each once
/// after the resume; a drain delivers what waited at its moment and then pauses; a pause survives a restart; every
/// change is in the history with who and why.
/// </summary>
// A circuit opens after 3 attempts mostly failing and stays open 5 s (the circuit breaker test).
public abstract class ChannelControlContract(string engine) : WebhookHostContract(engine, 3, TimeSpan.FromSeconds(5))
{
    private const string Reason = "MES upgrade at Plant A, change 4711";

    [Fact]
    public async Task a_paused_gateway_answers_503_with_retry_after_and_writes_nothing_until_resumed()
    {
        SkipWithoutPostgres();
        var paused = await ActAsync("gateway", "pause", Reason);
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        Assert.StartsWith(TaktHost.SuiteClientId, paused.GetProperty("actor").GetString(), StringComparison.Ordinal);

        var before = await Host.SettledSnapshotAsync();
        var issue = Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m, "H87");
        using (var refused = await Host.PostStructuredAsync(issue))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("30", refused.Headers.GetValues("Retry-After").Single());
            var problem = await TaktHost.JsonAsync(refused);
            Assert.Equal("channel.paused", problem.GetProperty("errors")[0].GetProperty("rule").GetString());
            Assert.Contains(Reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        (await Host.SettledSnapshotAsync()).AssertUnchanged(before);

        // Readiness names the held channel (degraded answers 200: the node still serves what runs).
        using (var ready = await Host.Anonymous.GetAsync("/health/ready", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var check = (await TaktHost.JsonAsync(ready)).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "channels");
            Assert.Equal("Degraded", check.GetProperty("status").GetString());
            Assert.Contains($"gateway (paused: {Reason})", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        await ActAsync("gateway", "resume", null);
        using var accepted = await Host.PostStructuredAsync(issue);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task a_paused_adapters_channel_refuses_documents_while_the_gateway_still_takes_events()
    {
        SkipWithoutPostgres();
        await ActAsync("adapters", "pause", Reason);
        var time = TimeProvider.System.GetUtcNow().AddMinutes(-10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var csv = "event,time,plant,order,item,operation,work_center,quantity,unit,scrap_quantity,machine_time,labour_time,time_unit\n" +
            $"material-issued,{time},PA01,PA01-100001,RM-3002,,,1,H87,,,,\n";
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var refused = await Host.Http.PostAsync("/api/v1/adapters/csv/v1/shop-floor-events", content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("channel.paused", (await TaktHost.JsonAsync(refused)).GetProperty("errors")[0].GetProperty("rule").GetString());

        using var accepted = await Host.PostStructuredAsync(Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m, "H87"));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task pause_and_drain_need_a_reason_and_a_known_channel_and_a_refusal_changes_nothing()
    {
        SkipWithoutPostgres();
        using (var noReason = await Host.PostJsonAsync("/api/v1/ops/channels/gateway/pause", new { reason = " " }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
            var error = (await TaktHost.JsonAsync(noReason)).GetProperty("errors")[0];
            Assert.Equal("/reason", error.GetProperty("field").GetString());
            Assert.Equal("channel.reason-required", error.GetProperty("rule").GetString());
        }

        foreach (var unknown in new[] { "ftp", "webhook:wh_missing" })
        {
            using var missing = await Host.PostJsonAsync($"/api/v1/ops/channels/{unknown}/drain", new { reason = Reason });
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            var error = (await TaktHost.JsonAsync(missing)).GetProperty("errors")[0];
            Assert.Equal("/channel", error.GetProperty("field").GetString());
            Assert.Equal("channel.unknown", error.GetProperty("rule").GetString());
        }

        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_channel_history", null));
        var channels = await Host.GetAsync<JsonElement>("/api/v1/ops/channels");
        Assert.All(channels.EnumerateArray(), c => Assert.Equal("running", c.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task a_paused_subscription_holds_its_deliveries_shows_its_queue_and_sends_each_once_after_resume()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, secret) = await SubscribeAsync(receiver.Url);
        receiver.Secrets.Add(secret);
        await ActAsync($"webhook:{id}", "pause", Reason);

        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 2m, "H87"),
            Events.MaterialIssued(DemoData.PlantB, "PB01-100001", "RM-3003", 1m, "H87"));
        var expected = await PublishedAsync();
        Assert.Equal(3, expected.Count);
        // The other subscribers have read the whole outbox; the webhook worker polls every 100 ms and skips the paused one.
        await Host.DrainOutboxAsync(except: WebhookSubscriptions.SubscriberOf(id));
        await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        Assert.Empty(receiver.All);

        var status = (await Host.GetAsync<JsonElement>("/api/v1/ops/channels")).EnumerateArray().Single(c => c.GetProperty("channel").GetString() == $"webhook:{id}");
        Assert.Equal("paused", status.GetProperty("state").GetString());
        Assert.Equal("outbound", status.GetProperty("direction").GetString());
        Assert.True(status.GetProperty("depth").GetInt64() >= expected.Count, status.ToString());
        Assert.True(status.GetProperty("oldestAgeSeconds").GetDouble() >= 0, status.ToString());

        await ActAsync($"webhook:{id}", "resume", null);
        await WaitAsync(() => receiver.Delivered.Count >= expected.Count, "the held deliveries");
        await Host.DrainOutboxAsync();
        Assert.Equal(expected, receiver.Delivered);
        Assert.Equal(expected.Count, receiver.All.Count);
    }

    [Fact]
    public async Task a_drain_delivers_what_waited_at_its_moment_then_pauses_and_holds_what_came_later()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, secret) = await SubscribeAsync(receiver.Url);
        receiver.Secrets.Add(secret);
        var channel = $"webhook:{id}";
        await ActAsync(channel, "pause", Reason);
        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantA, "PA01-100002", "RM-3001", 1m, "H87"));
        var before = await PublishedAsync();

        var draining = await ActAsync(channel, "drain", "Receiver moves to the new data centre");
        Assert.Equal("draining", draining.GetProperty("state").GetString());
        await WaitAsync(async () => await StateAsync(channel) == "paused", "the drain to end in a pause");
        Assert.Equal(before, receiver.Delivered);

        await PostAsync(Events.MaterialIssued(DemoData.PlantB, "PB01-100001", "RM-3003", 1m, "H87"));
        await Host.DrainOutboxAsync(except: WebhookSubscriptions.SubscriberOf(id));
        await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        Assert.Equal(before, receiver.Delivered);

        await ActAsync(channel, "resume", null);
        var all = await PublishedAsync();
        await WaitAsync(() => receiver.Delivered.Count >= all.Count, "the later delivery after the resume");
        Assert.Equal(all, receiver.Delivered);

        var history = await Host.GetAsync<JsonElement>($"/api/v1/ops/channels/history?channel={Uri.EscapeDataString(channel)}");
        Assert.Equal(["running", "paused", "draining", "paused"], history.EnumerateArray().Select(h => h.GetProperty("state").GetString()).ToArray());
        Assert.Equal("takt", history[1].GetProperty("actor").GetString());
        Assert.StartsWith("drained (Receiver moves", history[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_pause_holds_across_a_restart_and_the_history_says_who_and_why()
    {
        SkipWithoutPostgres();
        await ActAsync("gateway", "pause", Reason);
        await RestartHostAsync();

        using var refused = await Host.PostStructuredAsync(Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m, "H87"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var history = await Host.GetAsync<JsonElement>("/api/v1/ops/channels/history");
        var change = Assert.Single(history.EnumerateArray());
        Assert.Equal("gateway", change.GetProperty("channel").GetString());
        Assert.Equal(Reason, change.GetProperty("reason").GetString());
        Assert.StartsWith(TaktHost.SuiteClientId, change.GetProperty("actor").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_cli_pauses_and_resumes_the_gateway_and_the_running_server_follows()
    {
        SkipWithoutPostgres();
        var ct = TestContext.Current.CancellationToken;
        var issue = Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m, "H87");

        var refused = await TaktProcess.RunAsync(["ops", "pause", "gateway", "--db", Host.Database.Connection], Path.GetTempPath(), ct);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("channel.reason-required", refused.Output, StringComparison.Ordinal);

        var pause = await TaktProcess.RunAsync(["ops", "pause", "gateway", "--reason", Reason, "--db", Host.Database.Connection], Path.GetTempPath(), ct);
        Assert.True(pause.ExitCode == 0, pause.Output);
        await WaitAsync(async () =>
        {
            using var response = await Host.PostStructuredAsync(issue);
            return response.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, "the server to see the pause");

        var list = await TaktProcess.RunAsync(["ops", "channels", "--db", Host.Database.Connection], Path.GetTempPath(), ct);
        Assert.True(list.ExitCode == 0, list.Output);
        var row = Assert.Single(CliTable.Rows(list.Output), r => r[0] == "gateway");
        Assert.Equal("paused", row[2]);

        var resume = await TaktProcess.RunAsync(["ops", "resume", "gateway", "--db", Host.Database.Connection], Path.GetTempPath(), ct);
        Assert.True(resume.ExitCode == 0, resume.Output);
        await WaitAsync(async () =>
        {
            using var response = await Host.PostStructuredAsync(issue);
            return response.StatusCode == HttpStatusCode.OK;
        }, "the server to see the resume");
    }

    [Fact]
    public async Task a_failing_receiver_opens_its_circuit_so_waiting_messages_keep_their_attempts_and_all_arrive_once_after()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Otherwise = WebhookReceiver.Mode.Fail;
        using var response = await Host.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { EventTypes.StockMoved }, ordered = false, maxAttempts = 50 });
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("webhook").GetProperty("id").GetString()!;
        receiver.Secrets.Add(body.GetProperty("secret").GetString()!);
        var channel = $"webhook:{id}";

        await PostAsync([.. Enumerable.Range(0, 12).Select(i => Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 1m + i, "H87"))]);
        var expected = await PublishedAsync();
        await WaitAsync(async () => (await StatusAsync(channel)).TryGetProperty("circuit", out var circuit) && circuit.GetString() == "open", "the circuit to open");
        // Open: no attempt reaches the receiver for the break duration (5 s), so messages keep their attempts.
        var attempts = receiver.All.Count;
        Assert.True(attempts < expected.Count * 2, $"{attempts} attempts for {expected.Count} messages before the circuit opened.");
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Equal(attempts, receiver.All.Count);
        using (var ready = await Host.Anonymous.GetAsync("/health/ready", TestContext.Current.CancellationToken))
        {
            var check = (await TaktHost.JsonAsync(ready)).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "webhook-targets");
            Assert.Equal("Degraded", check.GetProperty("status").GetString());
            Assert.Contains(channel, check.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        // The receiver recovers: after the break one trial delivery closes the circuit and everything arrives once.
        receiver.Otherwise = WebhookReceiver.Mode.Accept;
        await WaitAsync(() => receiver.Delivered.Count >= expected.Count, "every delivery after the circuit closed");
        Assert.Equal(expected.Order(StringComparer.Ordinal), receiver.Delivered.Order(StringComparer.Ordinal));
        Assert.Equal("closed", (await StatusAsync(channel)).GetProperty("circuit").GetString());
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'dead'", new { s = WebhookSubscriptions.SubscriberOf(id) }));
    }

    private async Task<JsonElement> StatusAsync(string channel) =>
        (await Host.GetAsync<JsonElement>("/api/v1/ops/channels")).EnumerateArray().Single(c => c.GetProperty("channel").GetString() == channel);

    private async Task<JsonElement> ActAsync(string channel, string action, string? reason)
    {
        using var response = await Host.PostJsonAsync($"/api/v1/ops/channels/{channel}/{action}", new { reason });
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private async Task<string?> StateAsync(string channel) =>
        (await Host.GetAsync<JsonElement>("/api/v1/ops/channels")).EnumerateArray()
            .Single(c => c.GetProperty("channel").GetString() == channel).GetProperty("state").GetString();

    private async Task<(string Id, string Secret)> SubscribeAsync(Uri url)
    {
        using var response = await Host.PostJsonAsync("/api/v1/webhooks", new { url, eventTypes = new[] { EventTypes.StockMoved }, ordered = true });
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("webhook").GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!);
    }

    private Task<IReadOnlyList<string>> PublishedAsync() => PublishedAsync([EventTypes.StockMoved], plant: null);

}

public sealed class ChannelControlOnSqlite() : ChannelControlContract("sqlite");

public sealed class ChannelControlOnPostgres() : ChannelControlContract("postgres");
