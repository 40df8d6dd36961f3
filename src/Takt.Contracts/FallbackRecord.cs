namespace Takt.Contracts;

/// <summary>
/// What every fact recorded by hand during an outage carries, checked alike for production confirmations, goods
/// receipts and stock transfers: when it happened (not in the future), the window in which the plant system's own
/// report may be matched to it, and why it was recorded by hand.
/// </summary>
public static class FallbackRecord
{
    /// <summary>The matching window when a record names none: four hours either side.</summary>
    public const int DefaultWindowMinutes = 240;

    /// <summary>
    /// Adds a violation to <paramref name="violations"/> for each of <c>occurredAt</c>, <c>windowMinutes</c> and
    /// <c>reason</c> that breaks its rule; <paramref name="whenHappened"/> finishes the sentence of a missing
    /// <c>occurredAt</c> ("A fallback receipt says when the goods arrived"). Returns the window to store.
    /// </summary>
    public static int Check(DateTimeOffset? occurredAt, int? windowMinutes, string? reason, DateTimeOffset now, string whenHappened, ICollection<Violation> violations)
    {
        if (occurredAt is not { } at)
            violations.Add(new Violation("/occurredAt", "field.required", $"{whenHappened} (occurredAt, with its UTC offset)."));
        else if (at > now.AddMinutes(5))
            violations.Add(new Violation("/occurredAt", "fallback.occurred-in-future", $"occurredAt {at:O} is in the future."));
        var window = windowMinutes ?? DefaultWindowMinutes;
        if (window is < 1 or > 1440)
            violations.Add(new Violation("/windowMinutes", "fallback.window-range", $"windowMinutes is 1–1440; got {window}."));
        if (string.IsNullOrWhiteSpace(reason))
            violations.Add(new Violation("/reason", "field.required", "A fallback record says why it is recorded by hand (the outage, its incident)."));
        else if (reason.Length > 500)
            violations.Add(new Violation("/reason", "field.too-long", "reason has at most 500 characters."));
        return window;
    }
}
