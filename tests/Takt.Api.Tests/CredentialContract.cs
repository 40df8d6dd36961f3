using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>
/// API keys (hashed at rest, expiring, rotated with a grace period, revoked) and OAuth2 client credentials with
/// signed JWTs (signature, issuer, audience, expiry checked), on a controlled clock.
/// </summary>
public abstract class CredentialContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FakeClockHost
{
    private const string Orders = "/api/v1/production-orders?plant=PA01&limit=1";

    private TaktHost Host => fixture.Host;

    private async Task<(int Status, string? Rule)> ReadOrdersAsync(string apiKey) =>
        await Problems.OutcomeAsync(await Calls.GetAsync(Host.HttpWith(apiKey), Orders));

    private async Task<(int Status, string? Rule)> ReadOrdersWithTokenAsync(string token)
    {
        var http = Host.HttpWith(null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Problems.OutcomeAsync(await Calls.GetAsync(http, Orders));
    }

    [Fact]
    public async Task only_the_hash_of_a_key_is_stored()
    {
        var key = await Host.RegisterClientAsync("cred-hash", [Scopes.ProductionRead], ["PA01"]);

        var stored = await Tables.QueryAsync<string>(Host.Store, "SELECT secret_sha256 FROM integration_client_key WHERE key_id = @keyId", new { keyId = key.KeyId });

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key.ApiKey))), Assert.Single(stored));
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_client_key WHERE secret_sha256 = @apiKey", new { apiKey = key.ApiKey }));
        Assert.Equal((200, null), await ReadOrdersAsync(key.ApiKey));
        Assert.Equal((401, "api-key.invalid"), await ReadOrdersAsync(key.ApiKey[..^1] + (key.ApiKey[^1] == 'A' ? 'B' : 'A')));
    }

    [Fact]
    public async Task an_expiring_key_works_until_it_expires()
    {
        var key = await Host.RegisterClientAsync("cred-expiring", [Scopes.ProductionRead], ["PA01"], keyExpiresInDays: 1);
        Assert.Equal((200, null), await ReadOrdersAsync(key.ApiKey));

        fixture.Clock.Advance(TimeSpan.FromDays(1));

        using var response = await Calls.GetAsync(Host.HttpWith(key.ApiKey), Orders);
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized, "/headers/X-Api-Key", "api-key.expired");
    }

    [Fact]
    public async Task a_rotated_key_keeps_working_for_the_grace_period_and_the_new_one_at_once()
    {
        var old = await Host.RegisterClientAsync("cred-rotated", [Scopes.ProductionRead], ["PA01"]);

        using var rotated = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/cred-rotated/rotate", new { graceMinutes = 60 }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var fresh = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("apiKey").GetString()!;

        Assert.Equal((200, null), await ReadOrdersAsync(old.ApiKey));
        Assert.Equal((200, null), await ReadOrdersAsync(fresh));
        fixture.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal((401, "api-key.expired"), await ReadOrdersAsync(old.ApiKey));
        Assert.Equal((200, null), await ReadOrdersAsync(fresh));
    }

    [Fact]
    public async Task a_rotation_without_grace_stops_the_old_key_at_once()
    {
        var old = await Host.RegisterClientAsync("cred-rotated-now", [Scopes.ProductionRead], ["PA01"]);

        using var rotated = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/cred-rotated-now/rotate", null, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal((401, "api-key.expired"), await ReadOrdersAsync(old.ApiKey));
    }

    [Fact]
    public async Task a_revoked_key_stops_and_the_clients_other_key_goes_on()
    {
        var first = await Host.RegisterClientAsync("cred-revoked-key", [Scopes.ProductionRead], ["PA01"]);
        using var rotated = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/cred-revoked-key/rotate", new { graceMinutes = 600 }, Guid.NewGuid().ToString());
        var second = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("apiKey").GetString()!;

        using var revoked = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/cred-revoked-key/revoke", new { keyId = first.KeyId }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal((401, "api-key.revoked"), await ReadOrdersAsync(first.ApiKey));
        Assert.Equal((200, null), await ReadOrdersAsync(second));
    }

    [Fact]
    public async Task a_revoked_client_is_refused_with_every_key_and_token()
    {
        var key = await Host.RegisterClientAsync("cred-revoked", [Scopes.ProductionRead], ["PA01"]);
        var token = await TokenAsync("cred-revoked", key.ApiKey);
        Assert.Equal((200, null), await ReadOrdersWithTokenAsync(token));

        using var revoked = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/cred-revoked/revoke", null, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal((401, "client.revoked"), await ReadOrdersAsync(key.ApiKey));
        Assert.Equal((401, "client.revoked"), await ReadOrdersWithTokenAsync(token));
        using var rotate = await Calls.PostJsonAsync(Host.Http, "/api/v1/clients/cred-revoked/rotate", null, Guid.NewGuid().ToString());
        await Problems.AssertAsync(rotate, HttpStatusCode.Conflict, "", "client.revoked");
    }

    [Fact]
    public async Task a_token_from_client_credentials_carries_the_scopes_asked_for()
    {
        var key = await Host.RegisterClientAsync("cred-oauth", [Scopes.ProductionRead, Scopes.InventoryRead], ["PA01"]);

        var token = await TokenAsync("cred-oauth", key.ApiKey, Scopes.ProductionRead);

        Assert.Equal((200, null), await ReadOrdersWithTokenAsync(token));
        var http = Host.HttpWith(null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal((403, "client.scope-missing"), await Problems.OutcomeAsync(await Calls.GetAsync(http, "/api/v1/stock?plant=PA01")));
        var claims = new JsonWebToken(token);
        Assert.Equal(("takt", "takt-api", "cred-oauth", "RS256"), (claims.Issuer, claims.Audiences.Single(), claims.Subject, claims.Alg));
    }

    [Fact]
    public async Task the_token_endpoint_refuses_wrong_secrets_grants_and_scopes()
    {
        var key = await Host.RegisterClientAsync("cred-oauth-bad", [Scopes.ProductionRead], ["PA01"]);
        var other = await Host.RegisterClientAsync("cred-oauth-other", [Scopes.ProductionRead], ["PA01"]);

        await AssertTokenRefusedAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "cred-oauth-bad", ["client_secret"] = other.ApiKey }, 401, "invalid_client", "oauth.client-invalid");
        await AssertTokenRefusedAsync(new() { ["grant_type"] = "password", ["client_id"] = "cred-oauth-bad", ["client_secret"] = key.ApiKey }, 400, "unsupported_grant_type", "oauth.grant-type-unsupported");
        await AssertTokenRefusedAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "cred-oauth-bad", ["client_secret"] = key.ApiKey, ["scope"] = Scopes.LedgerRead }, 400, "invalid_scope", "oauth.scope-invalid");
    }

    [Fact]
    public async Task a_token_expires_after_its_lifetime()
    {
        var key = await Host.RegisterClientAsync("cred-token-expiry", [Scopes.ProductionRead], ["PA01"]);
        var token = await TokenAsync("cred-token-expiry", key.ApiKey);
        Assert.Equal((200, null), await ReadOrdersWithTokenAsync(token));

        fixture.Clock.Advance(Host.Settings.Access.TokenLifetime + Host.Settings.Access.TokenClockSkew + TimeSpan.FromSeconds(1));

        Assert.Equal((401, "token.expired"), await ReadOrdersWithTokenAsync(token));
    }

    [Fact]
    public async Task a_token_for_another_audience_or_issuer_or_signed_with_another_key_is_refused()
    {
        await Host.RegisterClientAsync("cred-forged", [Scopes.ProductionRead], ["PA01"]);
        var serverKey = await ServerKeyAsync();
        using var strangerRsa = RSA.Create(2048);
        var stranger = new RsaSecurityKey(strangerRsa) { KeyId = serverKey.KeyId }; // same kid, other key

        Assert.Equal((200, null), await ReadOrdersWithTokenAsync(Token(serverKey, "takt", "takt-api")));
        Assert.Equal((401, "token.audience-invalid"), await ReadOrdersWithTokenAsync(Token(serverKey, "takt", "another-api")));
        Assert.Equal((401, "token.issuer-invalid"), await ReadOrdersWithTokenAsync(Token(serverKey, "someone-else", "takt-api")));
        Assert.Equal((401, "token.signature-invalid"), await ReadOrdersWithTokenAsync(Token(stranger, "takt", "takt-api")));
        Assert.Equal((401, "token.expired"), await ReadOrdersWithTokenAsync(Token(serverKey, "takt", "takt-api", fixture.Clock.GetUtcNow().AddHours(-2))));
        var unsigned = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor { Issuer = "takt", Audience = "takt-api", Claims = Claims(), TokenType = "at+jwt" });
        Assert.Equal(401, (await ReadOrdersWithTokenAsync(unsigned)).Status);
    }

    /// <summary>A token as an attacker or a misconfigured issuer would make it, for client cred-forged.</summary>
    private string Token(SecurityKey key, string issuer, string audience, DateTimeOffset? issuedAt = null)
    {
        var at = issuedAt ?? fixture.Clock.GetUtcNow();
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = at.UtcDateTime,
            NotBefore = at.UtcDateTime,
            Expires = at.AddMinutes(15).UtcDateTime,
            Claims = Claims(),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static Dictionary<string, object> Claims() => new(StringComparer.Ordinal)
    {
        ["sub"] = "cred-forged",
        ["client_id"] = "cred-forged",
        ["scope"] = Scopes.ProductionRead,
        ["jti"] = Guid.NewGuid().ToString("N"),
    };

    /// <summary>The server's signing key, read from its table (as anyone with database access could).</summary>
    private async Task<RsaSecurityKey> ServerKeyAsync()
    {
        var (kid, pem) = Assert.Single(await Tables.QueryAsync<(string, string)>(Host.Store, "SELECT kid, private_key_pem FROM integration_signing_key"));
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa) { KeyId = kid };
    }

    private async Task<string> TokenAsync(string clientId, string secret, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
            form["scope"] = scope;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/oauth/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        using var response = await Host.Anonymous.SendAsync(request, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal((int)Host.Settings.Access.TokenLifetime.TotalSeconds, body.GetProperty("expires_in").GetInt32());
        return body.GetProperty("access_token").GetString()!;
    }

    private async Task AssertTokenRefusedAsync(Dictionary<string, string> form, int status, string error, string rule)
    {
        using var response = await Host.Anonymous.PostAsync("/api/v1/oauth/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        var field = rule switch { "oauth.grant-type-unsupported" => "/grant_type", "oauth.scope-invalid" => "/scope", _ => "/client_secret" };
        var problem = await Problems.AssertAsync(response, (HttpStatusCode)status, field, rule);
        Assert.Equal(error, problem.GetProperty("error").GetString());
    }
}

public sealed class CredentialsOnSqlite(FakeClockSqliteHost fixture) : CredentialContract<FakeClockSqliteHost>(fixture);

public sealed class CredentialsOnPostgres(FakeClockPostgresHost fixture) : CredentialContract<FakeClockPostgresHost>(fixture);
