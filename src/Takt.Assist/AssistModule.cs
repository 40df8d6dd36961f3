using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Assist.Anomalies;
using Takt.Assist.Invoices;
using Takt.Assist.Planning;
using Takt.Assist.Registry;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Assist;

/// <summary>Training request for the invoice exception classifier.</summary>
/// <param name="Rows">Resolved exceptions to read (the newest), 100..200,000.</param>
/// <param name="TrainedBy">Who trains (a person or a job); that actor may not approve the version.</param>
public sealed record TrainRequest(int Rows, string TrainedBy);

/// <summary>A trained candidate version and how long the fit took.</summary>
public sealed record TrainingReport(ModelVersion Model, double FitSeconds);

/// <summary>
/// AI assistance that advises and never acts by itself (docs/assist.md): invoice exception classification and
/// routing, production anomaly detection, demand forecasts, disruption risk and exception prioritization; every
/// suggestion recorded, model versions approved by people.
/// </summary>
public static class AssistModule
{
    public static SchemaModule Schema { get; } = new("assist", typeof(AssistModule).Assembly);

    public static IServiceCollection AddAssist(this IServiceCollection services, AssistOptions? options = null)
    {
        services.AddSingleton(options ?? new AssistOptions());
        services.AddSingleton<SuggestionLog>();
        services.AddSingleton<InvoiceExceptionAdvisor>();
        services.AddSingleton<IInvoiceExceptionAdvisor>(sp => sp.GetRequiredService<InvoiceExceptionAdvisor>());
        // The exception log when the host wires one (payables' resolved exceptions), topped up with generated history while small.
        services.AddSingleton<IResolvedExceptionSource>(sp => sp.GetService<IInvoiceExceptionLog>() is { } log
            ? new LogWithColdStart(log, sp.GetRequiredService<AssistOptions>())
            : new GeneratedInvoiceHistory(sp.GetRequiredService<AssistOptions>().Seed));
        services.AddSingleton<AnomalyService>();
        services.AddSingleton<ShopFloorAnomalies>();
        services.AddSingleton<ShopFloorScanner>();
        services.AddHostedService(sp => sp.GetRequiredService<ShopFloorScanner>());
        services.AddSingleton<DemandForecaster>();
        services.AddSingleton<RiskAndPriority>();
        services.AddSingleton<ImpactInbox>();
        return services;
    }

