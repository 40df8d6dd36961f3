using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Takt.Wms;

/// <summary>How the simulator behaves.</summary>
public sealed record WmsOptions
{
    /// <summary>Takt's base address, e.g. http://localhost:5080.</summary>
    public required Uri Takt { get; init; }

    /// <summary>The WMS client's API key at Takt (scope events:production:write).</summary>
    public required string ApiKey { get; init; }

    /// <summary>The webhook subscription's secret (deliveries with a wrong signature are refused); none: not checked.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Where the simulator listens, e.g. http://127.0.0.1:5090.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5090";

    /// <summary>Time a pick takes, at least and at most.</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Share of webhook deliveries answered 503 (a busy WMS): Takt retries them.</summary>
    public double FailureRate { get; init; } = 0.1;

    /// <summary>Share of picks confirmed in two parts, the second part sent first (out of order).</summary>
    public double SplitRate { get; init; } = 0.2;

    /// <summary>Share of confirmations the WMS sends again under a new id (a duplicate confirmation).</summary>
    public double DuplicateRate { get; init; } = 0.1;

    public int Seed { get; init; } = 7;

    /// <summary>A file the state is kept in across restarts; none: in memory.</summary>
    public string? StatePath { get; init; }

    /// <summary>CloudEvents source of the confirmations.</summary>
    public string Source { get; init; } = "/wms/simulator";
}

/// <summary>
/// A small reference WMS: it takes pick instructions (and their changes and cancellations) from a Takt webhook
/// subscription, picks after a realistic delay, and confirms through Takt's event gateway, again until Takt accepts
/// each confirmation. It sometimes answers a delivery 503, splits a pick and confirms the parts out of order, or
/// confirms twice; stopping it is the WMS going down. GET /stock is its stock; POST /snapshot sends it to Takt for
/// reconciliation.
/// </summary>
public sealed partial class WmsSimulator : IAsyncDisposable
{
    private readonly WmsOptions options;
    private readonly Random random;
    private readonly HttpClient takt;
    private WebApplication? app;
    private CancellationTokenSource? running;
    private Task? worker;

    public WmsSimulator(WmsOptions options, WmsState? state = null)
    {
        this.options = options;
        State = state ?? WmsState.Load(options.StatePath);
        random = new Random(options.Seed);
        takt = new HttpClient { BaseAddress = options.Takt, Timeout = TimeSpan.FromSeconds(30) };
        takt.DefaultRequestHeaders.Add("X-Api-Key", options.ApiKey);
    }

    public WmsState State { get; }

    /// <summary>The address it listens on (after <see cref="StartAsync"/>).</summary>
    public Uri? Address { get; private set; }

    public bool Running => app is not null;

    /// <summary>Seeds the WMS's stock from Takt's (go-live: both sides agree): every bin in a storage location.</summary>
    public async Task SeedFromTaktAsync(string plant, CancellationToken ct)
    {
        var bins = await takt.GetFromJsonAsync<JsonElement>($"/api/v1/stock/bins?plant={plant}", ct);
        State.Locked(s =>
        {
            foreach (var bin in bins.EnumerateArray().Where(b => b.GetProperty("location").GetString() is { Length: > 0 } && b.GetProperty("status").GetString() == "unrestricted"))
                s.Stock[WmsState.Key(plant, bin.GetProperty("item").GetString()!, bin.GetProperty("location").GetString()!, bin.GetProperty("lot").GetString()!)] = bin.GetProperty("quantity").GetDecimal();
        });
        State.Save(options.StatePath);
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Address?.ToString() ?? options.Urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var web = builder.Build();
        web.MapPost("/webhook", ReceiveAsync);
        web.MapGet("/stock", () => Results.Json(State.Locked(s => s.Stock.Where(p => p.Value != 0).OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary())));
        web.MapPost("/snapshot", async (string plant, CancellationToken token) => Results.Json(await SendSnapshotAsync(plant, token)));
        await web.StartAsync(ct);
        Address ??= new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        app = web;
        running = new CancellationTokenSource();
        worker = Task.Run(() => WorkAsync(running.Token), CancellationToken.None);
    }

