namespace Takt.Contracts;

/// <summary>
/// Where a fact recorded by hand during an outage stands against what the plant system reported since (production
/// confirmations, goods receipts, stock transfers share it): <c>matched</c> (the system reported it all, nothing
/// more), <c>difference-applied</c> (reported all, and the system's excess was applied), <c>waiting</c> (not all
/// reported yet, within its time window), <c>unmatched</c> (nothing reported in the window) or <c>conflicting</c>
/// (part reported, the window closed).
/// </summary>
public static class FallbackStatus
{
    /// <summary>The status of a record from what of it was reported (<paramref name="allReported"/>, <paramref name="anyReported"/>), whether an excess was applied, and its window.</summary>
    public static string Of(bool allReported, bool differenceApplied, bool anyReported, DateTimeOffset occurredAt, int windowMinutes, DateTimeOffset now)
    {
        if (allReported)
            return differenceApplied ? "difference-applied" : "matched";
        if (now <= occurredAt.AddMinutes(windowMinutes))
            return "waiting";
        return anyReported ? "conflicting" : "unmatched";
    }
}