    public static RouteGroupBuilder MapAssist(this RouteGroupBuilder api)
    {
        var a = api.MapGroup("/assist").WithTags("Assist");
        a.MapGet("/models", (TaktStore store, TimeProvider clock, string? kind, CancellationToken ct) => Read(store, clock, tx => ModelRegistry.ListAsync(tx, kind, ct), ct))
            .WithName("ListAssistModels")
            .WithSummary("Model versions by kind, with holdout metrics (accuracy, macro-F1, Brier, ECE), permutation importance, state and approval.")
            .Produces<IReadOnlyList<ModelVersion>>(200);
        a.MapPost("/models/{id}/approve", (TaktStore store, TimeProvider clock, string id, ModelApproval body, CancellationToken ct) =>
                Write(store, clock, tx => ModelRegistry.ApproveAsync(tx, id, body, ct), 200, ct))
            .WithName("ApproveAssistModel")
            .WithSummary("A person approves a candidate model version for a scope (* or a plant); the kind's approved version is retired. Systems and the trainer cannot approve.")
            .Produces<ModelVersion>(200)
            .ProducesProblem(404)
            .ProducesProblem(409)
            .ProducesProblem(422);
        a.MapPost("/models/invoice-exceptions/train", async (InvoiceExceptionAdvisor advisor, IResolvedExceptionSource source, TaktStore store, TimeProvider clock, TrainRequest body, CancellationToken ct) =>
            {
                if (body.Rows is < 100 or > 200_000)
                    return Answer([new Violation("/rows", "assist.rows-range", "rows is 100..200,000.")]);
                if (string.IsNullOrWhiteSpace(body.TrainedBy))
                    return Answer([new Violation("/trainedBy", "assist.trainer-required", "Name who trains the model version.")]);
                var result = await advisor.TrainAsync(store, clock, source, body.Rows, body.TrainedBy.Trim(), ct);
                return Results.Json(new TrainingReport(result.Model, Math.Round(result.FitTime.TotalSeconds, 3)), Problem.Json, statusCode: 201);
            })
            .WithName("TrainInvoiceExceptionModel")
            .WithSummary("Trains a new candidate version of the invoice exception classifier from resolved exceptions (payables' exception log, their resolution the label; topped up with generated history while the log is small) and evaluates it on a holdout.")
            .Produces<TrainingReport>(201)
            .ProducesProblem(422);
        a.MapPost("/invoice-exceptions/classify", async (InvoiceExceptionAdvisor advisor, TaktStore store, TimeProvider clock, InvoiceExceptionCase body, CancellationToken ct) =>
            {
                var errors = InvoiceExceptionAdvisor.Check(body);
                if (errors.Count > 0)
                    return Answer(errors);
                await advisor.EnsureModelAsync(store, clock, ct);
                return await Write(store, clock, async tx => (Outcome<InvoiceAdvice>)(await advisor.ClassifyAsync(tx, body, ct))!, 201, ct);
            })
            .WithName("ClassifyInvoiceException")
            .WithSummary("Suggests an invoice exception's category and route (role, plant, cost center) with a confidence and the features behind it; recorded, advice only.")
            .Produces<InvoiceAdvice>(201)
            .ProducesProblem(422);
        a.MapGet("/suggestions", (TaktStore store, TimeProvider clock, string? kind, string? plant, int? limit, CancellationToken ct) =>
                Read(store, clock, tx => SuggestionLog.ListAsync(tx, kind, plant, Math.Clamp(limit ?? 100, 1, 1000), ct), ct))
            .WithName("ListSuggestions")
            .WithSummary("Recorded suggestions, newest first, optionally of one kind and plant.")
            .Produces<IReadOnlyList<Suggestion>>(200);
        a.MapGet("/suggestions/{id}", async (TaktStore store, TimeProvider clock, string id, CancellationToken ct) =>
                await ReadOne(store, clock, tx => SuggestionLog.FindAsync(tx, id, ct), ct) is { } found
                    ? Results.Json(found, Problem.Json)
                    : Answer([new Violation("/id", "assist.suggestion-unknown", $"Suggestion '{id}' does not exist.")]))
            .WithName("GetSuggestion")
            .WithSummary("One recorded suggestion: model version, inputs, output, confidence, explanation, whether it is for a person only, and the person's decision.")
            .Produces<Suggestion>(200)
            .ProducesProblem(404);
        a.MapPost("/suggestions/{id}/decision", (TaktStore store, TimeProvider clock, string id, SuggestionDecision body, CancellationToken ct) =>
                Write(store, clock, tx => SuggestionLog.DecideAsync(tx, id, body, ct), 200, ct))
            .WithName("DecideSuggestion")
            .WithSummary("Records what a person decided on a suggestion: accepted, overridden (with the chosen value) or rejected; once.")
            .Produces<Suggestion>(200)
            .ProducesProblem(404)
            .ProducesProblem(409)
            .ProducesProblem(422);
        a.MapPost("/anomalies/scan", (AnomalyService anomalies, TaktStore store, TimeProvider clock, AnomalyScan body, CancellationToken ct) =>
                Write(store, clock, tx => anomalies.ScanAsync(tx, body, ct), 201, ct))
            .WithName("ScanWorkCenterStream")
            .WithSummary("Scans a work center's stream (scrap rate, cycle time, downtime) for spikes, level shifts and multivariate anomalies; each becomes a suggestion and an advisory event takt.assist.anomaly-detected.v1, and optionally opens a flow.")
            .Produces<AnomalyReport>(201)
            .ProducesProblem(422);
        a.MapPost("/anomalies/shop-floor-scan", async (ShopFloorAnomalies shopFloor, TaktStore store, TimeProvider clock, ShopFloorScan body, CancellationToken ct) =>
            {
                var errors = ShopFloorAnomalies.Check(body);
                if (errors.Count > 0)
                    return Answer(errors);
                var (events, streams) = await shopFloor.ReadAsync(store, body, ct);
                return await Write(store, clock, tx => shopFloor.ScanAsync(tx, body, events, streams, ct), 201, ct);
            })
            .WithName("ScanShopFloorEvents")
            .WithSummary("Scans a plant's posted operation confirmations: per work center, scrap rate and machine seconds per unit against the work center's own history (spikes, level shifts); each anomaly a suggestion naming the metric, value, baseline and deviation, with an advisory event, optionally opening a flow.")
            .Produces<ShopFloorReport>(201)
            .ProducesProblem(422);
        a.MapPost("/forecasts/demand", (DemandForecaster forecaster, TaktStore store, TimeProvider clock, DemandForecastRequest body, CancellationToken ct) =>
                Write(store, clock, tx => forecaster.ForecastAsync(tx, body, ct), 201, ct))
            .WithName("ForecastDemand")
            .WithSummary("Forecasts an item's daily demand at a plant with prediction intervals (FastTree on lag and calendar features), as a recorded planning suggestion.")
            .Produces<DemandForecast>(201)
            .ProducesProblem(422);
        a.MapPost("/risk/work-centers", (RiskAndPriority risk, TaktStore store, TimeProvider clock, IReadOnlyList<WorkCenterSignals> body, CancellationToken ct) =>
                Write(store, clock, tx => risk.RiskAsync(tx, body, ct), 201, ct))
            .WithName("ScoreWorkCenterRisk")
            .WithSummary("Scores each work center's risk of a disruption in the coming days from machine and order history, with the drivers; recorded.")
            .Produces<IReadOnlyList<WorkCenterRisk>>(201)
            .ProducesProblem(422);
        a.MapPost("/priorities", (RiskAndPriority risk, TaktStore store, TimeProvider clock, IReadOnlyList<OpenItem> body, CancellationToken ct) =>
                Write(store, clock, tx => risk.PrioritizeAsync(tx, body, ct), 201, ct))
            .WithName("PrioritizeOpenItems")
            .WithSummary("Ranks open exceptions, quality issues and tasks by predicted impact (value at risk, customer due dates, SLA), with the drivers; recorded.")
            .Produces<Prioritization>(201)
            .ProducesProblem(422);
        a.MapGet("/inbox", async (ImpactInbox inbox, TaktStore store, TimeProvider clock, string? user, string? plant, CancellationToken ct) =>
                string.IsNullOrWhiteSpace(user)
                    ? Answer([new Violation("/query/user", "assist.user-required", "Name the person whose inbox to sort (?user=).")])
                    : Results.Json(await inbox.RankAsync(store, clock, user.Trim(), plant, null, ct), Problem.Json))
            .WithName("ImpactInbox")
            .WithSummary("A person's open tasks (approvals, invoice exceptions, quality and integration tasks) sorted by predicted impact (value at risk, customer due date, SLA remaining), each with its score and the terms behind it; the order is recorded as a prioritization suggestion (once per distinct order). It sorts, it decides nothing.")
            .Produces<ImpactInboxView>(200)
            .ProducesProblem(400);
        return api;
    }

