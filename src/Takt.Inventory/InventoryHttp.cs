using Microsoft.AspNetCore.Http;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Inventory;

/// <summary>How inventory endpoints write (one store transaction, committed only on a value) and answer (RFC 9457).</summary>
internal static class InventoryHttp
{
    public static Task<Outcome<T>> WriteAsync<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<Outcome<T>>> work, CancellationToken ct) =>
        store.WriteAsync(clock, work, ct);

    public static IResult Answer<T>(Outcome<T> outcome, int status = StatusCodes.Status200OK)
    {
        if (!outcome.IsRejected)
            return Results.Json(outcome.Value, Problem.Json, statusCode: status);
        var violations = outcome.Violations;
        var problem = violations.Any(v => v.Rule.EndsWith("-required", StringComparison.Ordinal) || v.Rule.EndsWith(".required", StringComparison.Ordinal) || v.Rule.StartsWith("request.", StringComparison.Ordinal)) ? Problem.Malformed(violations)
            : violations.All(v => v.Rule is "reservation.unknown" or "allocation.unknown" or "count.unknown" or "reconciliation.unknown") ? Problem.NotFound(violations[0])
            : Problem.RuleViolated(violations);
        return Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
    }

    public static IResult Malformed(string field, string rule, string detail)
    {
        var problem = Problem.Malformed([new Violation(field, rule, detail)]);
        return Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
    }
}
