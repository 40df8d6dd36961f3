using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// A real mosquitto broker, started by the test as a child process on a free port with its own configuration,
/// password file and persistence folder, and stopped the way an operator stops it (SIGTERM: it saves its sessions
/// and queued messages first). Needs Debian's <c>mosquitto</c> (scripts/ensure-test-deps.sh installs it); the
/// system service is not used.
/// </summary>
public sealed partial class Mosquitto : IAsyncDisposable
{
    public const string TaktUser = "takt";
    public const string TaktPassword = "takt-intake-secret";

    private const string Executable = "/usr/sbin/mosquitto";
    private const string PasswordTool = "/usr/bin/mosquitto_passwd";
    private readonly DirectoryInfo directory;
    private Process? process;

    private Mosquitto(DirectoryInfo directory, int port)
    {
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Config => Path.Combine(directory.FullName, "mosquitto.conf");

    /// <summary>The broker's own log, for failure messages.</summary>
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";

    private string LogFile => Path.Combine(directory.FullName, "mosquitto.log");

    public static async Task<Mosquitto> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"{Executable} is missing on CI: scripts/ensure-test-deps.sh installs mosquitto.");
            Assert.Skip($"MQTT tests need {Executable} (apt-get install mosquitto; scripts/ensure-test-deps.sh does it).");
        }

        var folder = Directory.CreateTempSubdirectory("takt-mosquitto-");
        Directory.CreateDirectory(Path.Combine(folder.FullName, "data"));
        var passwords = Path.Combine(folder.FullName, "passwd");
        await RunAsync(PasswordTool, "-c", "-b", passwords, TaktUser, TaktPassword);
        // Only the intake until Takt's registry has clients: WriteAccessAsync replaces both files with generated ones.
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "acl"), Integration.Mqtt.MqttCredentials.AclFile(TaktUser, "takt"));
        var broker = new Mosquitto(folder, FreePort());
        await File.WriteAllTextAsync(broker.Config, $"""
            listener {broker.Port} 127.0.0.1
            allow_anonymous false
            password_file {passwords}
            acl_file {folder.FullName}/acl
            persistence true
            persistence_location {folder.FullName}/data/
            autosave_interval 1
            max_queued_messages 0
            user root
            log_dest file {broker.LogFile}
            log_type error
            log_type warning
            log_type notice
            log_type information
            """);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>Starts the broker (again) on the same port, configuration and persistence.</summary>
    public async Task StartAgainAsync()
    {
        process = Process.Start(new ProcessStartInfo(Executable, ["-c", Config]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("mosquitto did not start.");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Replaces the password file and ACL with those Takt generated from its registry, and reloads (SIGHUP).</summary>
    public async Task WriteAccessAsync(Integration.Mqtt.MqttBrokerFiles files)
    {
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "passwd"), files.PasswordFile);
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "acl"), files.AclFile);
        if (process is not null && Kill(process.Id, 1) != 0)
            throw new InvalidOperationException($"kill -HUP {process.Id} failed: {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGTERM, as systemd stops it: mosquitto writes its sessions and queued messages, then exits.</summary>
    public async Task StopAsync()
    {
        if (process is null || process.HasExited)
            return;
        if (Kill(process.Id, 15) != 0)
            throw new InvalidOperationException($"kill -TERM {process.Id} failed: {Marshal.GetLastPInvokeError()}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        process.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
            process?.Kill();
        }

        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The temp folder is cleaned by the OS.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        using var tool = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = await tool.StandardError.ReadToEndAsync() + await tool.StandardOutput.ReadToEndAsync();
        await tool.WaitForExitAsync();
        if (tool.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({tool.ExitCode}): {output}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