    /// <summary>One transaction per request: it commits only when the outcome is a value (nothing is written otherwise).</summary>
    private static async Task<IResult> Write<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<Outcome<T>>> work, int status, CancellationToken ct)
    {
        var outcome = await store.WriteAsync(clock, work, ct);
        return outcome.IsRejected ? Answer(outcome.Violations) : Results.Json(outcome.Value, Problem.Json, statusCode: status);
    }

    private static async Task<IResult> Read<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<T>> work, CancellationToken ct) =>
        Results.Json(await ReadOne(store, clock, work, ct), Problem.Json);

    private static Task<T> ReadOne<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<T>> work, CancellationToken ct) =>
        store.ReadAsync(clock, work, ct);

    private static IResult Answer(IReadOnlyList<Violation> violations)
    {
        var problem = violations.Count == 1 && violations[0].Rule is "assist.suggestion-unknown" or "assist.model-unknown" ? Problem.NotFound(violations[0])
            : violations.Count == 1 && violations[0].Rule is "assist.suggestion-decided" or "assist.model-not-candidate" ? Problem.Conflict(violations[0])
            : violations.Any(v => v.Rule is "assist.body-required" or "assist.user-required") ? Problem.Malformed(violations)
            : Problem.RuleViolated(violations);
        return Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
    }
}
