using System.Net;
using System.Text.RegularExpressions;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// <c>takt clients add|list|rotate|revoke --db</c>, the real command in its own process, on the database of a
/// running server: what the command does is what the server enforces.
/// </summary>
public abstract partial class ClientsCliContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private async Task<(int ExitCode, string Output)> TaktAsync(params string[] arguments)
    {
        var work = Directory.CreateTempSubdirectory("takt-cli-").FullName;
        return await TaktProcess.RunAsync(["clients", .. arguments, "--db", Host.Database.Connection], work, TestContext.Current.CancellationToken);
    }

    private async Task<HttpStatusCode> ReadAsync(string apiKey, string plant)
    {
        using var response = await Host.HttpWith(apiKey).GetAsync($"/api/v1/production-orders?plant={plant}&limit=1", TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private static string KeyIn(string output)
    {
        var match = KeyPattern().Match(output);
        Assert.True(match.Success, "No API key printed:\n" + output);
        return match.Value;
    }

    [Fact]
    public async Task a_client_added_rotated_and_revoked_by_the_command_is_what_the_server_enforces()
    {
        var (added, addOutput) = await TaktAsync("add", "--id", "cli-mes", "--name", "MES Plant A", "--owner", "ops", "--scope", "production:read", "--plant", "PA01");
        Assert.True(added == 0, addOutput);
        var first = KeyIn(addOutput);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Forbidden), (await ReadAsync(first, "PA01"), await ReadAsync(first, "PB01")));

        var (listed, listOutput) = await TaktAsync("list");
        Assert.True(listed == 0, listOutput);
        var row = Assert.Single(CliTable.Rows(listOutput), r => r[0] == "cli-mes");
        Assert.Equal(("production:read", "PA01", "active"), (row[3], row[4], row[8]));
        Assert.DoesNotContain(first, listOutput, StringComparison.Ordinal);

        var (rotated, rotateOutput) = await TaktAsync("rotate", "--id", "cli-mes");
        Assert.True(rotated == 0, rotateOutput);
        var second = KeyIn(rotateOutput);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (await ReadAsync(first, "PA01"), await ReadAsync(second, "PA01")));

        var (revoked, revokeOutput) = await TaktAsync("revoke", "--id", "cli-mes");
        Assert.True(revoked == 0, revokeOutput);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadAsync(second, "PA01"));
    }

    [Fact]
    public async Task an_invalid_client_is_refused_with_the_rule_and_written_nowhere()
    {
        var before = await Tables.SnapshotAsync(Host.Store);

        var (exitCode, output) = await TaktAsync("add", "--id", "cli-bad", "--name", "Bad", "--owner", "ops", "--scope", "everything:write", "--plant", "PA01");

        Assert.Equal(1, exitCode);
        Assert.Contains("client.scope-unknown", output, StringComparison.Ordinal);
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task an_mqtt_login_given_by_the_command_is_in_the_broker_files_it_writes_and_a_revoked_client_is_not()
    {
        Assert.Equal(0, (await TaktAsync("add", "--id", "cli-mqtt", "--name", "MES line", "--owner", "ops", "--scope", "events:production:write", "--plant", "PA01")).ExitCode);
        Assert.Equal(0, (await TaktAsync("add", "--id", "cli-mqtt-gone", "--name", "Old MES", "--owner", "ops", "--scope", "events:production:write", "--plant", "PA01")).ExitCode);
        var (issued, issueOutput) = await TaktAsync("mqtt", "--id", "cli-mqtt");
        Assert.True(issued == 0, issueOutput);
        Assert.Contains("takt/<plant>/<line>/<event>/cli-mqtt", issueOutput, StringComparison.Ordinal);
        var password = issueOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        Assert.Equal(0, (await TaktAsync("mqtt", "--id", "cli-mqtt-gone")).ExitCode);
        Assert.Equal(0, (await TaktAsync("revoke", "--id", "cli-mqtt-gone")).ExitCode);
        var (unknown, unknownOutput) = await TaktAsync("mqtt", "--id", "cli-nobody");
        Assert.Equal((1, true), (unknown, unknownOutput.Contains("client.unknown", StringComparison.Ordinal)));

        var folder = Directory.CreateTempSubdirectory("takt-broker-").FullName;
        var (refused, refusedOutput) = await TaktAsync("mqtt-broker", "--out", folder);
        Assert.Equal((1, true), (refused, refusedOutput.Contains("mqtt.intake-password-required", StringComparison.Ordinal)));
        var (written, writtenOutput) = await TaktProcess.RunAsync(["clients", "mqtt-broker", "--out", folder, "--db", Host.Database.Connection],
            folder, TestContext.Current.CancellationToken, new Dictionary<string, string>(StringComparer.Ordinal) { ["TAKT_MQTT_PASSWORD"] = "intake-secret" });
        Assert.True(written == 0, writtenOutput);

        var users = File.ReadAllLines(Path.Combine(folder, "passwd")).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.Contains("cli-mqtt", users.Keys);
        Assert.Contains("takt", users.Keys);
        Assert.DoesNotContain("cli-mqtt-gone", users.Keys);
        Assert.StartsWith("$7$101$", users["cli-mqtt"], StringComparison.Ordinal);
        Assert.DoesNotContain(password, File.ReadAllText(Path.Combine(folder, "passwd")), StringComparison.Ordinal);
        Assert.Contains("pattern write takt/+/+/+/%u", File.ReadAllText(Path.Combine(folder, "acl")), StringComparison.Ordinal);

        // The hash is mosquitto's PBKDF2-SHA512 of the printed password (the broker test logs in with it for real).
        var parts = users["cli-mqtt"].Split('$');
        var derived = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password), Convert.FromBase64String(parts[3]), 101, System.Security.Cryptography.HashAlgorithmName.SHA512, 64);
        Assert.Equal(parts[4], Convert.ToBase64String(derived));
    }

    [GeneratedRegex("takt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex KeyPattern();
}

public sealed class ClientsCliOnSqlite(SqliteHost fixture) : ClientsCliContract<SqliteHost>(fixture);

public sealed class ClientsCliOnPostgres(PostgresHost fixture) : ClientsCliContract<PostgresHost>(fixture);
