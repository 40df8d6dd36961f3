using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Access;

/// <summary>The RFC 9457 problems of access control: 401, 403, 429 (rules in docs/rules.md).</summary>
public static class AccessProblems
{
    public static Problem Unauthenticated(Violation error) =>
        new("urn:takt:problem:unauthenticated", "The request needs a valid credential.", 401, error.Detail, [error]);

    public static Problem Forbidden(Violation error) =>
        new("urn:takt:problem:forbidden", "The client may not do this.", 403, error.Detail, [error]);

    public static Problem TooManyRequests(Violation error) =>
        new("urn:takt:problem:too-many-requests", "The client has sent too many requests.", 429, error.Detail, [error]);

    public static Problem NotFound(Violation error) =>
        new("urn:takt:problem:not-found", "Not found.", 404, error.Detail, [error]);

    public static Violation CredentialRequired() =>
        new("/headers/X-Api-Key", "auth.required", "Send an API key in the X-Api-Key header, or an OAuth2 access token in Authorization: Bearer (POST /api/v1/oauth/token).");

    public static Violation PlantForbidden(string field, string plant, ClientIdentity client) =>
        new(field, "client.plant-forbidden", $"Client '{client.ClientId}' may act for {string.Join(", ", client.Plants)} only, not for plant '{plant}'.");
}
