using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;

namespace Takt.Integration.Webhooks;

/// <summary>
/// One circuit breaker per webhook subscription (Polly): when most recent attempts to a receiver fail, its circuit
/// opens and the worker stops calling it for <see cref="WebhookOptions.BreakDuration"/>. Nothing is attempted meanwhile,
/// so a receiver that is down does not use up the attempts of every message (and turn them into dead letters); the
/// messages wait in the log. Then one trial delivery (half-open) closes the circuit again or opens it for another
/// period. The breakers live in the node's memory; each node judges the receivers for itself.
/// </summary>
public sealed class WebhookCircuits(WebhookOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Circuit> circuits = new(StringComparer.Ordinal);

    // Polly moves an open circuit to half-open only when the next call is made after the break; BlockedUntil lets the
    // worker know when that call may be made, so that it does not skip the subscription for ever.
    private sealed class Circuit(CircuitBreakerStateProvider state)
    {
        public ResiliencePipeline<string?> Pipeline { get; set; } = ResiliencePipeline<string?>.Empty;

        public CircuitBreakerStateProvider State { get; } = state;

        public long BlockedUntilTicks;
    }

    /// <summary><c>closed</c>, <c>open</c> or <c>half-open</c>; null before the first attempt.</summary>
    public string? StateOf(string webhookId) =>
        !circuits.TryGetValue(webhookId, out var circuit) ? null
        : IsBlocked(circuit) ? "open"
        : circuit.State.CircuitState is CircuitState.Closed ? "closed"
        : "half-open";

    /// <summary>The subscriptions whose circuit is open now.</summary>
    public IReadOnlyList<string> Open => [.. circuits.Where(c => IsBlocked(c.Value)).Select(c => c.Key).Order(StringComparer.Ordinal)];

    /// <summary>True while the circuit is open and its break lasts: no attempt should be made.</summary>
    public bool IsOpen(string webhookId) => circuits.TryGetValue(webhookId, out var circuit) && IsBlocked(circuit);

    private bool IsBlocked(Circuit circuit) =>
        circuit.State.CircuitState is CircuitState.Open or CircuitState.Isolated && clock.GetUtcNow().UtcTicks < Interlocked.Read(ref circuit.BlockedUntilTicks);

    /// <summary>Runs one attempt through the subscription's breaker; the attempt answers null when it succeeded, else the error.</summary>
    public async ValueTask<string?> AttemptAsync(string webhookId, Func<CancellationToken, ValueTask<string?>> attempt, CancellationToken ct)
    {
        var circuit = circuits.GetOrAdd(webhookId, _ => Create());
        try
        {
            return await circuit.Pipeline.ExecuteAsync(static (attempt, token) => attempt(token), attempt, ct);
        }
        catch (BrokenCircuitException ex)
        {
            return $"circuit open: {ex.Message}";
        }
    }

    private Circuit Create()
    {
        var circuit = new Circuit(new CircuitBreakerStateProvider());
        circuit.Pipeline = new ResiliencePipelineBuilder<string?> { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<string?>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is not null || args.Outcome.Exception is not null),
                FailureRatio = options.BreakFailureRatio,
                MinimumThroughput = options.BreakMinimumThroughput,
                SamplingDuration = options.BreakSamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = circuit.State,
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref circuit.BlockedUntilTicks, (clock.GetUtcNow() + args.BreakDuration).UtcTicks);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return circuit;
    }
}
