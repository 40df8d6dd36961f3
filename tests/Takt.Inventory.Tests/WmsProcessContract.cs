using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>
/// The reference WMS simulator as the separate OS process the demo runs (<c>Takt.WmsSimulator</c>): instructions reach
/// it by webhook, its confirmations come back through the gateway, all over real HTTP. It is killed hard while
/// instructions are in flight and restarted from its state file; afterwards every allocation is picked once on both
/// sides and both sides hold the same stock.
/// </summary>
public abstract class WmsProcessContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static readonly string[] PickEvents = ["takt.inventory.pick-instructed.v1", "takt.inventory.pick-changed.v1", "takt.inventory.pick-cancelled.v1"];

    [Fact]
    public async Task a_wms_process_killed_and_restarted_from_its_state_applies_every_pick_once_and_ends_with_takts_stock()
    {
        var locations = await LocationsAsync(Host, "PA01", "WP", 2);
        await PostOkAsync(Host, "PA01", Line("receipt", "FG-1000", 50m, locations[0], "P2026-01"), Line("receipt", "SF-2000", 20m, locations[1], "P2026-02"));
        var key = await Host.RegisterClientAsync("wms-sim-process", [Scopes.EventsProductionWrite, Scopes.InventoryRead, Scopes.InventoryWrite, Scopes.WebhooksManage], ["PA01"]);
        var port = FreePort();
        var wmsUrl = new Uri($"http://127.0.0.1:{port}/");
        using var wmsHttp = Host.HttpWith(key.ApiKey);
        var subscribed = await PostAsync(wmsHttp, "/api/v1/webhooks", new { url = new Uri(wmsUrl, "webhook"), eventTypes = PickEvents, ordered = true, maxAttempts = 50 });
        var secret = subscribed.GetProperty("secret").GetString()!;
        var directory = Directory.CreateTempSubdirectory("takt-wms-");
        var state = Path.Combine(directory.FullName, "wms.json");
        string[] Arguments(bool seed) =>
        [
            "--takt", Host.Http.BaseAddress!.ToString(), "--api-key", key.ApiKey, "--urls", wmsUrl.ToString().TrimEnd('/'), "--secret", secret, "--state", state,
            "--failure-rate", "0.2", "--split-rate", "0.5", "--duplicate-rate", "0.3", "--min-delay-ms", "5", "--max-delay-ms", "40", .. (seed ? SeedArguments : []),
        ];

        var date = PlantCalendar.PostingDate("PA01", Host.Settings.Clock.GetUtcNow()).AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reservations = new List<string>();
        async Task ReserveAndAllocateAsync(string item, decimal quantity, string kind, string reference)
        {
            var reservation = await PostAsync(Host.Http, "/api/v1/reservations", new { plant = "PA01", item, quantity = Qty(quantity), kind, reference, requirementDate = date });
            reservations.Add(reservation.GetProperty("id").GetString()!);
            var (location, lot) = item == "FG-1000" ? (locations[0], "P2026-01") : (locations[1], "P2026-02");
            await PostAsync(Host.Http, $"/api/v1/reservations/{reservations[^1]}/allocations", new { location, lot });
        }

        var wms = await StartAsync(Arguments(seed: true));
        try
        {
            await ReserveAndAllocateAsync("FG-1000", 12m, "outbound-delivery", "DLV-P1");
            await ReserveAndAllocateAsync("SF-2000", 7m, "production-order", "PA01-P100");
            await ReserveAndAllocateAsync("FG-1000", 9m, "outbound-delivery", "DLV-P2");

            // Killed hard (no shutdown): whatever it had taken or picked is in its state file, the rest Takt delivers again.
            wms.Kill(entireProcessTree: true);
            await wms.WaitForExitAsync(Ct);
            wms.Dispose();
            await ReserveAndAllocateAsync("SF-2000", 5m, "production-order", "PA01-P101");
            await ReserveAndAllocateAsync("FG-1000", 4m, "outbound-delivery", "DLV-P3");
            await WaitAsync(async () => await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_retry WHERE status = 'pending' AND last_error IS NOT NULL") > 0, "a failed delivery while the WMS is down");

            wms = await StartAsync(Arguments(seed: false));
            using var wmsClient = new HttpClient { BaseAddress = wmsUrl };
            await WaitAsync(async () => await CountAsync(Host, "SELECT COUNT(*) FROM inventory_allocation WHERE status = 'instructed'") == 0, "every pick confirmed and applied");
            await Host.DrainOutboxAsync();

            // Every allocation was picked in full, once: duplicates and re-sent confirmations were recorded and changed nothing.
            foreach (var reservation in reservations)
            {
                var view = await Host.GetAsync<JsonElement>($"/api/v1/reservations/{reservation}");
                Assert.Equal(("completed", view.GetProperty("quantity").GetDecimal()), (view.GetProperty("status").GetString(), view.GetProperty("picked").GetDecimal()));
            }

            Assert.Equal(0, await CountAsync(Host, "SELECT COUNT(*) FROM inventory_wms_confirmation WHERE status = 'parked'"));
            Assert.Equal(0, await CountAsync(Host, "SELECT COUNT(*) FROM (SELECT reference, sequence FROM inventory_wms_confirmation WHERE status = 'applied' GROUP BY reference, sequence HAVING COUNT(*) > 1) d"));

            // Both sides hold the same stock in every storage location (the WMS process answers GET /stock).
            var wmsStock = await wmsClient.GetFromJsonAsync<Dictionary<string, decimal>>("/stock", Ct);
            var takt = (await Host.GetAsync<List<Bin>>("/api/v1/stock/bins?plant=PA01"))
                .Where(b => b.Location.Length > 0 && b.Status == "unrestricted" && b.Quantity != 0)
                .ToDictionary(b => $"PA01|{b.Item}|{b.Location}|{b.Lot}", b => b.Quantity);
            Assert.Equal(takt.OrderBy(p => p.Key, StringComparer.Ordinal), wmsStock!.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(25m, takt[$"PA01|FG-1000|{locations[0]}|P2026-01"]); // 50 − 12 − 9 − 4
            Assert.Equal(8m, takt[$"PA01|SF-2000|{locations[1]}|P2026-02"]); // 20 − 7 − 5, staged for the two orders
            Assert.Equal(12m, takt["PA01|SF-2000|PSA|P2026-02"]);
        }
        finally
        {
            if (!wms.HasExited)
                wms.Kill(entireProcessTree: true);
            wms.Dispose();
            directory.Delete(recursive: true);
        }
    }

    private static readonly string[] SeedArguments = ["--plant", "PA01", "--seed-stock"];

    /// <summary>Starts the simulator's own executable and waits until it listens.</summary>
    private static async Task<Process> StartAsync(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Takt.WmsSimulator.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(Ct);
        var line = await process.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromMinutes(1), Ct);
        Assert.True(line is not null && line.StartsWith("WMS simulator listening on", StringComparison.Ordinal), $"The simulator did not start: {line} {(process.HasExited ? await errors : "")}");
        _ = process.StandardOutput.ReadToEndAsync(Ct); // keep draining
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await done())
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"Still waiting for {what}.");
            await Task.Delay(50, Ct);
        }
    }
}

public sealed class WmsProcessOnSqlite(WmsSqliteHost fixture) : WmsProcessContract<WmsSqliteHost>(fixture);

public sealed class WmsProcessOnPostgres(WmsPostgresHost fixture) : WmsProcessContract<WmsPostgresHost>(fixture);
