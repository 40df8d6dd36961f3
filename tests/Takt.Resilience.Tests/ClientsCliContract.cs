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

    [GeneratedRegex("takt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex KeyPattern();
}

public sealed class ClientsCliOnSqlite(SqliteHost fixture) : ClientsCliContract<SqliteHost>(fixture);

public sealed class ClientsCliOnPostgres(PostgresHost fixture) : ClientsCliContract<PostgresHost>(fixture);