    /// <summary>The WMS goes down: no deliveries taken, nothing picked or confirmed until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (app is null)
            return;
        await running!.CancelAsync();
        try
        {
            await worker!;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await app.StopAsync();
        await app.DisposeAsync();
        app = null;
        State.Save(options.StatePath);
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var id = request.Headers["webhook-id"].ToString();
        if (options.WebhookSecret is { } secret && !Verify(secret, id, request.Headers["webhook-timestamp"].ToString(), body, request.Headers["webhook-signature"].ToString()))
            return Results.Unauthorized();
        var busy = State.Locked(_ => random.NextDouble() < options.FailureRate);
        if (busy)
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        var envelope = JsonNode.Parse(body)!;
        var type = envelope["type"]!.GetValue<string>();
        var data = envelope["data"]!;
        State.Locked(s =>
        {
            if (s.Deliveries.TryGetValue(id, out var seen))
            {
                s.Deliveries[id] = seen + 1; // a redelivery: acknowledged again, applied once
                return;
            }

            s.Deliveries[id] = 1;
            var allocation = data["allocation"]!.GetValue<string>();
            switch (type)
            {
                case "takt.inventory.pick-instructed.v1":
                    s.Picks[allocation] = new PickTask
                    {
                        Allocation = allocation,
                        Plant = data["plant"]!.GetValue<string>(),
                        Item = data["item"]!.GetValue<string>(),
                        Location = data["location"]!.GetValue<string>(),
                        Lot = data["lot"]?.GetValue<string>() ?? "",
                        Destination = data["destination"]!.GetValue<string>(),
                        Quantity = data["quantity"]!["value"]!.GetValue<decimal>(),
                        Unit = data["quantity"]!["unit"]!.GetValue<string>(),
                        Version = data["version"]!.GetValue<int>(),
                    };
                    break;
                case "takt.inventory.pick-changed.v1" when s.Picks.TryGetValue(allocation, out var pick) && data["version"]!.GetValue<int>() > pick.Version:
                    pick.Quantity = data["quantity"]!["value"]!.GetValue<decimal>();
                    pick.Version = data["version"]!.GetValue<int>();
                    break;
                case "takt.inventory.pick-cancelled.v1" when s.Picks.TryGetValue(allocation, out var pick) && data["version"]!.GetValue<int>() > pick.Version:
                    pick.Cancelled = true;
                    pick.Version = data["version"]!.GetValue<int>();
                    break;
            }
        });
        State.Save(options.StatePath);
        return Results.Ok();
    }

