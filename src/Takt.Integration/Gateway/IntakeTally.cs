using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Takt.Integration.Gateway;

/// <summary>
/// What one intake request did to its events: accepted, rejected, and the rules the rejections broke (the
/// first of each event's). The audit log keeps it with the request for the integration health figures.
/// </summary>
public sealed record IntakeTally(int Accepted, int Rejected, IReadOnlyDictionary<string, int> RejectedRules)
{
    public static IntakeTally Of(IResult result) => result switch
    {
        JsonHttpResult<ReceiveEvents.BatchResult> { Value: { } batch } => new(
            batch.Accepted,
            batch.Rejected,
            batch.Results.Where(r => r.Problem is not null).GroupBy(r => RuleOf(r.Problem!, r.Status), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)),
        // A document (B2MML, CSV) is applied whole: all its events, or one rejection for the document.
        JsonHttpResult<Adapters.DocumentAccepted> { Value: { } document } => new(document.Events.Count, 0, new Dictionary<string, int>(StringComparer.Ordinal)),
        JsonHttpResult<Problem> { Value: { } problem } => new(0, 1, new Dictionary<string, int>(StringComparer.Ordinal) { [RuleOf(problem, problem.Status)] = 1 }),
        IStatusCodeHttpResult { StatusCode: >= 400 } failed => new(0, 1, new Dictionary<string, int>(StringComparer.Ordinal) { [$"http.{failed.StatusCode}"] = 1 }),
        _ => new(1, 0, new Dictionary<string, int>(StringComparer.Ordinal)),
    };

    private static string RuleOf(Problem problem, int status) => problem.Errors.Count > 0 ? problem.Errors[0].Rule : $"http.{status}";

    /// <summary>The rules as stored: "rule count" pairs, space-separated, sorted.</summary>
    public string? RulesText => RejectedRules.Count == 0 ? null : string.Join(' ', RejectedRules.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}:{r.Value}"));
}
