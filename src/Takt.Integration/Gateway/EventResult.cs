using Takt.Store;

namespace Takt.Integration.Gateway;

/// <summary>What happened to one event: accepted (or replayed from the inbox) with its effects, or a problem.</summary>
public sealed record EventResult(
    int Status,
    string? Source,
    string? Id,
    string? Type,
    EventEffects? Effects,
    Problem? Problem,
    bool Replayed = false)
{
    public bool Accepted => Effects is not null;

    public static EventResult Rejected(string? source, string? id, string? type, Problem problem) =>
        new(problem.Status, source, id, type, null, problem);
}
