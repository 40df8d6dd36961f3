using Xunit;

namespace Takt.Testing;

/// <summary>
/// One server and one fresh database per test class (xunit class fixture). Contract tests are written once
/// against <see cref="HostFixture"/> and run on both engines through <see cref="SqliteHost"/> and
/// <see cref="PostgresHost"/>.
/// </summary>
public abstract class HostFixture(string engine) : IAsyncLifetime
{
    private TaktHost? host;
    private TaktDatabase? database;
    private string? skipReason;

    public string Engine { get; } = engine;

    /// <summary>Settings applied before the server starts (subclasses override).</summary>
    protected virtual void Configure(Takt.Server.ServerSettings settings)
    {
    }

    public TaktHost Host
    {
        get
        {
            if (skipReason is not null)
                Assert.Skip(skipReason);
            return host ?? throw new InvalidOperationException("The host did not start.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (Engine == "postgres" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TAKT_TEST_POSTGRES"))
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            skipReason = "PostgreSQL tests need TAKT_TEST_POSTGRES (./test.sh starts PostgreSQL and sets it).";
            return;
        }

        database = await TaktDatabase.CreateAsync(Engine);
        host = await TaktHost.StartAsync(database, Configure);
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
            await host.DisposeAsync();
        if (database is not null)
            await database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteHost() : HostFixture("sqlite");

public sealed class PostgresHost() : HostFixture("postgres");
