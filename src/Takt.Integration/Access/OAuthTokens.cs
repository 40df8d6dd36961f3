using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary>
/// The RSA keys that sign access tokens (RS256). The first node to start on a database creates one and stores it
/// there, so every node signs and validates with the same keys and tokens survive restarts.
/// </summary>
public sealed class SigningKeys(TaktStore store, AccessClock clock) : IHostedService
{
    private const string FirstKeyId = "takt-rs256-1";
    private volatile RsaSecurityKey[] keys = [];

    /// <summary>Keys accepted on incoming tokens.</summary>
    public IReadOnlyList<SecurityKey> ValidationKeys => keys;

    public SigningCredentials Current => keys.Length > 0
        ? new SigningCredentials(keys[0], SecurityAlgorithms.RsaSha256)
        : throw new InvalidOperationException("The signing keys are not loaded yet (the server has not started).");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM integration_signing_key", cancellationToken: cancellationToken)) == 0)
        {
            using var rsa = RSA.Create(2048);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO integration_signing_key (kid, algorithm, private_key_pem, created_at_us) VALUES (@kid, 'RS256', @pem, @now) ON CONFLICT (kid) DO NOTHING",
                new { kid = FirstKeyId, pem = rsa.ExportPkcs8PrivateKeyPem(), now = clock.Now.ToUnixMicroseconds() },
                cancellationToken: cancellationToken));
        }

        var rows = await connection.QueryAsync<(string Kid, string Pem)>(new CommandDefinition(
            "SELECT kid, private_key_pem FROM integration_signing_key ORDER BY created_at_us DESC, kid", cancellationToken: cancellationToken));
        keys = [.. rows.Select(r =>
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(r.Pem);
            return new RsaSecurityKey(rsa) { KeyId = r.Kid };
        })];
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// <c>POST /api/v1/oauth/token</c>: OAuth2 client credentials (RFC 6749 §4.4). The client authenticates with its id
/// and one of its API keys as the secret (HTTP Basic or form fields) and gets a signed JWT (RFC 9068 claims)
/// for the scopes it asks for, at most its own.
/// </summary>
internal static class OAuthTokens
{
    public sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("scope")] string Scope);

    /// <summary>The form of a token request (documents the endpoint; the handler reads the form itself).</summary>
    public sealed record TokenRequest(
        [property: JsonPropertyName("grant_type")] string GrantType,
        [property: JsonPropertyName("client_id")] string? ClientId,
        [property: JsonPropertyName("client_secret")] string? ClientSecret,
        [property: JsonPropertyName("scope")] string? Scope);

    /// <summary>An RFC 9457 problem that is also an RFC 6749 §5.2 error response (<c>error</c>, <c>error_description</c>).</summary>
    public sealed record OAuthProblem(
        string Type,
        string Title,
        int Status,
        string? Detail,
        IReadOnlyList<Violation> Errors,
        [property: JsonPropertyName("error")] string Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/oauth/token", IssueAsync)
            .WithName("IssueAccessToken")
            .WithSummary("OAuth2 client credentials: an access token (JWT, RS256) for the client's scopes.")
            .Accepts<TokenRequest>("application/x-www-form-urlencoded")
            .Produces<TokenResponse>(200)
            .Produces<OAuthProblem>(400, Problem.ContentType)
            .Produces<OAuthProblem>(401, Problem.ContentType)
            .DisableAntiforgery();
        api.MapGet("/oauth/jwks", (SigningKeys keys) => Results.Json(new
        {
            keys = keys.ValidationKeys.OfType<RsaSecurityKey>().Select(k =>
            {
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(k.Rsa.ExportParameters(false)) { KeyId = k.KeyId });
                return new { kty = jwk.Kty, use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E };
            }),
        }))
            .WithName("JsonWebKeys")
            .WithSummary("The public keys that verify Takt's access tokens (JWKS).");
    }

    private static async Task<IResult> IssueAsync(HttpContext http, TaktStore store, AccessClock clock, AccessOptions options, SigningKeys keys, CancellationToken ct)
    {
        var decision = AccessDecision.Of(http);
        decision.CredentialHeader = "Authorization";
        if (!http.Request.HasFormContentType)
            return Refuse(decision, 400, "invalid_request", new Violation("", "oauth.form-required", "Send the token request as application/x-www-form-urlencoded (RFC 6749 §4.4.2)."));
        var form = await http.Request.ReadFormAsync(ct);
        if (form["grant_type"].ToString() is var grant && grant != "client_credentials")
        {
            return Refuse(decision, 400, grant.Length == 0 ? "invalid_request" : "unsupported_grant_type",
                new Violation("/grant_type", "oauth.grant-type-unsupported", "Takt issues tokens for grant_type=client_credentials only."));
        }

        var (clientId, secret) = Credentials(http.Request, form);
        if (clientId is null || secret is null)
            return Refuse(decision, 401, "invalid_client", new Violation("/client_id", "oauth.client-invalid", "Authenticate with client_id and client_secret (HTTP Basic or form fields); the secret is one of the client's API keys."));
        var proved = await ClientRegistry.AuthenticateKeyAsync(store, clock.Time, secret, ct);
        if (proved.IsRejected || proved.Value.ClientId != clientId)
        {
            var why = proved.IsRejected ? proved.Violations[0] : null;
            return Refuse(decision, 401, "invalid_client", new Violation("/client_secret", why?.Rule is "api-key.expired" or "api-key.revoked" or "client.revoked" ? why.Rule : "oauth.client-invalid",
                why?.Rule is "api-key.expired" or "api-key.revoked" or "client.revoked" ? why.Detail : "The client id and secret do not match a registered client's key."));
        }

        var client = proved.Value;
        decision.Client = client;
        var asked = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var notHeld = asked.Where(s => !client.Scopes.Contains(s)).ToArray();
        if (notHeld.Length > 0)
            return Refuse(decision, 400, "invalid_scope", new Violation("/scope", "oauth.scope-invalid", $"Client '{client.ClientId}' does not hold {string.Join(", ", notHeld)}."));
        var scopes = (asked.Length > 0 ? asked : client.Scopes.ToArray()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var now = clock.Now;
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + options.TokenLifetime).UtcDateTime,
            SigningCredentials = keys.Current,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["sub"] = client.ClientId,
                ["client_id"] = client.ClientId,
                ["scope"] = string.Join(' ', scopes),
                ["jti"] = Guid.CreateVersion7(now).ToString("N"),
            },
            TokenType = "at+jwt",
        });
        decision.Allow();
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(new TokenResponse(token, "Bearer", (int)options.TokenLifetime.TotalSeconds, string.Join(' ', scopes)), Problem.Json);
    }

    private static (string? ClientId, string? Secret) Credentials(HttpRequest request, IFormCollection form)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && header.Parameter is not null)
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)).Split(':', 2);
                if (pair.Length == 2)
                    return (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }

        var id = form["client_id"].ToString();
        var secret = form["client_secret"].ToString();
        return (id.Length > 0 ? id : null, secret.Length > 0 ? secret : null);
    }

    private static IResult Refuse(AccessDecision decision, int status, string error, Violation violation)
    {
        decision.Deny(violation.Rule);
        var problem = new OAuthProblem(
            status == 401 ? "urn:takt:problem:unauthenticated" : "urn:takt:problem:malformed",
            status == 401 ? "The request needs a valid credential." : "The request is malformed.",
            status, violation.Detail, [violation], error, violation.Detail);
        return Results.Json(problem, Problem.Json, Problem.ContentType, status);
    }

    /// <summary>
    /// JwtBearer validation of Takt's own tokens: signature (RS256, the stored keys), issuer, audience, lifetime
    /// (on the access clock). A valid token's client must still be active; its scopes are those of the token
    /// that the client still holds, its plants the client's current ones.
    /// </summary>
    public static void Configure(JwtBearerOptions o, SigningKeys keys, AccessOptions options, AccessClock clock, TaktStore store)
    {
        o.MapInboundClaims = false;
        o.TimeProvider = clock.Time;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidTypes = ["at+jwt"],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = options.TokenClockSkew,
            IssuerSigningKeyResolver = (_, _, _, _) => keys.ValidationKeys,
        };
        if (options.Clock is not null)
        {
            // A test clock (FakeTimeProvider): the library reads the system clock, so compare with the access clock
            // here, raising the library's own exceptions. Without a test clock the library checks the lifetime.
            o.TokenValidationParameters.LifetimeValidator = (notBefore, expires, _, p) =>
            {
                var now = clock.Now.UtcDateTime;
                if (expires is null)
                    throw new SecurityTokenNoExpirationException("The token has no expiry.");
                if (notBefore > now + p.ClockSkew)
                    throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = notBefore.Value };
                if (expires < now - p.ClockSkew)
                    throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
                return true;
            };
        }
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                AccessDecision.Of(context.HttpContext).CredentialHeader = "Authorization";
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                AccessDecision.Of(context.HttpContext).AuthenticationFailure = new Violation("/headers/Authorization", Rule(context.Exception), Detail(context.Exception));
                return Task.CompletedTask;
            },
            OnTokenValidated = async context =>
            {
                var principal = context.Principal!;
                var clientId = principal.FindFirstValue("client_id");
                var scopes = (principal.FindFirstValue("scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                var identity = clientId is null ? null : await ClientRegistry.ActiveIdentityAsync(store, clientId, "jwt:" + principal.FindFirstValue("jti"), scopes, context.HttpContext.RequestAborted);
                var decision = AccessDecision.Of(context.HttpContext);
                if (identity is null)
                {
                    decision.AuthenticationFailure = new Violation("/headers/Authorization", "client.revoked", $"The token's client '{clientId}' is revoked or unknown.");
                    context.Fail("The token's client is revoked or unknown.");
                    return;
                }

                decision.Client = identity;
                context.Principal = ApiKeyAuthentication.Principal(identity, JwtBearerDefaults.AuthenticationScheme);
            },
        };
    }

    private static string Rule(Exception error) => error switch
    {
        SecurityTokenExpiredException => "token.expired",
        SecurityTokenNotYetValidException => "token.not-yet-valid",
        SecurityTokenInvalidAudienceException => "token.audience-invalid",
        SecurityTokenInvalidIssuerException => "token.issuer-invalid",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "token.signature-invalid",
        _ => "token.invalid",
    };

    private static string Detail(Exception error) => error switch
    {
        SecurityTokenExpiredException => "The access token has expired; request a new one.",
        SecurityTokenNotYetValidException => "The access token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The access token is for another audience.",
        SecurityTokenInvalidIssuerException => "The access token was issued by someone else.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The access token's signature does not verify with Takt's keys.",
        _ => "The access token is not valid.",
    };
}
