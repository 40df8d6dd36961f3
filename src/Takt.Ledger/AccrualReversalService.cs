using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>How often the accrual reversal service looks for accruals whose reversal day has come.</summary>
public sealed record AccrualReversalOptions(TimeSpan PollInterval)
{
    public AccrualReversalOptions()
        : this(TimeSpan.FromMinutes(5))
    {
    }
}

/// <summary>
/// Reverses posted accruals on the first day of the next period on its own: every poll interval it runs
/// <see cref="IAccruals.RunDueReversalsAsync"/> (due by the business clock). A run reverses each due accrual once:
/// it claims the accrual in the transaction that posts the reversal, so a repeated run or a second node finds nothing
/// left to do. A day whose next period is not open yet leaves the accrual for a later run.
/// </summary>
internal sealed partial class AccrualReversalService(TaktStore store, IAccruals accruals, AccrualReversalOptions options, TimeProvider clock, ILogger<AccrualReversalService> logger) : BackgroundService
{
    private static readonly Task Never = new TaskCompletionSource().Task;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundTurns.RunAsync(store, clock, () => Never, async (_, ct) =>
            {
                var reversed = await accruals.RunDueReversalsAsync(store, ct);
                if (reversed.Count > 0)
                    LogReversed(logger, reversed.Count);
                return false;
            },
            options.PollInterval, ex => LogStoreUnavailable(logger, ex), stoppingToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reversed {Count} accruals due by the first day of their next period")]
    private static partial void LogReversed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accrual reversal cannot reach the store; retrying")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception error);
}
