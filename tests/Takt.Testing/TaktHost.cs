using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takt.Integration.Access;
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
    /// <summary>The client the test suite's requests authenticate as: every scope, every plant, no practical rate limit.</summary>
    public const string SuiteClientId = "test-suite";

    private readonly List<HttpClient> clients = [];

    private TaktHost(WebApplication app, TaktDatabase database, ServerSettings settings, IssuedKey? adminKey, IssuedKey suiteKey)
    {
        App = app;
        Database = database;
        Settings = settings;
        AdminKey = adminKey;
        SuiteKey = suiteKey;
        Http = HttpWith(suiteKey.ApiKey);
        Anonymous = HttpWith(null);
    }

    public WebApplication App { get; }

    public TaktDatabase Database { get; }

    public ServerSettings Settings { get; }

    /// <summary>Authenticated as <see cref="SuiteClientId"/>.</summary>
    public HttpClient Http { get; }

    /// <summary>Sends no credential.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>The bootstrap credential a new database printed once (client <c>admin</c>); null after a restart.</summary>
    public IssuedKey? AdminKey { get; }

    public IssuedKey SuiteKey { get; }

    /// <summary>The clock of credentials, tokens and idempotency keys (a FakeTimeProvider when the test set one).</summary>
    public TimeProvider AccessClock => Service<AccessClock>().Time;

    /// <summary>An HTTP client to this server that sends <paramref name="apiKey"/> (none when null); disposed with the host.</summary>
    public HttpClient HttpWith(string? apiKey)
    {
        var http = new HttpClient { BaseAddress = new Uri(OpenApiDocument.Address(App)), Timeout = TimeSpan.FromMinutes(2) };
        if (apiKey is not null)
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        lock (clients)
            clients.Add(http);
        return http;
    }

    /// <summary>Registers a client straight in the database (as <c>takt clients add</c> does) and returns its first key.</summary>
    public async Task<IssuedKey> RegisterClientAsync(string id, IReadOnlyList<string> scopes, IReadOnlyList<string> plants, int? perMinute = null, int? burst = null, int? keyExpiresInDays = null)
    {
        var registered = await ClientRegistry.RegisterAsync(Store, AccessClock, Settings.Access, new NewClient(id, id, "tests", scopes, plants, null, perMinute, burst, keyExpiresInDays), CancellationToken.None);
        return registered.IsRejected
            ? throw new InvalidOperationException(string.Join("; ", registered.Violations.Select(v => $"{v.Rule}: {v.Detail}")))
            : registered.Value.Key;
    }

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
        var app = TaktServer.Build(settings);
        // A new database prints the bootstrap credential; a restarted server on the same database prints none.
        var admin = await TaktServer.PrepareDatabaseAsync(app.Services, settings, CancellationToken.None);
        await app.StartAsync(CancellationToken.None);
        // The suite's own client, registered as an operator would: every scope and plant, a rate limit no test
        // reaches; a restart registers another one (the first one's key was shown once).
        var suiteId = admin is not null ? SuiteClientId : $"{SuiteClientId}-{Guid.NewGuid():N}"[..30];
        var suite = await ClientRegistry.RegisterAsync(app.Services.GetRequiredService<TaktStore>(), app.Services.GetRequiredService<AccessClock>().Time, settings.Access,
            new NewClient(suiteId, "Takt test suite", "tests", [.. Scopes.All], ["*"], RateLimitPerMinute: 10_000_000, RateLimitBurst: 1_000_000), CancellationToken.None);
        return new TaktHost(app, database, settings, admin, suite.Value.Key);
    }

    /// <summary>Released demo orders, with components and operations.</summary>
    public async Task<IReadOnlyList<ProductionOrderView>> OrdersAsync() =>
        await Service<IProduction>().OrdersAsync(Store, null, 1000, CancellationToken.None);

    public async Task<ProductionOrderView> OrderAsync(string number) =>
        await Service<IProduction>().OrderAsync(Store, number, CancellationToken.None) ?? throw new InvalidOperationException($"No order {number}.");

    /// <summary>POSTs JSON to a state-changing endpoint with a new Idempotency-Key (as a careful client would).</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

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
    /// event, or fails after the timeout. <paramref name="except"/> names a subscriber not waited for (one that ops paused).
    /// </summary>
    public async Task DrainOutboxAsync(TimeSpan? timeout = null, string? except = null)
    {
        var outbox = App.Services.GetRequiredService<Outbox>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)))
        {
            if ((await OutboxBacklog.ReadAsync(Store, outbox, CancellationToken.None)).All(b => b.Settled || b.Subscriber == except)
                && await Service<Takt.Intelligence.IIntelligence>().ObjectIndexBehindAsync(Store, CancellationToken.None) == 0)
                return;
            await Task.Delay(50);
        }

        var behind = (await OutboxBacklog.ReadAsync(Store, outbox, CancellationToken.None)).Where(b => !b.Settled && b.Subscriber != except);
        throw new TimeoutException("The outbox still has pending deliveries: " + string.Join(", ", behind.Select(b => $"{b.Subscriber} {b.Behind} behind, {b.Retrying} retrying")) + ".");
    }

    public async ValueTask DisposeAsync()
    {
        lock (clients)
        {
            foreach (var http in clients)
                http.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}
