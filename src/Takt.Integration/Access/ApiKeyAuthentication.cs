using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary>The clock of credentials, tokens, idempotency keys and audit records (AccessOptions.Clock).</summary>
public sealed class AccessClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public DateTimeOffset Now => Time.GetUtcNow();
}

/// <summary>
/// Authenticates <c>X-Api-Key: takt_…</c>: the key's SHA-256 must match the stored one, the key and its client
/// must be neither revoked nor expired. The reason of a refusal goes to <see cref="AccessDecision"/>; the
/// authorization stage answers 401 with it.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TaktStore store,
    AccessClock clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values))
            return AuthenticateResult.NoResult();
        var decision = AccessDecision.Of(Context);
        decision.CredentialHeader = Header;
        var checkedKey = await ClientRegistry.AuthenticateKeyAsync(store, clock.Time, values.ToString().Trim(), Context.RequestAborted);
        if (checkedKey.IsRejected)
        {
            decision.AuthenticationFailure = checkedKey.Violations[0];
            return AuthenticateResult.Fail(checkedKey.Violations[0].Detail);
        }

        decision.Client = checkedKey.Value;
        return AuthenticateResult.Success(new AuthenticationTicket(Principal(checkedKey.Value, SchemeName), SchemeName));
    }

    /// <summary>The principal the authorization policies check: one <c>scope</c> claim per scope, one <c>plant</c> claim per plant.</summary>
    public static ClaimsPrincipal Principal(ClientIdentity client, string scheme)
    {
        var claims = new List<Claim> { new("client_id", client.ClientId), new(ClaimTypes.NameIdentifier, client.ClientId) };
        claims.AddRange(client.Scopes.Select(s => new Claim("scope", s)));
        claims.AddRange(client.Plants.Select(p => new Claim("plant", p)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, "client_id", null));
    }
}
