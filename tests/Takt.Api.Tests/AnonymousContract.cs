using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>
/// What needs no credential: the home page, health, the OpenAPI document, the API reference, the token endpoint
/// and its public keys. Every other endpoint has an access rule; none is exposed by accident.
/// </summary>
public abstract class AnonymousContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Theory]
    [InlineData("/")]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/api/")]
    [InlineData("/api/v1/oauth/jwks")]
    public async Task a_public_page_answers_without_a_credential(string path)
    {
        using var response = await Host.Anonymous.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task readiness_names_the_database_intake_outbox_channels_broker_webhook_and_freshness_checks_and_a_quiet_server_is_healthy()
    {
        await Host.DrainOutboxAsync();
        using var response = await Host.Anonymous.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await TaktHost.JsonAsync(response);
        var checks = report.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["database"] = "Healthy", ["intake"] = "Healthy", ["outbox"] = "Healthy", ["channels"] = "Healthy", ["broker"] = "Healthy", ["webhook-targets"] = "Healthy", ["client-freshness"] = "Healthy" }, checks);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
    }

    [Fact]
    public void every_api_endpoint_has_an_access_rule_and_only_the_token_endpoints_are_anonymous()
    {
        var endpoints = Host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .ToList();
        Assert.NotEmpty(endpoints);
        Assert.DoesNotContain(endpoints, e => e.Metadata.GetMetadata<EndpointAccess>() is null);
        Assert.Equal(
            ["/api/v1/oauth/jwks", "/api/v1/oauth/token"],
            endpoints.Where(e => e.Metadata.GetMetadata<EndpointAccess>()!.Scope is null).Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task the_openapi_document_names_the_security_schemes_and_each_operations_scope()
    {
        var document = await Host.GetAsync<System.Text.Json.JsonElement>("/openapi/v1.json");
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
        Assert.Equal("/api/v1/oauth/token", schemes.GetProperty("oauth2").GetProperty("flows").GetProperty("clientCredentials").GetProperty("tokenUrl").GetString());
        var register = document.GetProperty("paths").GetProperty("/api/v1/clients").GetProperty("post");
        Assert.Equal(Scopes.ClientsManage, register.GetProperty("security")[0].GetProperty("apiKey")[0].GetString());
        Assert.Contains(register.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("required").GetBoolean());
        var events = document.GetProperty("paths").GetProperty("/api/v1/events").GetProperty("post");
        Assert.False(events.TryGetProperty("parameters", out var parameters) && parameters.EnumerateArray().Any(p => p.GetProperty("name").GetString() == "Idempotency-Key"));
    }
}

public sealed class AnonymousOnSqlite(SqliteHost fixture) : AnonymousContract<SqliteHost>(fixture);
