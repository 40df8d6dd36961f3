using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takt.Production;
using Takt.Server;
using Takt.Store;
using Xunit;

namespace Takt.Testing;

/// <summary>
/// A real Takt server in this process: Kestrel on 127.0.0.1 (a free port), a real database, demo data, real HTTP.
/// </summary>
public sealed class TaktHost : IAsyncDisposable
{
    private TaktHost(WebApplication app, TaktDatabase database, ServerSettings settings)
    {
        App = app;
        Database = database;
        Settings = settings;
        Http = new HttpClient { BaseAddress = new Uri(OpenApiDocument.Address(app)), Timeout = TimeSpan.FromMinutes(2) };
    }

    public WebApplication App { get; }

    public TaktDatabase Database { get; }

    public ServerSettings Settings { get; }

    public HttpClient Http { get; }

    public TaktStore Store => App.Services.GetRequiredService<TaktStore>();

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<TaktHost> StartAsync(TaktDatabase database, Action<ServerSettings>? configure = null)
    {
        var settings = new ServerSettings
        {
            Database = database.Connection,
            Urls = "http://127.0.0.1:0",
            MinimumLogLevel = LogLevel.Warning,
        };
        configure?.Invoke(settings);
        var app = await TaktServer.StartAsync(settings, CancellationToken.None);
        return new TaktHost(app, database, settings);
    }

    /// <summary>Released demo orders, with components and operations.</summary>
    public async Task<IReadOnlyList<ProductionOrderView>> OrdersAsync() =>
        await Service<IProduction>().OrdersAsync(Store, null, 1000, CancellationToken.None);

    public async Task<ProductionOrderView> OrderAsync(string number) =>
        await Service<IProduction>().OrderAsync(Store, number, CancellationToken.None) ?? throw new InvalidOperationException($"No order {number}.");

    /// <summary>POSTs one event in structured mode.</summary>
    public Task<HttpResponseMessage> PostStructuredAsync(JsonNode cloudEvent) =>
        Http.PostAsync("/api/v1/events", new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"));

    /// <summary>POSTs events in batch mode.</summary>
    public Task<HttpResponseMessage> PostBatchAsync(IEnumerable<JsonNode> cloudEvents) =>
        Http.PostAsync("/api/v1/events", new StringContent(new JsonArray([.. cloudEvents.Select(e => e.DeepClone())]).ToJsonString(), Encoding.UTF8, "application/cloudevents-batch+json"));

    /// <summary>POSTs a raw body with the given content type (null sends none), to break the protocol on purpose.</summary>
    public Task<HttpResponseMessage> PostRawAsync(string body, string? contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return Http.PostAsync("/api/v1/events", content, TestContext.Current.CancellationToken);
    }

    /// <summary>POSTs one event in binary mode: attributes as <c>ce-*</c> headers, the data as the JSON body.</summary>
    public async Task<HttpResponseMessage> PostBinaryAsync(IReadOnlyDictionary<string, string> attributes, string data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent(data, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in attributes)
            request.Headers.Add("ce-" + name, value);
        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>GETs a JSON resource of the REST API and deserializes it (web defaults: camelCase).</summary>
    public async Task<T> GetAsync<T>(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web, TestContext.Current.CancellationToken) ?? throw new InvalidOperationException($"GET {path} returned null.");
    }

    /// <summary>
    /// Waits for the outbox dispatcher to settle earlier events, then snapshots the database, so that a later
    /// snapshot differs only by what happened in between.
    /// </summary>
    public async Task<DatabaseSnapshot> SettledSnapshotAsync()
    {
        await DrainOutboxAsync();
        return await Tables.SnapshotAsync(Store);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>
    /// Waits until every subscriber has read the whole outbox, no retry waits and the object index has filed every
    /// event, or fails after the timeout.
    /// </summary>
    public async Task DrainOutboxAsync(TimeSpan? timeout = null)
    {
        var outbox = App.Services.GetRequiredService<Outbox>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)))
        {
            if ((await OutboxBacklog.ReadAsync(Store, outbox, CancellationToken.None)).All(b => b.Settled)
                && await Service<Takt.Intelligence.IIntelligence>().ObjectIndexBehindAsync(Store, CancellationToken.None) == 0)
                return;
            await Task.Delay(50);
        }

        throw new TimeoutException("The outbox still has pending deliveries.");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
