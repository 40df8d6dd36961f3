using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Access;

/// <summary>The endpoint spans every plant: only a client without a plant restriction may call it.</summary>
internal sealed class AllPlantsRequirement : AuthorizationHandler<AllPlantsRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AllPlantsRequirement requirement)
    {
        if (context.User.HasClaim("plant", RegisteredClient.AllPlants))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Answers the authorization decision in Takt's shape: 401 (no or bad credential, with the reason's rule) or
/// 403 (scope missing, plant-restricted client on an all-plants endpoint) as RFC 9457 problems, and records
/// the decision for the audit log.
/// </summary>
internal sealed class AccessResultHandler : IAuthorizationMiddlewareResultHandler
{
    // Pages outside the API (the web console) answer as their own authentication scheme says (a cookie redirects to sign-in).
    private readonly AuthorizationMiddlewareResultHandler pages = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var access = context.GetEndpoint()?.Metadata.GetMetadata<EndpointAccess>();
        if (access is null)
        {
            await pages.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var decision = AccessDecision.Of(context);
        decision.Scope = access?.Scope;
        if (authorizeResult.Succeeded)
        {
            decision.Allow();
            await next(context);
            return;
        }

        Problem problem;
        if (authorizeResult.Challenged || decision.Client is null)
        {
            var why = decision.AuthenticationFailure ?? AccessProblems.CredentialRequired();
            decision.Deny(why.Rule);
            problem = AccessProblems.Unauthenticated(why);
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"takt\", ApiKey header=\"X-Api-Key\"";
        }
        else
        {
            var client = decision.Client;
            var failed = authorizeResult.AuthorizationFailure?.FailedRequirements.ToArray() ?? [];
            var missingScope = failed.OfType<ClaimsAuthorizationRequirement>().Select(r => r.AllowedValues?.FirstOrDefault()).FirstOrDefault(s => s is not null);
            var why = missingScope is not null
                ? new Violation("/headers/" + decision.CredentialHeader, "client.scope-missing", $"This needs the scope '{missingScope}'; client '{client.ClientId}' holds {Listed(client.Scopes)}.")
                : new Violation("/headers/" + decision.CredentialHeader, "client.plant-restricted", $"This spans every plant; client '{client.ClientId}' may act for {string.Join(", ", client.Plants)} only.");
            decision.Deny(why.Rule);
            problem = AccessProblems.Forbidden(why);
        }

        context.Response.StatusCode = problem.Status;
        await context.Response.WriteAsJsonAsync(problem, Problem.Json, Problem.ContentType, context.RequestAborted);
    }

    private static string Listed(IReadOnlySet<string> scopes) => scopes.Count == 0 ? "none" : string.Join(", ", scopes.Order(StringComparer.Ordinal));
}
