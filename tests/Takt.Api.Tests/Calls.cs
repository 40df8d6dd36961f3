using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Takt.Testing;

namespace Takt.Api.Tests;

/// <summary>Requests with an explicit credential and Idempotency-Key.</summary>
internal static class Calls
{
    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient http, string path, object? body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return http.SendAsync(request, Xunit.TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostEventAsync(HttpClient http, JsonNode cloudEvent) =>
        http.PostAsync("/api/v1/events", new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Xunit.TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> PostBatchAsync(HttpClient http, IEnumerable<JsonNode> cloudEvents) =>
        http.PostAsync("/api/v1/events", new StringContent(new JsonArray([.. cloudEvents]).ToJsonString(), Encoding.UTF8, "application/cloudevents-batch+json"), Xunit.TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> GetAsync(HttpClient http, string path) =>
        http.GetAsync(path, Xunit.TestContext.Current.CancellationToken);

    /// <summary>An issue of one piece of RM-3001 (on the bill of both plants' housing orders), a minute ago.</summary>
    public static JsonObject Issue(string plant) =>
        Events.MaterialIssued(plant, $"{plant}-100002", "RM-3001", 1m, "H87", TimeProvider.System.GetUtcNow().AddMinutes(-1));

    public static object NewClient(string id, string[] scopes, string[] plants) =>
        new { id, name = "Client " + id, owner = "tests", scopes, plants };
}
