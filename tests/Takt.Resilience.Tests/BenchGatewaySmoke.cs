using System.Text.Json;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// <c>takt bench gateway</c> with a tiny N, the real command in its own process (its own database, its own
/// mosquitto): it finishes and reports every path in the documented shape. Not a timed test: no figure is asserted
/// beyond "something was measured".
/// </summary>
public sealed class BenchGatewaySmoke
{
    [Fact]
    public async Task the_gateway_bench_runs_with_a_tiny_n_and_reports_every_path()
    {
        if (!File.Exists("/usr/sbin/mosquitto"))
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "/usr/sbin/mosquitto is missing on CI.");
            Assert.Skip("The gateway bench needs /usr/sbin/mosquitto (scripts/ensure-test-deps.sh installs it).");
        }

        var work = Directory.CreateTempSubdirectory("takt-bench-smoke-").FullName;
        var file = Path.Combine(work, "gateway.json");
        var (exitCode, output) = await TaktProcess.RunAsync(
            ["bench", "gateway", "--db", "sqlite", "--events", "50", "--batch", "10", "--subscriptions", "2", "--json", file], work, TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, output);
        Assert.Contains("webhook fan-out", output, StringComparison.Ordinal);

        var result = JsonDocument.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("Sqlite", result.GetProperty("engine").GetString());
        Assert.Equal(2, result.GetProperty("subscriptions").GetInt32());
        foreach (var path in new[] { "rawCeiling", "http", "mqtt" })
        {
            var m = result.GetProperty(path);
            Assert.Equal((50, 50, 0), (m.GetProperty("events").GetInt32(), m.GetProperty("accepted").GetInt32(), m.GetProperty("rejected").GetInt32()));
            Assert.True(m.GetProperty("eventsPerSecond").GetDouble() > 0, path);
        }

        var fanOut = result.GetProperty("webhookFanOut");
        Assert.Equal(100, fanOut.GetProperty("events").GetInt32()); // 2 subscriptions × the last 50 published messages
        Assert.Equal(100, fanOut.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("invalidSignatures").GetInt32());
        foreach (var ratio in new[] { "httpToCeiling", "mqttToCeiling", "webhooksToCeiling" })
            Assert.True(result.GetProperty(ratio).GetDouble() > 0, ratio);
    }
}
