using System.Net;
using System.Text.Json;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>An adapter's answer to an accepted document (DocumentAccepted).</summary>
internal sealed record AcceptedDocument(string Adapter, string Version, string Document, int Accepted, int Replayed, AcceptedDocumentEvent[] Events, IgnoredDocumentPart[] Ignored)
{
    public static async Task<AcceptedDocument> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<AcceptedDocument>(body, JsonSerializerOptions.Web)!;
    }
}

internal sealed record AcceptedDocumentEvent(string Origin, string Type, string Source, string Id, bool Replayed, string ProcessEventId, string[] JournalEntries, string[] StockMovements);

internal sealed record IgnoredDocumentPart(string Origin, string Reason);
