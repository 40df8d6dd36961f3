using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Takt.Integration.Access;

namespace Takt.Server;

/// <summary>
/// The access rules in the OpenAPI document: the two security schemes (API key, OAuth2 client credentials with
/// the scopes), each operation's scope, the Idempotency-Key header where it is required, and 401/403/429.
/// </summary>
internal static class OpenApiSecurity
{
    public const string ApiKeyScheme = "apiKey";
    public const string OAuth2Scheme = "oauth2";

    public static void Add(OpenApiOptions options)
    {
        options.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            doc.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Api-Key",
                Description = "A registered client's API key (takt_<key id>_<secret>), shown once when the client is registered or its key rotated.",
            };
            doc.Components.SecuritySchemes[OAuth2Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "OAuth2 client credentials: client_id and one of the client's API keys as client_secret; the token is a JWT (RS256).",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri("/api/v1/oauth/token", UriKind.Relative),
                        Scopes = Scopes.Described.ToDictionary(s => s.Scope, s => s.Description, StringComparer.Ordinal),
                    },
                },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var access = context.Description.ActionDescriptor.EndpointMetadata.OfType<EndpointAccess>().LastOrDefault();
            if (access?.Scope is not { } scope)
                return Task.CompletedTask;
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [scope] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OAuth2Scheme, context.Document)] = [scope] },
            ];
            if (access.IdempotencyKey)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "Idempotency-Key",
                    In = ParameterLocation.Header,
                    Required = true,
                    Description = "A unique value per request (a UUID), sent again unchanged on a retry: the retry gets the first response. Kept 24 hours.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
                });
            }

            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid credential (problem details: auth.required, api-key.*, token.*)." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The client lacks the scope or the plant (problem details: client.scope-missing, client.plant-*)." });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "The client's rate limit is spent; see Retry-After (problem details: client.rate-limited)." });
            return Task.CompletedTask;
        });
    }
}
