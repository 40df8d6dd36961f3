using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Orchestration.Engine;

/// <summary>
/// Runs due flow work in this process: woken by commits that schedule work, and polling for timers. Several
/// processes on one PostgreSQL each run one; SKIP LOCKED splits the rows between them.
/// </summary>
internal sealed partial class FlowWorker(TaktStore store, FlowEngine engine, OrchestrationOptions options, TimeProvider clock, ILogger<FlowWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Timers fall due by the business clock; the loop waits on real time.
        BackgroundTurns.RunAsync(store, clock, () => engine.NextWake, async (session, ct) => await engine.RunDueAsync(session, options.BatchSize, ct) > 0,
            options.PollInterval, ex => LogStoreUnavailable(logger, ex), stoppingToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow worker cannot reach the store; retrying")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception error);
}
