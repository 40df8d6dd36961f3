using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Takt.Integration.Webhooks;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// A fresh database and server per test, with webhook timings small enough for tests (1 s timeout, 50–400 ms
/// backoff, 100 ms polling) and the circuit breaker as the test class needs it; helpers to post, read the outbox and
/// wait. PostgreSQL tests skip without TAKT_TEST_POSTGRES outside CI.
/// </summary>
public abstract class WebhookHostContract(string engine, int breakMinimumThroughput, TimeSpan breakDuration) : IAsyncLifetime
{
    private TaktDatabase? database;
    private TaktHost? host;

    protected TaktHost Host => host!;

    public async ValueTask InitializeAsync()
    {
        if (engine == "postgres" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TAKT_TEST_POSTGRES"))
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            return;
        database = await TaktDatabase.CreateAsync(engine);
        host = await StartHostAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
            await host.DisposeAsync();
        if (database is not null)
            await database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the server, runs <paramref name="whileDown"/>, and starts a new one on the same database.</summary>
    protected async Task RestartHostAsync(Action? whileDown = null)
    {
        await host!.DisposeAsync();
        host = null;
        whileDown?.Invoke();
        host = await StartHostAsync();
    }

    private async Task<TaktHost> StartHostAsync() =>
        await TaktHost.StartAsync(database!, settings =>
        {
            settings.MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Critical;
            settings.ConfigureServices = services => services.AddSingleton(new WebhookOptions
            {
                Timeout = TimeSpan.FromSeconds(1),
                BaseDelay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromMilliseconds(400),
                PollInterval = TimeSpan.FromMilliseconds(100),
                BreakMinimumThroughput = breakMinimumThroughput,
                BreakDuration = breakDuration,
            });
        });

    protected void SkipWithoutPostgres()
    {
        if (host is null)
            Assert.Skip("PostgreSQL tests need TAKT_TEST_POSTGRES (./test.sh starts PostgreSQL and sets it).");
    }

    protected async Task PostAsync(params System.Text.Json.Nodes.JsonObject[] events)
    {
        using var response = await Host.PostBatchAsync(events);
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
    }

    /// <summary>The ids of the published messages of these types (and plant), in log order.</summary>
    protected async Task<IReadOnlyList<string>> PublishedAsync(string[] types, string? plant) =>
        [.. (await Tables.QueryAsync<(long Seq, string Id, string Type, string? Plant)>(Host.Store, "SELECT seq, id, type, plant FROM store_outbox_message ORDER BY seq"))
            .Where(m => types.Contains(m.Type) && (plant is null || m.Plant == plant))
            .Select(m => m.Id)];

    protected static async Task WaitAsync(Func<bool> done, string what) => await WaitAsync(() => Task.FromResult(done()), what);

    /// <summary>Waits for a state (generous limit; no timing is asserted).</summary>
    protected static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await done())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"Waited a minute for {what}.");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