    private static bool Verify(string secret, string id, string timestamp, string body, string header)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        return header.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(c => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(c), Encoding.ASCII.GetBytes(expected)));
    }

    /// <summary>Picks what is due and sends confirmations until Takt accepts them.</summary>
    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var open = State.Locked(s => s.Picks.Values.Where(p => !p.Cancelled && p.Picked < p.Quantity).ToList());
            foreach (var pick in open)
            {
                var delay = options.MinDelay + ((options.MaxDelay - options.MinDelay) * State.Locked(_ => random.NextDouble()));
                await Task.Delay(delay, ct);
                Pick(pick);
            }

            var sent = await SendPendingAsync(ct);
            if (open.Count == 0 && !sent)
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    private void Pick(PickTask pick)
    {
        State.Locked(s =>
        {
            if (pick.Cancelled || pick.Picked >= pick.Quantity)
                return;
            var quantity = pick.Quantity - pick.Picked;
            var split = quantity >= 2 && random.NextDouble() < options.SplitRate;
            var parts = split ? new[] { Math.Floor(quantity / 2), quantity - Math.Floor(quantity / 2) } : [quantity];
            var confirmations = new List<PendingConfirmation>();
            foreach (var part in parts)
            {
                var sequence = pick.NextSequence++;
                var data = JsonSerializer.SerializeToElement(new
                {
                    plant = pick.Plant, allocation = pick.Allocation, sequence, location = pick.Location, lot = pick.Lot.Length == 0 ? null : pick.Lot,
                    quantity = new { value = part, unit = pick.Unit },
                });
                var now = TimeProvider.System.GetUtcNow();
                confirmations.Add(new PendingConfirmation($"{pick.Allocation}-{sequence}", "takt.inventory.wms-picked.v1", pick.Plant, data, now));
                if (random.NextDouble() < options.DuplicateRate)
                    confirmations.Add(new PendingConfirmation($"{pick.Allocation}-{sequence}-again", "takt.inventory.wms-picked.v1", pick.Plant, data, now));
            }

            if (split)
                confirmations.Reverse(); // the second part overtakes the first
            foreach (var confirmation in confirmations)
                s.Outgoing.Add(confirmation);
            var from = WmsState.Key(pick.Plant, pick.Item, pick.Location, pick.Lot);
            s.Stock[from] = (s.Stock.TryGetValue(from, out var had) ? had : 0m) - quantity;
            if (pick.Destination != "SHIP")
            {
                var to = WmsState.Key(pick.Plant, pick.Item, pick.Destination, pick.Lot);
                s.Stock[to] = (s.Stock.TryGetValue(to, out var has) ? has : 0m) + quantity;
            }

            pick.Picked = pick.Quantity;
        });
        State.Save(options.StatePath);
    }

    /// <summary>Sends waiting confirmations in order; stops at the first Takt does not accept (it is sent again later).</summary>
    private async Task<bool> SendPendingAsync(CancellationToken ct)
    {
        var any = false;
        while (State.Locked(s => s.Outgoing.FirstOrDefault()) is { } next)
        {
            var envelope = new JsonObject
            {
                ["specversion"] = "1.0",
                ["id"] = next.Id,
                ["source"] = options.Source,
                ["type"] = next.Type,
                ["time"] = next.Time.ToString("O", CultureInfo.InvariantCulture),
                ["datacontenttype"] = "application/json",
                ["data"] = JsonNode.Parse(next.Data.GetRawText()),
            };
            try
            {
                using var response = await takt.PostAsync("/api/v1/events", new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), ct);
                if ((int)response.StatusCode >= 500 || (int)response.StatusCode == 429)
                    return any;
                if (!response.IsSuccessStatusCode)
                    LogRefused(logger, next.Id, (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }
            catch (HttpRequestException)
            {
                return any; // Takt is down: try again on the next turn
            }

            State.Locked(s => s.Outgoing.Remove(next));
            State.Save(options.StatePath);
            any = true;
        }

        return any;
    }

    /// <summary>Posts the WMS's stock of a plant to Takt's reconciliation (as of now).</summary>
    public async Task<JsonElement> SendSnapshotAsync(string plant, CancellationToken ct)
    {
        var lines = State.Locked(s => s.Stock.Where(p => p.Key.StartsWith(plant + "|", StringComparison.Ordinal)).Select(p => p.Key.Split('|'))
            .Select(k => new { item = k[1], location = k[2], lot = k[3], quantity = s.Stock[string.Join('|', k)] }).ToList());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/inventory/reconciliations")
        {
            Content = JsonContent.Create(new { plant, takenAt = TimeProvider.System.GetUtcNow(), lines }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await takt.SendAsync(request, ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    private static readonly ILogger logger = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)).CreateLogger("Takt.WmsSimulator");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Takt refused confirmation {Id} ({Status}): {Body}")]
    private static partial void LogRefused(ILogger logger, string id, int status, string body);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        takt.Dispose();
        running?.Dispose();
    }
}
