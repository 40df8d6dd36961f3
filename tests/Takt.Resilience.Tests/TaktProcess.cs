using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Takt.Resilience.Tests;

/// <summary>
/// The real <c>takt</c> command in a separate process (<c>dotnet takt.dll …</c>): a server that can be killed
/// with SIGKILL, or a one-shot command such as <c>takt deadletters list</c>. takt.dll sits next to this
/// assembly because the test project references the CLI project.
/// </summary>
internal sealed class TaktProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private TaktProcess(Process process, Uri? address)
    {
        this.process = process;
        Address = address;
    }

    /// <summary>Where the server listens (null for one-shot commands).</summary>
    public Uri? Address { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
                return output.ToString();
        }
    }

    public static string TaktDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "takt.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException("takt.dll is not next to the test assembly; the project reference to Takt.Cli copies it there.", path);
        }
    }

    /// <summary>Starts <c>takt run --db … --urls http://127.0.0.1:port</c> on a free port and waits until /health answers.</summary>
    public static async Task<TaktProcess> StartServerAsync(string database, string workingDirectory, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartServerAsync(database, workingDirectory, ct);
            }
            catch (PortTakenException) when (attempt < 3)
            {
                // Another process bound the free port between our probe and the server's bind: take another.
            }
        }
    }

    private static async Task<TaktProcess> TryStartServerAsync(string database, string workingDirectory, CancellationToken ct)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var server = Start(["run", "--db", database, "--urls", address.ToString().TrimEnd('/')], workingDirectory, address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (server.HasExited)
            {
                await server.process.WaitForExitAsync(ct);
                var printed = server.Output;
                var exitCode = server.process.ExitCode;
                server.process.Dispose();
                throw printed.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new PortTakenException(printed)
                    : new InvalidOperationException($"takt run exited with {exitCode} before it answered:\n{printed}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(address, "/health"), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                    return server;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Busy starting.
            }

            // A generous limit for a loaded 2-core machine: a hang, not slowness, should fail here. (`takt run` answers in
            // about 13 s on a quiet machine, demo data and the cold-start model included; the CI run's parallel test
            // projects once held a first start past two minutes.)
            if (waited.Elapsed > TimeSpan.FromMinutes(4))
            {
                await server.DisposeAsync();
                throw new TimeoutException($"takt run did not answer /health:\n{server.Output}");
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>
    /// The admin key <c>takt run</c> prints once on a new database (README: Clients and access); waits for the line,
    /// since output arrives asynchronously.
    /// </summary>
    public async Task<string> BootstrapKeyAsync(CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var match = System.Text.RegularExpressions.Regex.Match(Output, @"X-Api-Key: (?<key>takt_\S+)", System.Text.RegularExpressions.RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));
            if (match.Success)
                return match.Groups["key"].Value;
            if (waited.Elapsed > TimeSpan.FromMinutes(1))
                throw new TimeoutException($"takt run printed no bootstrap credential:\n{Output}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Runs a one-shot command to its end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> arguments, string workingDirectory, CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var command = Start(arguments, workingDirectory, null, environment);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await command.process.WaitForExitAsync(timeout.Token);
        return (command.process.ExitCode, command.Output);
    }

    /// <summary>kill -9: <see cref="Process.Kill()"/> sends SIGKILL on Linux; nothing in the server runs after it.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }

    private static TaktProcess Start(IReadOnlyList<string> arguments, string workingDirectory, Uri? address, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(TaktDll);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        // Plain console output, no colour codes.
        info.Environment["NO_COLOR"] = "1";
        info.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>(StringComparer.Ordinal))
            info.Environment[name] = value;

        var child = new Process { StartInfo = info };
        var started = new TaktProcess(child, address);
        child.OutputDataReceived += (_, e) => started.Append(e.Data);
        child.ErrorDataReceived += (_, e) => started.Append(e.Data);
        if (!child.Start())
            throw new InvalidOperationException("dotnet did not start.");
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return started;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal sealed class PortTakenException(string output) : Exception(output);
