using Npgsql;
using Takt.Store;
using Xunit;

namespace Takt.Testing;

/// <summary>
/// A fresh, empty database for one test class: a SQLite file in a temp folder, or a new PostgreSQL database
/// created from <c>TAKT_TEST_POSTGRES</c>. Without that variable PostgreSQL tests fail on CI and are skipped
/// (with the reason) elsewhere.
/// </summary>
public sealed class TaktDatabase : IAsyncDisposable
{
    private readonly Func<Task> cleanup;

    private TaktDatabase(string name, string connection, Func<Task> cleanup)
    {
        Name = name;
        Connection = connection;
        this.cleanup = cleanup;
    }

    /// <summary>"sqlite" or "postgres".</summary>
    public string Name { get; }

    /// <summary>What <c>--db</c> takes: a file path or a connection string.</summary>
    public string Connection { get; }

    public TaktStore Store => TaktStore.Open(Connection);

    public static Task<TaktDatabase> CreateAsync(string engine) => engine switch
    {
        "sqlite" => Task.FromResult(Sqlite()),
        "postgres" => PostgresAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "sqlite or postgres"),
    };

    public static TaktDatabase Sqlite()
    {
        var directory = Directory.CreateTempSubdirectory("takt-test-");
        return new TaktDatabase("sqlite", Path.Combine(directory.FullName, "takt.db"), () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A process under test may still hold the file; the temp folder is cleaned by the OS.
            }

            return Task.CompletedTask;
        });
    }

    public static async Task<TaktDatabase> PostgresAsync()
    {
        var admin = PostgresConnectionString();
        var name = "takt_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TaktDatabase("postgres", builder.ConnectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        });
    }

    /// <summary>The admin connection string, or a skip (locally) / failure (on CI) when it is not set.</summary>
    public static string PostgresConnectionString()
    {
        var value = Environment.GetEnvironmentVariable("TAKT_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(value))
            return value;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("TAKT_TEST_POSTGRES is not set on CI: ./test.sh sets it after starting PostgreSQL.");
        Assert.Skip("PostgreSQL tests need TAKT_TEST_POSTGRES (./test.sh starts PostgreSQL and sets it).");
        return "";
    }

    public async ValueTask DisposeAsync() => await cleanup();

    public override string ToString() => Name;
}
