using System.Net;
using System.Text.Json;
using Xunit;

namespace Takt.Testing;

/// <summary>RFC 9457 problem details as Takt must send them (STYLE: Errors); shared by the gateway and adapter tests.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    /// <summary>
    /// Asserts the status, the content type, the problem's shape, and that its one error is
    /// <paramref name="field"/> (a JSON Pointer) broken by <paramref name="rule"/>.
    /// </summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string field, string rule)
    {
        var problem = await ReadAsync(response, status);
        var error = Assert.Single(Errors(problem));
        Assert.Equal((field, rule), (error.Field, error.Rule));
        return problem;
    }

    /// <summary>A 500: no errors to blame on the client, a trace id to quote, nothing of the failure's internals.</summary>
    public static async Task<JsonElement> AssertInternalAsync(HttpResponseMessage response)
    {
        var problem = await ReadAsync(response, HttpStatusCode.InternalServerError);
        AssertInternal(problem);
        return problem;
    }

    public static void AssertInternal(JsonElement problem)
    {
        AssertShape(problem, 500);
        Assert.Equal("urn:takt:problem:internal", problem.GetProperty("type").GetString());
        Assert.Empty(Errors(problem));
        Assert.True(problem.TryGetProperty("traceId", out var traceId), $"A 500 problem needs a traceId: {problem}");
        Assert.Matches("^[0-9a-f]{32}$", traceId.GetString());
        var text = problem.ToString();
        Assert.DoesNotContain("injected", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    public static void AssertShape(JsonElement problem, int status)
    {
        Assert.StartsWith("urn:takt:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Array, problem.GetProperty("errors").ValueKind);
        foreach (var error in problem.GetProperty("errors").EnumerateArray())
        {
            var field = error.GetProperty("field").GetString()!;
            Assert.True(field.Length == 0 || field.StartsWith('/'), $"'{field}' is not a JSON Pointer.");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("rule").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("detail").GetString()));
        }
    }

    public static IReadOnlyList<(string Field, string Rule)> Errors(JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("field").GetString()!, e.GetProperty("rule").GetString()!))];

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(ContentType, response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var problem = document.RootElement.Clone();
        AssertShape(problem, (int)status);
        return problem;
    }
}
