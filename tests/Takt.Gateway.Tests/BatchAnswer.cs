using System.Net;
using System.Text.Json;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>One event's result in a batch answer: its index in the request, and an acceptance or a problem.</summary>
internal sealed record BatchItem(int Index, string? Source, string? Id, string? Type, int Status, AcceptedEvent? Result, JsonElement? Problem);

/// <summary>The answer to a batch-mode request.</summary>
internal sealed record BatchAnswer(int Accepted, int Rejected, BatchItem[] Results)
{
    /// <summary>Asserts the status (200 when all were accepted, 207 otherwise) and reads the per-event results.</summary>
    public static async Task<BatchAnswer> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = JsonSerializer.Deserialize<BatchAnswer>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(Enumerable.Range(0, answer.Results.Length), answer.Results.Select(r => r.Index));
        foreach (var item in answer.Results)
        {
            if (item.Result is { } accepted)
            {
                Assert.Equal((200, "accepted"), (item.Status, accepted.Status));
                Assert.Null(item.Problem);
            }
            else
            {
                var problem = Assert.NotNull(item.Problem);
                Problems.AssertShape(problem, item.Status);
            }
        }

        Assert.Equal(answer.Results.Count(r => r.Result is not null), answer.Accepted);
        Assert.Equal(answer.Results.Count(r => r.Result is null), answer.Rejected);
        return answer;
    }

    /// <summary>Asserts that item <paramref name="index"/> was rejected with one error at the field, by the rule.</summary>
    public void AssertRejected(int index, int status, string field, string rule)
    {
        var item = Results[index];
        Assert.Equal(status, item.Status);
        var problem = Assert.NotNull(item.Problem);
        Assert.Equal([(field, rule)], Problems.Errors(problem));
    }
}
