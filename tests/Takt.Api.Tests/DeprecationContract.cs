using System.Net;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>A version being retired says so in every answer: Deprecation (RFC 9745), Sunset (RFC 8594), Link.</summary>
public sealed class DeprecationContract
{
    [Fact]
    public async Task every_answer_of_a_retiring_version_carries_deprecation_and_sunset()
    {
        var deprecated = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        var sunset = new DateTimeOffset(2027, 4, 1, 0, 0, 0, TimeSpan.Zero);
        await using var database = await TaktDatabase.CreateAsync("sqlite");
        await using var host = await TaktHost.StartAsync(database, s => s.RetiringVersions = [new RetiringVersion("v1", deprecated, sunset, new Uri("https://takt.dev/deprecations/api-v1"))]);

        using var ok = await Calls.GetAsync(host.HttpWith(host.AdminKey!.ApiKey), "/api/v1/stock");
        using var denied = await Calls.GetAsync(host.Anonymous, "/api/v1/stock");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (ok.StatusCode, denied.StatusCode));
        foreach (var answer in new[] { ok, denied })
        {
            Assert.Equal("@1790812800", Assert.Single(answer.Headers.GetValues("Deprecation")));
            Assert.Equal("Thu, 01 Apr 2027 00:00:00 GMT", Assert.Single(answer.Headers.GetValues("Sunset")));
            Assert.Equal("<https://takt.dev/deprecations/api-v1>; rel=\"deprecation\"; type=\"text/html\"", Assert.Single(answer.Headers.GetValues("Link")));
        }

        using var health = await Calls.GetAsync(host.Anonymous, "/health");
        Assert.False(health.Headers.Contains("Deprecation"));
    }

    [Fact]
    public async Task a_version_not_being_retired_has_no_deprecation_headers()
    {
        await using var database = await TaktDatabase.CreateAsync("sqlite");
        await using var host = await TaktHost.StartAsync(database);
        using var ok = await Calls.GetAsync(host.HttpWith(host.AdminKey!.ApiKey), "/api/v1/stock");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.False(ok.Headers.Contains("Deprecation"));
        Assert.False(ok.Headers.Contains("Sunset"));
    }
}
