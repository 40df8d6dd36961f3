namespace Takt.Integration.Gateway;

public sealed class IngestOptions
{
    /// <summary>Largest request body accepted by <c>POST /api/v1/events</c>. Default 1 MiB.</summary>
    public int MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>Most events in one batch-mode request. Default 1,000.</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Most events committed in one database transaction (group commit). Default 500.</summary>
    public int MaxCommitBatch { get; set; } = 500;

    /// <summary>How far in the future an event's time may lie (clock skew of plant systems). Default 5 minutes.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Events waiting for the writer at most (back-pressure). Past it HTTP intake answers 503 with Retry-After and
    /// queues nothing of the request; MQTT and other in-process submitters wait (MQTT does not acknowledge
    /// meanwhile). Default 20,000.
    /// </summary>
    public int QueueCapacity { get; set; } = 20_000;
}
