using System.Net;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>
/// Idempotency-Key on state-changing POSTs (here: registering clients), per client, with a controlled clock for
/// expiry: same key and body → the stored response; another body → 422; no key → 400; expired → a new request.
/// </summary>
public abstract class IdempotencyKeyContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FakeClockHost
{
    private TaktHost Host => fixture.Host;

    private Task<HttpResponseMessage> RegisterAsync(string id, string? key, HttpClient? http = null) =>
        Calls.PostJsonAsync(http ?? Host.Http, "/api/v1/clients", Calls.NewClient(id, [Scopes.InventoryRead], ["PA01"]), key);

    private Task<long> ClientsAsync(string id) => Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_client WHERE id = @id", new { id });

    [Fact]
    public async Task the_same_key_and_body_get_the_stored_response_and_change_nothing_more()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await RegisterAsync("idem-same", key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstBody = JsonDocument.Parse(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var before = await Host.SettledSnapshotAsync();

        using var repeat = await RegisterAsync("idem-same", key);

        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal(["true"], repeat.Headers.GetValues("Idempotent-Replayed"));
        var repeatBody = JsonDocument.Parse(await repeat.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(firstBody.GetProperty("client").ToString(), repeatBody.GetProperty("client").ToString());
        Assert.Equal(firstBody.GetProperty("key").GetProperty("keyId").GetString(), repeatBody.GetProperty("key").GetProperty("keyId").GetString());
        // The key is shown once: the stored response (and so the replay) does not hold it.
        Assert.StartsWith("takt_", firstBody.GetProperty("key").GetProperty("apiKey").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("takt_", repeatBody.GetProperty("key").GetProperty("apiKey").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_idempotency WHERE body LIKE '%takt\\_%' ESCAPE '\\'"));
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
        Assert.Equal(1, await ClientsAsync("idem-same"));
    }

    [Fact]
    public async Task the_same_key_with_another_body_is_refused_and_changes_nothing()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await RegisterAsync("idem-first", key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var before = await Host.SettledSnapshotAsync();

        using var other = await RegisterAsync("idem-other", key);

        var problem = await Problems.AssertAsync(other, HttpStatusCode.UnprocessableEntity, "/headers/Idempotency-Key", "idempotency-key.reused");
        Assert.Contains("another body", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
        Assert.Equal(0, await ClientsAsync("idem-other"));
    }

    [Fact]
    public async Task a_post_without_a_key_is_refused_naming_the_header_and_changes_nothing()
    {
        var before = await Host.SettledSnapshotAsync();

        using var response = await RegisterAsync("idem-missing", null);

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "/headers/Idempotency-Key", "idempotency-key.required");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task an_expired_key_starts_a_new_request()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await RegisterAsync("idem-expiring", key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        fixture.Clock.Advance(Host.Settings.Access.IdempotencyKeyLifetime - TimeSpan.FromMinutes(1));
        using var stillKept = await RegisterAsync("idem-after-expiry", key);
        await Problems.AssertAsync(stillKept, HttpStatusCode.UnprocessableEntity, "/headers/Idempotency-Key", "idempotency-key.reused");

        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        using var afterExpiry = await RegisterAsync("idem-after-expiry", key);

        Assert.Equal(HttpStatusCode.Created, afterExpiry.StatusCode);
        Assert.False(afterExpiry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await ClientsAsync("idem-after-expiry"));
    }

    [Fact]
    public async Task a_refused_request_does_not_keep_its_key_so_the_corrected_request_may_use_it()
    {
        var key = Guid.NewGuid().ToString();
        using var invalid = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients", Calls.NewClient("idem-fixed", ["no-such-scope"], ["PA01"]), key);
        await Problems.AssertAsync(invalid, HttpStatusCode.BadRequest, "/scopes/0", "client.scope-unknown");
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_idempotency WHERE idempotency_key = @key", new { key }));

        using var corrected = await RegisterAsync("idem-fixed", key);

        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
    }

    [Fact]
    public async Task keys_belong_to_one_client()
    {
        var other = Host.HttpWith((await Host.RegisterClientAsync("idem-admin-2", [Scopes.ClientsManage], ["*"])).ApiKey);
        var key = Guid.NewGuid().ToString();
        using var first = await RegisterAsync("idem-by-suite", key);
        using var second = await RegisterAsync("idem-by-other", key, other);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, second.StatusCode));
        Assert.False(second.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task a_webhook_secret_is_shown_once_and_its_replay_holds_no_secret()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { url = "http://127.0.0.1:9/idem-hook", eventTypes = new[] { Takt.Contracts.Events.EventTypes.StockMoved } };
        using var first = await Calls.PostJsonAsync(Host.Http, "/api/v1/webhooks", body, key);
        using var repeat = await Calls.PostJsonAsync(Host.Http, "/api/v1/webhooks", body, key);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, repeat.StatusCode));
        Assert.True(repeat.Headers.Contains("Idempotent-Replayed"));
        var created = JsonDocument.Parse(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var replayed = JsonDocument.Parse(await repeat.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(created.GetProperty("webhook").GetProperty("id").GetString(), replayed.GetProperty("webhook").GetProperty("id").GetString());
        Assert.StartsWith("(shown once and not kept", replayed.GetProperty("secret").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_idempotency WHERE body LIKE '%whsec%'"));
    }

    [Fact]
    public async Task an_mqtt_login_is_shown_once_and_its_replay_holds_no_password()
    {
        await Host.RegisterClientAsync("idem-mqtt", [Scopes.EventsProductionWrite], ["PA01"]);
        var key = Guid.NewGuid().ToString();
        using var first = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/idem-mqtt/mqtt-credentials", null, key);
        using var repeat = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/idem-mqtt/mqtt-credentials", null, key);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, repeat.StatusCode));
        var issued = JsonDocument.Parse(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var replayed = JsonDocument.Parse(await repeat.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("idem-mqtt", issued.GetProperty("username").GetString());
        var password = issued.GetProperty("password").GetString()!;
        Assert.StartsWith("taktmqtt_", password, StringComparison.Ordinal);
        Assert.StartsWith("(shown once and not kept", replayed.GetProperty("password").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_idempotency WHERE body LIKE @password", new { password = $"%{password}%" }));
        // The registry keeps mosquitto's PBKDF2-SHA512 hash of it, and the client shows when it got its login.
        var hash = (await Tables.QueryAsync<string>(Host.Store, "SELECT mqtt_password_hash FROM integration_client WHERE id = 'idem-mqtt'")).Single().Split('$');
        Assert.Equal(hash[4], Convert.ToBase64String(System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(
            System.Text.Encoding.UTF8.GetBytes(password), Convert.FromBase64String(hash[3]), int.Parse(hash[2], System.Globalization.CultureInfo.InvariantCulture), System.Security.Cryptography.HashAlgorithmName.SHA512, 64)));
        Assert.NotEqual(JsonValueKind.Null, (await Host.GetAsync<JsonElement>("/api/v1/clients/idem-mqtt")).GetProperty("mqttCredentialIssuedAt").ValueKind);

        await Problems.AssertAsync(await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/idem-nobody/mqtt-credentials", null, Guid.NewGuid().ToString()), HttpStatusCode.NotFound, "/clientId", "client.unknown");
    }

    [Fact]
    public async Task replaying_dead_letters_needs_a_key_and_a_repeat_gets_the_first_answer()
    {
        await Problems.AssertAsync(await Calls.PostJsonAsync(Host.Http, "/api/v1/dead-letters/replay", new { }, null), HttpStatusCode.BadRequest, "/headers/Idempotency-Key", "idempotency-key.required");
        var key = Guid.NewGuid().ToString();
        using var first = await Calls.PostJsonAsync(Host.Http, "/api/v1/dead-letters/replay", new { }, key);
        using var repeat = await Calls.PostJsonAsync(Host.Http, "/api/v1/dead-letters/replay", new { }, key);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, repeat.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await repeat.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["true"], repeat.Headers.GetValues("Idempotent-Replayed"));
    }
}

public sealed class IdempotencyKeyOnSqlite(FakeClockSqliteHost fixture) : IdempotencyKeyContract<FakeClockSqliteHost>(fixture);

public sealed class IdempotencyKeyOnPostgres(FakeClockPostgresHost fixture) : IdempotencyKeyContract<FakeClockPostgresHost>(fixture);
