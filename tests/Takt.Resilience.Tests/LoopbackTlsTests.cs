using Npgsql;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// PostgreSQL connections to a loopback host skip TLS unless the connection string names a mode (the bytes never
/// leave the machine, and TLS cost a third of the flow benchmark's CPU); any other host keeps Npgsql's default.
/// </summary>
public sealed class LoopbackTlsTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Username=u;Database=d", SslMode.Disable)]
    [InlineData("Host=localhost;Port=5433;Username=u;Database=d", SslMode.Disable)]
    [InlineData("Host=::1;Username=u;Database=d", SslMode.Disable)]
    [InlineData("Host=/var/run/postgresql;Username=u;Database=d", SslMode.Disable)]
    [InlineData("postgres://u:p@127.0.0.1:5432/d", SslMode.Disable)]
    [InlineData("Host=db.plant-a.example;Username=u;Database=d", SslMode.Prefer)]
    [InlineData("Host=10.0.0.5;Username=u;Database=d", SslMode.Prefer)]
    [InlineData("Host=127.0.0.1,db.plant-a.example;Username=u;Database=d", SslMode.Prefer)]
    [InlineData("Host=127.0.0.1;Username=u;Database=d;SSL Mode=Require", SslMode.Require)]
    [InlineData("Host=localhost;Username=u;Database=d;SslMode=VerifyFull", SslMode.VerifyFull)]
    public void the_mode_follows_the_host_unless_one_is_named(string database, SslMode expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(TaktStore.Open(database).ConnectionString).SslMode);

    [Fact]
    public async Task a_loopback_connection_to_the_test_server_is_not_encrypted()
    {
        var admin = new NpgsqlConnectionStringBuilder(TaktDatabase.PostgresConnectionString());
        Assert.SkipUnless(admin.Host is "127.0.0.1" or "localhost", "The test server is not on this machine.");
        var store = TaktStore.Open(admin.ConnectionString);
        await using var connection = await store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        Assert.Equal(false, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
