using Microsoft.AspNetCore.Http;
using Takt.Contracts;

namespace Takt.Integration.Access;

/// <summary>
/// One request's authorization decision as it is made (authentication, scope, plant, rate limit), kept as an
/// HTTP feature and written to the audit log when the response is done.
/// </summary>
public sealed class AccessDecision
{
    public const string Allowed = "allowed";
    public const string Denied = "denied";
    public const string Partial = "partial";

    /// <summary>The authenticated client; null for anonymous requests and failed credentials.</summary>
    public ClientIdentity? Client { get; set; }

    /// <summary>Why the credential was refused (set by the authentication handlers).</summary>
    public Violation? AuthenticationFailure { get; set; }

    /// <summary>The header the credential came in: <c>X-Api-Key</c> or <c>Authorization</c>.</summary>
    public string CredentialHeader { get; set; } = "X-Api-Key";

    public string? Scope { get; set; }

    /// <summary>The plants the request named or touched, space-separated.</summary>
    public string? Plants { get; set; }

    /// <summary>allowed, denied or partial (a batch with some events refused); null until decided.</summary>
    public string? Decision { get; private set; }

    /// <summary>The rule that denied (or partly denied) the request.</summary>
    public string? Reason { get; private set; }

    public void Allow() => Decision ??= Allowed;

    public void Deny(string rule)
    {
        Decision = Denied;
        Reason = rule;
    }

    public void AllowPartly(string reason)
    {
        Decision = Partial;
        Reason = reason;
    }

    public static AccessDecision Of(HttpContext http)
    {
        var decision = http.Features.Get<AccessDecision>();
        if (decision is null)
        {
            decision = new AccessDecision();
            http.Features.Set(decision);
        }

        return decision;
    }

    /// <summary>The authenticated client of a request that passed authorization (endpoints behind a scope).</summary>
    public static ClientIdentity ClientOf(HttpContext http) =>
        Of(http).Client ?? throw new InvalidOperationException("The endpoint needs an authenticated client; is it behind a scope?");
}
