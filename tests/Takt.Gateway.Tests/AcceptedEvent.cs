using System.Net;
using System.Text.Json;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>The gateway's answer for an accepted event (structured or binary mode, or one item of a batch).</summary>
internal sealed record AcceptedEvent(
    string Status,
    string Source,
    string Id,
    string Type,
    bool Replayed,
    string ProcessEventId,
    string[] JournalEntries,
    string[] StockMovements)
{
    /// <summary>Asserts a 200 with a JSON body and reads it.</summary>
    public static async Task<AcceptedEvent> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var accepted = From(JsonDocument.Parse(body).RootElement);
        Assert.Equal("accepted", accepted.Status);
        return accepted;
    }

    public static AcceptedEvent From(JsonElement element) =>
        element.Deserialize<AcceptedEvent>(JsonSerializerOptions.Web) ?? throw new JsonException("null accepted event");
}
