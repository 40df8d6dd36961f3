namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.integration.client-silent.v1</c>: a registered client expected to send events (a plant's MES, a WMS)
/// has sent none for longer than its freshness objective ("no events from Plant A MES for 10 minutes"). The
/// CloudEvents <c>subject</c> is the client id; it starts the integration-silence exception flow.
/// </summary>
/// <param name="Client">The silent client.</param>
/// <param name="Plant">The client's plant when it serves exactly one; otherwise absent.</param>
/// <param name="ExpectEventsWithinMinutes">The objective: at least one accepted event in this many minutes.</param>
/// <param name="LastEventAt">When its last accepted event arrived; absent when none since it is watched.</param>
/// <param name="SilentMinutes">Minutes without an event when the alarm was raised.</param>
public sealed record ClientSilent(
    string Client,
    string? Plant,
    int ExpectEventsWithinMinutes,
    DateTimeOffset? LastEventAt,
    int SilentMinutes);

/// <summary>
/// <c>takt.integration.client-resumed.v1</c>: a client that was reported silent sends events again. The
/// <c>subject</c> is the client id: an integration-silence flow waiting for it ends by itself.
/// </summary>
/// <param name="Client">The client.</param>
/// <param name="Plant">The client's plant when it serves exactly one; otherwise absent.</param>
/// <param name="SilentSince">When the alarm was raised.</param>
/// <param name="ResumedAt">When its first event after the alarm arrived.</param>
public sealed record ClientResumed(
    string Client,
    string? Plant,
    DateTimeOffset SilentSince,
    DateTimeOffset ResumedAt);
