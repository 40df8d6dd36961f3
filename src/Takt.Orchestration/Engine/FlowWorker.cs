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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var session = await store.OpenSessionAsync(clock, stoppingToken, background: true);
                while (!stoppingToken.IsCancellationRequested)
                {
                    var next = engine.NextWake;
                    if (await engine.RunDueAsync(session, options.BatchSize, stoppingToken) > 0)
                        continue;
                    try
                    {
                        // Real time, not the business clock: a test's fake clock moves timers, not this poll.
                        await next.WaitAsync(options.PollInterval, TimeProvider.System, stoppingToken);
                    }
                    catch (TimeoutException)
                    {
                        // Poll: a timer may have come due.
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException)
            {
                LogStoreUnavailable(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow worker cannot reach the store; retrying")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception error);
}
