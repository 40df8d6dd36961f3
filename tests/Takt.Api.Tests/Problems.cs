using System.Net;
using System.Text.Json;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>RFC 9457 problem details as Takt sends them: a status, a type, errors naming the field and the rule.</summary>
internal static class Problems
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string field, string rule)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {rule}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.StartsWith("urn:takt:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((field, rule), (error.GetProperty("field").GetString(), error.GetProperty("rule").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("detail").GetString()));
        return problem;
    }

    /// <summary>The (status, rule) of a response: rule is null for a success.</summary>
    public static async Task<(int Status, string? Rule)> OutcomeAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status < 400)
            return (status, null);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return (status, "(not a problem: " + body + ")");
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        return (status, errors.GetArrayLength() == 1 ? errors[0].GetProperty("rule").GetString() : "(errors: " + errors + ")");
    }
}
