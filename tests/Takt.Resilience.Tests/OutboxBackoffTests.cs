using Microsoft.Extensions.Logging.Abstractions;
using Takt.Store;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>The retry schedule of <see cref="OutboxDispatcher.Backoff"/>: doubling, ±20 % jitter, capped (no database).</summary>
public sealed class OutboxBackoffTests
{
    private const int Samples = 200;

    [Fact]
    public void each_retry_waits_twice_the_one_before_give_or_take_twenty_percent_jitter()
    {
        using var dispatcher = Dispatcher(new OutboxOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromHours(1) });

        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var nominal = 100.0 * Math.Pow(2, attempt - 1);
            var delays = Enumerable.Range(0, Samples).Select(_ => dispatcher.Backoff(attempt).TotalMilliseconds).ToArray();

            Assert.All(delays, d => Assert.InRange(d, nominal * 0.8, nominal * 1.2));
            // Jitter really spreads the retries over the band (200 uniform draws all in one half would be ~1e-25).
            Assert.True(delays.Min() < nominal * 0.9 && delays.Max() > nominal * 1.1,
                $"Attempt {attempt}: delays {delays.Min():F1}–{delays.Max():F1} ms do not spread around {nominal} ms.");
        }
    }

    [Fact]
    public void no_retry_waits_longer_than_the_maximum_delay()
    {
        var max = TimeSpan.FromSeconds(10);
        using var dispatcher = Dispatcher(new OutboxOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = max });

        foreach (var attempt in new[] { 1, 2, 3, 4, 5, 6, 8, 16, 31, 32, 1000, int.MaxValue })
        {
            var nominal = Math.Min(1000.0 * Math.Pow(2, Math.Min(attempt - 1, 30)), max.TotalMilliseconds);
            var delays = Enumerable.Range(0, Samples).Select(_ => dispatcher.Backoff(attempt)).ToArray();

            Assert.All(delays, d => Assert.True(d <= max, $"Attempt {attempt} waits {d}, longer than MaxDelay {max}."));
            Assert.All(delays, d => Assert.True(d.TotalMilliseconds >= nominal * 0.8, $"Attempt {attempt} waits only {d}."));
        }
    }

    [Fact]
    public void the_defaults_retry_after_about_a_second_and_wait_at_most_five_minutes()
    {
        using var dispatcher = Dispatcher(new OutboxOptions());

        var first = Enumerable.Range(0, Samples).Select(_ => dispatcher.Backoff(1)).ToArray();
        var late = Enumerable.Range(0, Samples).Select(_ => dispatcher.Backoff(20)).ToArray();

        Assert.All(first, d => Assert.InRange(d, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2)));
        Assert.All(late, d => Assert.InRange(d, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5)));
    }

    private static OutboxDispatcher Dispatcher(OutboxOptions options)
    {
        // Backoff reads only the options; the store is never opened.
        var signal = new OutboxSignal();
        return new OutboxDispatcher(
            TaktStore.Open(Path.Combine(Path.GetTempPath(), "takt-backoff-unused.db")),
            new Outbox([], signal),
            signal,
            options,
            TimeProvider.System,
            NullLogger<OutboxDispatcher>.Instance);
    }
}
