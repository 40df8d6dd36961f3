using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary>
/// Registered clients and API governance (DESIGN §2.4): authentication (API keys, OAuth2 client credentials with
/// JWTs), authorization policies per scope, plant restriction, per-client rate limits, Idempotency-Key, audit.
/// </summary>
public static class AccessModule
{
    public const string Scheme = "Takt";

    public static IServiceCollection AddAccess(this IServiceCollection services, AccessOptions options, TimeProvider serverClock)
    {
        var clock = new AccessClock(options.Clock ?? serverClock);
        services.AddSingleton(options);
        services.AddSingleton(clock);
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<SigningKeys>());
        services.AddSingleton<Operations.ClientActivity>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<AuditLog>());

        // Authentication brings ASP.NET Core data protection along; Takt protects nothing with it (no cookies), so
        // keep its keys in memory instead of writing a key ring to the user's profile.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();

        // One default scheme that forwards to the API key handler when X-Api-Key is sent, else to JwtBearer.
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or access token", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.ContainsKey(ApiKeyAuthentication.Header) ? ApiKeyAuthentication.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeys, TaktStore>((o, keys, store) => OAuthTokens.Configure(o, keys, options, clock, store));

        services.AddAuthorizationBuilder().AddPolicy(EndpointAccess.AllPlantsPolicy, p => p.RequireAuthenticatedUser().AddRequirements(new AllPlantsRequirement()));
        services.AddAuthorization(o =>
        {
            foreach (var scope in Scopes.All)
                o.AddPolicy(EndpointAccess.PolicyOf(scope), p => p.RequireAuthenticatedUser().RequireClaim("scope", scope));
        });
        services.AddSingleton<IAuthorizationHandler, AllPlantsRequirement>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AccessResultHandler>();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, options));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var decision = AccessDecision.Of(http);
                decision.Deny("client.rate-limited");
                var who = decision.Client is { } c
                    ? $"Client '{c.ClientId}' may send {c.RateLimitPerMinute} requests a minute, {c.RateLimitBurst} at once"
                    : $"This address may request {options.TokenRequestsPerMinute} tokens a minute";
                var problem = AccessProblems.TooManyRequests(new Violation("", "client.rate-limited", $"{who}; retry in {seconds} s."));
                await http.Response.WriteAsJsonAsync(problem, Problem.Json, Problem.ContentType, ct);
            };
        });
        return services;
    }

    /// <summary>The access pipeline, after routing and before the endpoints: audit, authentication, authorization, rate limit, Idempotency-Key.</summary>
    public static IApplicationBuilder UseAccess(this IApplicationBuilder app) =>
        app.UseMiddleware<AuditMiddleware>()
            .UseAuthentication()
            .UseAuthorization()
            .UseRateLimiter()
            .UseMiddleware<IdempotencyKeys>();

    public static RouteGroupBuilder MapAccess(this RouteGroupBuilder api)
    {
        OAuthTokens.Map(api);
        ClientEndpoints.Map(api);
        return api;
    }

    /// <summary>Per-client token bucket (the partition key carries the limits, so changed limits apply at once); token requests per remote address.</summary>
    private static RateLimitPartition<string> Partition(HttpContext http, AccessOptions options)
    {
        if (http.Features.Get<AccessDecision>()?.Client is { } client)
        {
            return RateLimitPartition.GetTokenBucketLimiter($"client:{client.ClientId}:{client.RateLimitPerMinute}:{client.RateLimitBurst}", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = client.RateLimitBurst,
                TokensPerPeriod = client.RateLimitPerMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        }

        if (http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == "IssueAccessToken")
        {
            return RateLimitPartition.GetTokenBucketLimiter("token:" + http.Connection.RemoteIpAddress, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.TokenRequestsPerMinute,
                TokensPerPeriod = options.TokenRequestsPerMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        }

        return RateLimitPartition.GetNoLimiter("anonymous");
    }
}
