using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takt.Integration.Webhooks;

namespace Takt.Resilience.Tests;

/// <summary>
/// A real HTTP receiver on a loopback port, scripted by the test: answer 500, hang past the sender's timeout,
/// refuse connections (stopped), or take deliveries. It verifies each signature with the secrets it was
/// given and dedupes by <c>webhook-id</c>, as the receivers Takt documents.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    public enum Mode
    {
        Accept,
        Fail,
        Hang,
    }

    private readonly WebApplication app;
    private readonly ConcurrentQueue<Received> all = new();
    private readonly List<string> firstSeen = [];
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly ConcurrentQueue<Mode> script = new();

    public sealed record Received(string Id, string Type, bool SignatureValid, int Signatures, long Timestamp, JsonElement Body);

    private WebhookReceiver(WebApplication app) => this.app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>What every request gets once the script has run out.</summary>
    public Mode Otherwise { get; set; } = Mode.Accept;

    /// <summary>Secrets a signature may be made with (the receiver's copy).</summary>
    public List<string> Secrets { get; } = [];

    /// <summary>Every request that reached the handler, including failed and repeated ones.</summary>
    public IReadOnlyCollection<Received> All => all;

    /// <summary>Accepted deliveries after dedupe by id, in the order they first arrived.</summary>
    public IReadOnlyList<string> Delivered
    {
        get
        {
            lock (gate)
                return [.. firstSeen];
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        var web = builder.Build();
        var receiver = new WebhookReceiver(web);
        web.MapPost("/hook", (Delegate)receiver.HandleAsync);
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// <summary>The next requests get these answers, in order.</summary>
    public void Then(params Mode[] modes)
    {
        foreach (var mode in modes)
            script.Enqueue(mode);
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var id = context.Request.Headers[WebhookSigner.IdHeader].ToString();
        var timestamp = long.Parse(context.Request.Headers[WebhookSigner.TimestampHeader].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var signature = context.Request.Headers[WebhookSigner.SignatureHeader].ToString();
        List<string> secrets;
        lock (gate)
            secrets = [.. Secrets];
        var valid = secrets.Count > 0 && secrets.All(s => WebhookSigner.Verify(s, id, timestamp, body, signature));
        using var document = JsonDocument.Parse(body);
        var received = new Received(id, document.RootElement.GetProperty("type").GetString()!, valid, signature.Split(' ').Length, timestamp, document.RootElement.Clone());
        all.Enqueue(received);

        var mode = script.TryDequeue(out var next) ? next : Otherwise;
        switch (mode)
        {
            case Mode.Fail:
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            case Mode.Hang:
                await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.StatusCode(StatusCodes.Status504GatewayTimeout);
            default:
                lock (gate)
                {
                    if (seen.Add(id))
                        firstSeen.Add(id);
                }

                return Results.NoContent();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
