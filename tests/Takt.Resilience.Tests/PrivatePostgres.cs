using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// A PostgreSQL 15 cluster of the test's own, in a temp folder on a free port, so that it can be crashed and
/// restarted without disturbing the shared server the other tests use. Needs root (the server runs as the
/// <c>postgres</c> user through <c>runuser</c>) and Debian's server binaries, as CI has (scripts/ensure-postgres.sh).
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string directory;
    private int port;

    private PrivatePostgres(string directory, int port)
    {
        this.directory = directory;
        this.port = port;
    }

    public string Data => Path.Combine(directory, "data");

    /// <summary>The cluster's <c>takt</c> database (superuser <c>takt</c>, trust authentication on loopback).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={port};Username=takt;Database=takt;Pooling=true;Timeout=5;Command Timeout=30";

    /// <summary>Why this machine cannot run a private cluster, or null.</summary>
    public static string? Unavailable() =>
        !OperatingSystem.IsLinux() || Environment.UserName != "root" ? "A private PostgreSQL cluster needs root (runuser -u postgres)."
        : !File.Exists(Path.Combine(Bin, "initdb")) ? $"No PostgreSQL 15 server binaries in {Bin} (scripts/ensure-postgres.sh installs them)."
        : null;

    public static async Task<PrivatePostgres> StartAsync(CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("takt-pg-").FullName;
        await RunAsync("chown", ["postgres:postgres", folder], ct);
        var cluster = new PrivatePostgres(folder, FreePort());
        await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, "initdb"), "-D", cluster.Data, "-U", "takt", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"], ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await cluster.StartServerAsync(ct);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the free port between the probe and the server's bind (tests run in parallel): take another.
                cluster.port = FreePort();
            }
        }

        await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={cluster.port};Username=takt;Database=postgres;Pooling=false"))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand("CREATE DATABASE takt", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        return cluster;
    }

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public Task StartServerAsync(CancellationToken ct) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, "pg_ctl"), "-D", Data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=100", "start"], ct);

    /// <summary>Stops the server the way a crash does (immediate: no checkpoint, connections cut; recovery replays the WAL at the next start).</summary>
    public Task CrashAsync(CancellationToken ct) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, "pg_ctl"), "-D", Data, "-m", "immediate", "-w", "stop"], ct);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, "pg_ctl"), "-D", Data, "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        // pg_ctl start leaves the server running with the pipes: read to the end only what the command itself printed.
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
