using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Takt.Integration.Access;
using Takt.Store;

namespace Takt.Server.Web;

/// <summary>What the console's live outage run shows: its state (<c>idle</c>: never run, <c>running</c>, <c>finished</c> or <c>failed</c>), its steps so far, and how it ended.</summary>
public sealed record OutageRunView(string State, string? StartedBy, DateTimeOffset? StartedAt, IReadOnlyList<OutageStep> Steps, IReadOnlyList<OutageExpedite> Expedites, string? Error);

/// <summary>
/// Runs the reference scenario (<see cref="OutageScenario"/>, as <c>takt demo outage --url</c>) against this server from
/// the console, one run at a time: it registers a client of its own (all scopes, the scenario speaks the public API)
/// and collects each step as it completes, for the page to poll.
/// </summary>
public sealed class OutageRunner(IServiceProvider services, IHostApplicationLifetime lifetime)
{
    /// <summary>Roles that may start it: it changes the plan, raises requisitions and posts accruals at Plant A.</summary>
    public static readonly string[] Roles = ["plant-manager", "cfo"];

    public const string Plant = "PA01";

    private readonly Lock gate = new();
    private string state = "idle";
    private string? startedBy;
    private DateTimeOffset? startedAt;
    private readonly List<OutageStep> steps = [];
    private IReadOnlyList<OutageExpedite> expedites = [];
    private string? error;

    public static bool MayRun(ConsoleUser user) => user.MaySee(Plant) && user.Roles.Any(r => Roles.Contains(r, StringComparer.Ordinal));

    public OutageRunView View()
    {
        lock (gate)
            return new OutageRunView(state, startedBy, startedAt, [.. steps], expedites, error);
    }

    /// <summary>Starts a run for <paramref name="user"/>; false (nothing started) when one is running or the person may not.</summary>
    public bool TryStart(ConsoleUser user, TimeProvider clock)
    {
        if (!MayRun(user))
            return false;
        lock (gate)
        {
            if (state == "running")
                return false;
            (state, startedBy, startedAt, error, expedites) = ("running", user.Name, clock.GetUtcNow(), null, []);
            steps.Clear();
        }

        _ = Task.Run(() => RunAsync(user.Name, lifetime.ApplicationStopping));
        return true;
    }

    private async Task RunAsync(string user, CancellationToken ct)
    {
        try
        {
            var store = services.GetRequiredService<TaktStore>();
            var registered = await ClientRegistry.RegisterAsync(store, services.GetRequiredService<AccessClock>().Time, services.GetRequiredService<AccessOptions>(),
                new NewClient("console-outage-" + Guid.NewGuid().ToString("N")[..8], $"live outage demo started by {user} in the console", "demo", [.. Scopes.All], ["*"], RateLimitPerMinute: 1_000_000, RateLimitBurst: 100_000), ct);
            if (registered.IsRejected)
                throw new InvalidOperationException(string.Join("; ", registered.Violations.Select(v => v.Detail)));
            var key = registered.Value.Key.ApiKey;
            using var http = new HttpClient { BaseAddress = new Uri(Address()), Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
            var made = await OutageScenario.RunAsync(http, key, "PA01-CNC1", 36m, s =>
            {
                lock (gate)
                    steps.Add(s);
            }, ct);
            lock (gate)
                (state, expedites) = ("finished", made);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            lock (gate)
                (state, error) = ("failed", e.Message);
        }
    }

    /// <summary>This server's own address (a wildcard host becomes the loopback).</summary>
    private string Address()
    {
        var address = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        foreach (var wildcard in new[] { "://+:", "://*:", "://0.0.0.0:", "://[::]:" })
            address = address.Replace(wildcard, "://127.0.0.1:", StringComparison.Ordinal);
        return address;
    }
}
