using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts.Events;
using Takt.Integration.Webhooks;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// Webhooks against a real local HTTP receiver that fails, hangs past the timeout, goes away and comes back:
/// everything published after the subscription arrives, in the log's order, once each after the receiver's
/// dedupe, signed with the subscription's secret; dead deliveries replay; state survives a server restart.
/// </summary>
// The circuit breaker never opens here: these tests are about retries, backoff and dead letters, and the breaker
// (ChannelControlContract) would hold a failing receiver's deliveries instead.
public abstract class WebhookContract(string engine) : WebhookHostContract(engine, int.MaxValue, TimeSpan.FromSeconds(20))
{
    private static readonly string[] UnknownMessage = ["x"];
    [Fact]
    public async Task a_receiver_that_fails_hangs_and_recovers_gets_every_event_once_in_order_and_signed()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, secret) = await SubscribeAsync(receiver.Url, [EventTypes.JournalEntryPosted, EventTypes.StockMoved], ordered: true);
        receiver.Secrets.Add(secret);
        receiver.Then(WebhookReceiver.Mode.Fail, WebhookReceiver.Mode.Fail, WebhookReceiver.Mode.Hang, WebhookReceiver.Mode.Fail);

        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100001", "RM-3002", 2m, "H87"),
            Events.OperationConfirmed(DemoData.PlantA, "PA01-100001", "0010", "PA01-ASM1", 1m, "H87", machine: (0.5m, "HUR"), labour: (0.5m, "HUR")),
            Events.YieldReported(DemoData.PlantA, "PA01-100001", DemoData.Pump, 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantB, "PB01-100001", "RM-3003", 1m, "H87"));
        var expected = await PublishedAsync([EventTypes.JournalEntryPosted, EventTypes.StockMoved], plant: null);
        Assert.Equal(7, expected.Count); // 4 entries, 3 stock movements

        await WaitAsync(() => receiver.Delivered.Count >= expected.Count, "all deliveries");
        Assert.Equal(expected, receiver.Delivered);
        Assert.All(receiver.All, r => Assert.True(r.SignatureValid, $"Signature of {r.Id} does not verify."));
        // Each failure was retried: the receiver saw the failed ones again.
        Assert.True(receiver.All.Count >= expected.Count + 4, $"{receiver.All.Count} requests for {expected.Count} messages and 4 scripted failures.");
        Assert.Equal(0, await PendingRetriesAsync(id));
        var first = receiver.All.First(r => r.Id == expected[0]).Body;
        Assert.Equal("1.0", first.GetProperty("specversion").GetString());
        Assert.Equal(expected[0], first.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Object, first.GetProperty("data").ValueKind);

        var attempts = await Host.GetAsync<WebhookSubscriptions.Attempt[]>($"/api/v1/webhooks/{id}/attempts");
        Assert.Contains(attempts, a => a.StatusCode == 500);
        Assert.Contains(attempts, a => a.StatusCode is null && a.Error!.Contains("No answer within", StringComparison.Ordinal));
        Assert.Equal(expected.Count, attempts.Where(a => a.StatusCode == 204).Select(a => a.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task a_plant_filter_and_event_types_select_what_is_sent()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await SubscribeAsync(receiver.Url, [EventTypes.StockMoved], ordered: false, plant: DemoData.PlantB);
        receiver.Secrets.Add(secret);
        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100002", "RM-3001", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantB, "PB01-100002", "RM-3001", 1m, "H87"),
            Events.OperationConfirmed(DemoData.PlantB, "PB01-100002", "0010", "PB01-CNC1", 1m, "H87", machine: (0.5m, "HUR")));
        var expected = await PublishedAsync([EventTypes.StockMoved], DemoData.PlantB);
        Assert.Single(expected);
        await WaitAsync(() => receiver.Delivered.Count >= 1, "the Plant B stock movement");
        await Host.DrainOutboxAsync();
        Assert.Equal(expected, receiver.Delivered);
        Assert.All(receiver.All, r => Assert.Equal(EventTypes.StockMoved, r.Type));
    }

    [Fact]
    public async Task dead_deliveries_are_listed_and_replay_by_time_range_once_the_receiver_is_back()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Otherwise = WebhookReceiver.Mode.Fail;
        var (id, secret) = await SubscribeAsync(receiver.Url, [EventTypes.JournalEntryPosted], ordered: false, maxAttempts: 2);
        receiver.Secrets.Add(secret);
        var before = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100003", "RM-3002", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantA, "PA01-100003", "RM-3003", 1m, "H87"));
        var expected = await PublishedAsync([EventTypes.JournalEntryPosted], plant: null);
        Assert.Equal(2, expected.Count);
        await WaitAsync(async () => await DeadAsync(id) == 2, "both deliveries dead");
        Assert.Empty(receiver.Delivered);
        using (var list = await Host.Http.GetAsync($"/api/v1/dead-letters?subscriber=webhook:{id}", TestContext.Current.CancellationToken))
        {
            var dead = await list.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal(expected.Order(StringComparer.Ordinal), dead.EnumerateArray().Select(d => d.GetProperty("messageId").GetString()!).Order(StringComparer.Ordinal));
            Assert.All(dead.EnumerateArray(), d => Assert.Equal(2, d.GetProperty("attempts").GetInt32()));
        }

        receiver.Otherwise = WebhookReceiver.Mode.Accept;
        using var replay = await Host.PostJsonAsync($"/api/v1/webhooks/{id}/replay", new { from = before, to = TimeProvider.System.GetUtcNow().AddMinutes(1) });
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(2, (await TaktHost.JsonAsync(replay)).GetProperty("replayed").GetInt32());
        await WaitAsync(() => receiver.Delivered.Count >= 2, "the replayed deliveries");
        Assert.Equal(expected, receiver.Delivered);
        Assert.Equal(0, await DeadAsync(id));
    }

    [Fact]
    public async Task deliveries_resume_after_a_server_restart_and_the_receiver_coming_back()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Otherwise = WebhookReceiver.Mode.Fail;
        var (_, secret) = await SubscribeAsync(receiver.Url, [EventTypes.JournalEntryPosted], ordered: true);
        receiver.Secrets.Add(secret);
        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100004", "RM-3001", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantA, "PA01-100004", "RM-3005", 2.5m, "KGM"),
            Events.MaterialIssued(DemoData.PlantA, "PA01-100006", "RM-3001", 1m, "H87"));
        await WaitAsync(() => receiver.All.Count >= 2, "failed attempts before the restart");

        await RestartHostAsync(() => receiver.Otherwise = WebhookReceiver.Mode.Accept);

        var expected = await PublishedAsync([EventTypes.JournalEntryPosted], plant: null);
        await WaitAsync(() => receiver.Delivered.Count >= 3, "every delivery after the restart");
        Assert.Equal(expected, receiver.Delivered);
    }

    [Fact]
    public async Task the_cli_lists_subscriptions_and_replays_a_message()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, secret) = await SubscribeAsync(receiver.Url, [EventTypes.StockMoved], ordered: false);
        receiver.Secrets.Add(secret);
        await PostAsync(Events.MaterialIssued(DemoData.PlantA, "PA01-100007", "RM-3002", 1m, "H87"));
        var message = Assert.Single(await PublishedAsync([EventTypes.StockMoved], plant: null));
        await WaitAsync(() => receiver.All.Count >= 1, "the first delivery");

        var ct = TestContext.Current.CancellationToken;
        var list = await TaktProcess.RunAsync(["webhooks", "list", "--db", Host.Database.Connection], Path.GetTempPath(), ct);
        Assert.True(list.ExitCode == 0, list.Output);
        var row = Assert.Single(CliTable.Rows(list.Output), r => r[0] == id);
        Assert.Equal(EventTypes.StockMoved, row[2]);

        var replay = await TaktProcess.RunAsync(["webhooks", "replay", id, "--db", Host.Database.Connection, "--message", message], Path.GetTempPath(), ct);
        Assert.True(replay.ExitCode == 0, replay.Output);
        Assert.Contains("1 deliveries queued again", replay.Output, StringComparison.Ordinal);
        await WaitAsync(() => receiver.All.Count(r => r.Id == message) >= 2, "the replayed delivery");
        Assert.Equal([message], receiver.Delivered);

        var none = await TaktProcess.RunAsync(["webhooks", "replay", id, "--db", Host.Database.Connection], Path.GetTempPath(), ct);
        Assert.Equal(2, none.ExitCode);
    }

    [Fact]
    public async Task a_rotated_secret_signs_beside_the_old_one_for_the_grace_period()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, secret) = await SubscribeAsync(receiver.Url, [EventTypes.JournalEntryPosted], ordered: false);
        using var rotate = await Host.PostJsonAsync($"/api/v1/webhooks/{id}/rotate-secret", new { graceSeconds = 3600 });
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        var rotated = (await TaktHost.JsonAsync(rotate)).GetProperty("secret").GetString()!;
        Assert.NotEqual(secret, rotated);
        receiver.Secrets.AddRange([secret, rotated]);
        await PostAsync(Events.MaterialIssued(DemoData.PlantA, "PA01-100005", "RM-3002", 1m, "H87"));
        await WaitAsync(() => receiver.Delivered.Count >= 1, "the delivery");
        var received = Assert.Single(receiver.All);
        Assert.Equal(2, received.Signatures);
        Assert.True(received.SignatureValid);
    }

    [Fact]
    public async Task a_plant_restricted_client_subscribes_within_its_plants_and_receives_only_their_events_even_after_its_plants_change()
    {
        SkipWithoutPostgres();
        var key = await Host.RegisterClientAsync("wms-pa01", [Takt.Integration.Access.Scopes.WebhooksManage], [DemoData.PlantA]);
        using var wms = Host.HttpWith(key.ApiKey);
        var (others, _) = await SubscribeAsync(new Uri("http://127.0.0.1:9/hook"), [EventTypes.StockMoved], ordered: false);
        var before = await Tables.QueryAsync<string>(Host.Store, "SELECT id || status || secret FROM integration_webhook ORDER BY id");

        // Another plant: 403 naming the field, nothing stored. Another client's subscription: 403, not readable.
        using (var foreign = await PostAsAsync(wms, "/api/v1/webhooks", new { url = "http://127.0.0.1:9/hook", eventTypes = new[] { EventTypes.StockMoved }, plant = DemoData.PlantB }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
            var error = Assert.Single((await TaktHost.JsonAsync(foreign)).GetProperty("errors").EnumerateArray());
            Assert.Equal(("/plant", "client.plant-forbidden"), (error.GetProperty("field").GetString(), error.GetProperty("rule").GetString()));
        }

        using (var notMine = await wms.GetAsync($"/api/v1/webhooks/{others}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, notMine.StatusCode);
            Assert.Equal("webhook.not-owned", (await TaktHost.JsonAsync(notMine)).GetProperty("errors")[0].GetProperty("rule").GetString());
        }

        Assert.Equal(before, await Tables.QueryAsync<string>(Host.Store, "SELECT id || status || secret FROM integration_webhook ORDER BY id"));

        // No plant filter from a restricted client: its plants.
        await using var receiver = await WebhookReceiver.StartAsync();
        using var created = await PostAsAsync(wms, "/api/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { EventTypes.StockMoved } });
        var body = await TaktHost.JsonAsync(created);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());
        var mine = body.GetProperty("webhook").GetProperty("id").GetString()!;
        receiver.Secrets.Add(body.GetProperty("secret").GetString()!);
        var listed = await (await wms.GetAsync("/api/v1/webhooks", TestContext.Current.CancellationToken)).Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal([mine], listed.EnumerateArray().Select(w => w.GetProperty("id").GetString()));

        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100003", "RM-3002", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantB, "PB01-100003", "RM-3002", 1m, "H87"));
        await Host.DrainOutboxAsync();
        var plantA = await PublishedAsync([EventTypes.StockMoved], DemoData.PlantA);
        Assert.Equal(plantA, receiver.Delivered);
        Assert.All(receiver.All, r => Assert.True(r.SignatureValid));

        // The client's plants change (PB01 instead of PA01): from the next delivery on, PA01 is no longer sent, even
        // though the subscription was made for "my plants" when they were PA01.
        await Tables.ExecuteAsync(Host.Store, "UPDATE integration_client SET plants = 'PB01' WHERE id = 'wms-pa01'");
        await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, "PA01-100003", "RM-3002", 1m, "H87"),
            Events.MaterialIssued(DemoData.PlantB, "PB01-100003", "RM-3002", 1m, "H87"));
        await Host.DrainOutboxAsync();
        var plantB = await PublishedAsync([EventTypes.StockMoved], DemoData.PlantB);
        Assert.Equal([.. plantA, plantB[^1]], receiver.Delivered);
        Assert.DoesNotContain(receiver.All, r => r.Body.GetProperty("taktplant").GetString() == DemoData.PlantA && !plantA.Contains(r.Id));

        // The client is revoked: nothing more is sent to its subscriptions, of any plant.
        using (var revoked = await PostAsAsync(Host.Http, "/api/v1/clients/wms-pa01/revoke", new { }))
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        await PostAsync(Events.MaterialIssued(DemoData.PlantB, "PB01-100003", "RM-3002", 2m, "H87"));
        await Host.DrainOutboxAsync();
        var afterRevocation = await PublishedAsync([EventTypes.StockMoved], DemoData.PlantB);
        Assert.True(afterRevocation.Count > plantB.Count, "The event after the revocation was published.");
        Assert.Equal([.. plantA, plantB[^1]], receiver.Delivered);
    }

    private static async Task<HttpResponseMessage> PostAsAsync(HttpClient http, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task a_bad_subscription_is_refused_with_the_field_and_rule_and_nothing_is_stored()
    {
        SkipWithoutPostgres();
        var before = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_webhook");
        foreach (var (body, pointer, rule) in new (object Body, string Pointer, string Rule)[]
                 {
                     (new { url = "ftp://wms.example/hook", eventTypes = new[] { EventTypes.StockMoved } }, "/url", "webhook.url-invalid"),
                     (new { url = "/relative", eventTypes = new[] { EventTypes.StockMoved } }, "/url", "webhook.url-invalid"),
                     (new { url = "http://wms.example/hook", eventTypes = new[] { EventTypes.MaterialIssued } }, "/eventTypes/0", "webhook.event-type-unknown"),
                     (new { url = "http://wms.example/hook", eventTypes = new[] { "takt.nothing.v1" } }, "/eventTypes/0", "webhook.event-type-unknown"),
                     (new { url = "http://wms.example/hook", eventTypes = Array.Empty<string>(), maxAttempts = 0 }, "/maxAttempts", "webhook.max-attempts-range"),
                 })
        {
            using var response = await Host.PostJsonAsync("/api/v1/webhooks", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var error = Assert.Single((await TaktHost.JsonAsync(response)).GetProperty("errors").EnumerateArray());
            Assert.Equal(pointer, error.GetProperty("field").GetString());
            Assert.Equal(rule, error.GetProperty("rule").GetString());
        }

        Assert.Equal(before, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_webhook"));
        using var missing = await Host.PostJsonAsync("/api/v1/webhooks/nope/replay", new { messageIds = UnknownMessage });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<(string Id, string Secret)> SubscribeAsync(Uri url, string[] types, bool ordered, string? plant = null, int? maxAttempts = null)
    {
        using var response = await Host.PostJsonAsync("/api/v1/webhooks", new { url, eventTypes = types, ordered, plant, maxAttempts });
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        // The subscription belongs to the client that created it.
        Assert.StartsWith(TaktHost.SuiteClientId, body.GetProperty("webhook").GetProperty("clientId").GetString(), StringComparison.Ordinal);
        return (body.GetProperty("webhook").GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!);
    }

    private async Task<long> PendingRetriesAsync(string id) =>
        await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'pending'", new { s = WebhookSubscriptions.SubscriberOf(id) });

    private async Task<long> DeadAsync(string id) =>
        await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_retry WHERE subscriber = @s AND status = 'dead'", new { s = WebhookSubscriptions.SubscriberOf(id) });

}

public sealed class WebhookOnSqlite() : WebhookContract("sqlite");

public sealed class WebhookOnPostgres() : WebhookContract("postgres");
