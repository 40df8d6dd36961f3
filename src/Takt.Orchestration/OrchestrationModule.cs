using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Takt.Contracts;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Takt.Orchestration.Approvals;
using Takt.Orchestration.Calendar;
using Takt.Orchestration.Engine;
using Takt.Orchestration.Standards;
using Takt.Orchestration.Variants;
using Takt.Store;

namespace Takt.Orchestration;

public static class OrchestrationModule
{
    public static SchemaModule Schema { get; } = new("orchestration", typeof(OrchestrationModule).Assembly);

    /// <summary>The JSON Schema of flow standard documents, checked in as contracts/flows/flow-standard.schema.json.</summary>
    public static string FlowStandardSchema => FlowStandardReader.SchemaText;

    public static IServiceCollection AddOrchestration(this IServiceCollection services, OrchestrationOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<FlowCatalog>();
        services.AddSingleton<FlowSignal>();
        services.AddSingleton<FlowEngine>();
        services.AddSingleton<SessionPool>();
        services.AddSingleton<StartGroups>();
        services.AddSingleton<IOrchestration, FlowOrchestration>();
        services.AddSingleton<IFlowAction, SignalAction>();
        services.AddSingleton<IFlowAction, SetAction>();
        services.AddSingleton<IFlowAction, DecideVariantAction>();
        services.AddSingleton<IOutboxSubscriber, FlowTriggers>();
        if (options.RunWorker)
            services.AddSingleton<IHostedService, FlowWorker>();
        return services;
    }

    /// <summary>The flows the module itself needs (the plant variant approval), published once per database.</summary>
    public static async Task EnsureBuiltInsAsync(IServiceProvider services, CancellationToken ct)
    {
        var orchestration = services.GetRequiredService<IOrchestration>();
        var store = services.GetRequiredService<TaktStore>();
        foreach (var (flow, document) in ShippedDocuments.BuiltIn())
        {
            if ((await orchestration.StandardsAsync(store, flow, ct)).Count > 0)
                continue;
            var saved = await orchestration.SaveStandardAsync(store, document, "takt", ct);
            if (saved.IsRejected)
                throw new InvalidOperationException($"Built-in flow {flow}: {string.Join("; ", saved.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}"))}");
            await orchestration.PublishStandardAsync(store, flow, saved.Value.Version, ct);
        }
    }

    public sealed record DocumentRequest(string Document);

    public sealed record ProposeVariantRequest(string Document, string Proposer);

    public sealed record MigrateRequest(int ToVersion, string Actor);

    public sealed record TaskRequest(string Actor, string? Comment, string? To);

    public sealed record MoneyValue(decimal Amount, string Currency);

    public sealed record RouteRequest(MoneyValue Value, string Plant, string? Category, string? Urgency, string? SupplierRisk);

    public sealed record StandardsReport(IReadOnlyList<StandardVersion> Standards);

    public sealed record TurnaroundReport(string Unit, IReadOnlyList<TurnaroundRow> Rows);

    public sealed record ResolutionReport(IReadOnlyList<ResolutionRow> Plants);

    public static RouteGroupBuilder MapOrchestration(this RouteGroupBuilder api)
    {
        var flows = api.MapGroup("/flows").WithTags("Flows");
        flows.MapPost("/standards", async (IOrchestration o, TaktStore store, DocumentRequest body, HttpContext http, CancellationToken ct) =>
                Answer(await o.SaveStandardAsync(store, body.Document ?? "", http.User.FindFirst("client_id")?.Value ?? "unknown", ct), StatusCodes.Status201Created))
            .WithName("SaveFlowStandard")
            .WithSummary("Save a flow standard version (YAML in document) as a draft; errors point into the document.");
        flows.MapPost("/standards/{flow}/{version:int}/publish", async (IOrchestration o, TaktStore store, string flow, int version, CancellationToken ct) =>
                Answer(await o.PublishStandardAsync(store, flow, version, ct)))
            .WithName("PublishFlowStandard")
            .WithSummary("draft → published: new instances start on it; it never changes again.");
        flows.MapPost("/standards/{flow}/{version:int}/retire", async (IOrchestration o, TaktStore store, string flow, int version, CancellationToken ct) =>
                Answer(await o.RetireStandardAsync(store, flow, version, ct)))
            .WithName("RetireFlowStandard")
            .WithSummary("published → retired: no new instances; running ones keep their version.");
        flows.MapGet("/standards", async (IOrchestration o, TaktStore store, string? flow, CancellationToken ct) =>
                Results.Json(new StandardsReport(await o.StandardsAsync(store, flow, ct)), Problem.Json))
            .WithName("ListFlowStandards");
        flows.MapPost("/variants", async (IOrchestration o, TaktStore store, ProposeVariantRequest body, CancellationToken ct) =>
                Answer(await o.ProposeVariantAsync(store, body.Document ?? "", body.Proposer ?? "", ct), StatusCodes.Status201Created))
            .WithName("ProposeFlowVariant")
            .WithSummary("Propose a plant variant: checked against the standard's variation points, then approved by the process owner (a task).");
        flows.MapPost("/variants/diff", async (IOrchestration o, TaktStore store, DocumentRequest body, CancellationToken ct) =>
                Answer(await o.DiffVariantAsync(store, body.Document ?? "", ct)))
            .WithName("DiffFlowVariant")
            .WithSummary("What a variant document changes against its standard, or the bounds it breaks; stores nothing.");
        flows.MapGet("/variants", async (IOrchestration o, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Json(await o.VariantsAsync(store, plant, ct), Problem.Json))
            .WithName("ListFlowVariants");
        flows.MapPost("/instances", async (IOrchestration o, TaktStore store, StartFlow body, HttpContext http, CancellationToken ct) =>
                PlantRefused(http, body.Plant, "/plant") ?? Answer(await o.StartAsync(store, body, ct), StatusCodes.Status201Created))
            .WithName("StartFlow")
            .WithSummary("Start a flow for a plant on the latest published version with the plant's active variant.");
        flows.MapGet("/instances/{id}", async (IOrchestration o, TaktStore store, string id, CancellationToken ct) =>
                await o.InstanceAsync(store, id, ct) is { } instance ? Results.Json(instance, Problem.Json) : Missing("/id", "flow-instance.unknown", $"No flow instance '{id}'."))
            .WithName("GetFlowInstance");
        flows.MapGet("/instances/{id}/conformance", async (IOrchestration o, TaktStore store, string id, CancellationToken ct) =>
                await o.InstanceConformanceAsync(store, id, ct) is { } replayed ? Results.Json(replayed, Problem.Json) : Missing("/id", "flow-instance.unknown", $"No flow instance '{id}'."))
            .WithName("GetFlowInstanceConformance")
            .WithSummary("The instance's path replayed against its standard version's graph (with its plant variant): fitness, missing and remaining tokens, and each deviation.");
        flows.MapPost("/instances/{id}/migrate", async (IOrchestration o, TaktStore store, string id, MigrateRequest body, CancellationToken ct) =>
                Answer(await o.MigrateAsync(store, id, body.ToVersion, body.Actor ?? "", ct)))
            .WithName("MigrateFlowInstance")
            .WithSummary("Move a running instance to another published version (explicit; refused when a step it waits in is missing there).");
        flows.MapPost("/role-assignments", async (IOrchestration o, TaktStore store, RoleAssignment body, CancellationToken ct) =>
                Answer(await o.AssignRoleAsync(store, body, ct), StatusCodes.Status201Created))
            .WithName("AssignFlowRole")
            .WithSummary("Give a person a role at a plant (or *) and cost center (or *).");
        flows.MapPost("/doa", async (IOrchestration o, TaktStore store, DocumentRequest body, CancellationToken ct) =>
                Answer(await o.PublishDoaAsync(store, body.Document ?? "", ct), StatusCodes.Status201Created))
            .WithName("PublishDoaMatrix")
            .WithSummary("Publish the next version of a delegation-of-authority matrix (YAML in document).");
        flows.MapPost("/doa/{matrix}/route", async (IOrchestration o, TaktStore store, string matrix, RouteRequest body, CancellationToken ct) =>
            {
                if (body.Value is null || !Currency.TryParse(body.Value.Currency, out var currency))
                    return Answer(Problem.Malformed([new Violation("/value/currency", "money.currency-unknown", "value needs an amount and a known ISO 4217 currency.")]));
                return Answer(await o.RouteAsync(store, matrix, new DoaRequest(new Money(body.Value.Amount, currency), body.Plant ?? "", body.Category, body.Urgency, body.SupplierRisk), ct));
            })
            .WithName("RouteApproval")
            .WithSummary("Who would approve, level by level, with the explanation of each routing decision; stores nothing.");
        flows.MapPut("/calendars/{plant}", async (IOrchestration o, TaktStore store, string plant, BusinessCalendar body, CancellationToken ct) =>
                Answer(await o.SetCalendarAsync(store, plant, body, ct)))
            .WithName("SetBusinessCalendar")
            .WithSummary("A plant's business calendar: time zone, shifts per weekday, holidays (SLA timers count its working time).");

        api.MapGet("/kpis/flow-conformance", async (IOrchestration o, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Json(await o.ConformanceAsync(store, plant, ct), Problem.Json))
            .WithTags("Flows")
            .WithName("FlowConformance")
            .WithSummary("Per plant: which standard version and variant instances ran, their states, and where execution deviated.");
        api.MapGet("/kpis/flow-conformance/instances", async (IOrchestration o, TaktStore store, string? plant, string? flow, int? limit, CancellationToken ct) =>
                limit is < 1 or > 10_000
                    ? Answer(Problem.Malformed([new Violation("/query/limit", "conformance.limit-range", "limit is 1 to 10,000 (default 100).")]))
                    : Results.Json(await o.InstanceConformancesAsync(store, plant, flow, limit ?? 100, ct), Problem.Json))
            .WithTags("Flows")
            .WithName("ListInstanceConformance")
            .WithSummary("Each instance's path replayed against its standard's graph, newest first: fitness and deviations per instance.");
        api.MapGet("/kpis/approval-turnaround", async (IOrchestration o, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Json(new TurnaroundReport("h", await o.ApprovalTurnaroundAsync(store, plant, ct)), Problem.Json))
            .WithTags("Flows")
            .WithName("ApprovalTurnaround")
            .WithSummary("KPI: approval task created → decided, p50/p90 by role and plant (DESIGN §5).");
        api.MapGet("/kpis/standardized-resolution", async (IOrchestration o, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Json(new ResolutionReport(await o.ResolutionRateAsync(store, plant, ct)), Problem.Json))
            .WithTags("Flows")
            .WithName("StandardizedResolutionRate")
            .WithSummary("KPI: exceptions resolved through a standard flow ÷ all exceptions, by plant (DESIGN §5).");

        var tasks = api.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapGet("/", async (IOrchestration o, TaktStore store, string? user, string? plant, CancellationToken ct) =>
                string.IsNullOrWhiteSpace(user)
                    ? Answer(Problem.Malformed([new Violation("/query/user", "task.user-required", "Name the person whose inbox to read (?user=).")]))
                    : Results.Json(await o.InboxAsync(store, user, plant, ct), Problem.Json))
            .WithName("TaskInbox")
            .WithSummary("Open tasks a person may work: assigned to them, or to a role they hold at the task's plant and cost center.");
        tasks.MapGet("/{id}", async (IOrchestration o, TaktStore store, string id, CancellationToken ct) =>
                await o.TaskAsync(store, id, ct) is { } task ? Results.Json(task, Problem.Json) : Missing("/id", "task.unknown", $"No task '{id}'."))
            .WithName("GetTask");
        tasks.MapPost("/{id}/{verb}", async (IOrchestration o, TaktStore store, string id, string verb, TaskRequest body, HttpContext http, CancellationToken ct) =>
            {
                if (!Enum.TryParse<TaskVerb>(verb, ignoreCase: true, out var parsed) || int.TryParse(verb, out _))
                    return Answer(Problem.Malformed([new Violation("/verb", "task.verb-unknown", "verb is claim, approve, reject, complete, delegate or reassign.")]));
                // A client restricted to some plants acts on the tasks of those plants only (a task's plant never changes).
                if (!AccessDecision.ClientOf(http).AllPlantsAllowed)
                {
                    if (await o.TaskAsync(store, id, ct) is not { } task)
                        return Missing("/id", "task.unknown", $"No task '{id}'.");
                    if (PlantRefused(http, task.Plant, "/id") is { } refused)
                        return refused;
                }

                return Answer(await o.ActAsync(store, id, new TaskAction(parsed, body.Actor ?? "", body.Comment, body.To), ct));
            })
            .WithName("ActOnTask")
            .WithSummary("claim | approve | reject | complete | delegate | reassign; a decision moves the flow on in the same transaction.");
        return api;
    }

    private static IResult Answer<T>(Outcome<T> outcome, int status = StatusCodes.Status200OK)
    {
        if (!outcome.IsRejected)
            return Results.Json(outcome.Value, Problem.Json, statusCode: status);
        var violations = outcome.Violations;
        var problem = violations.All(v => v.Rule.EndsWith(".unknown", StringComparison.Ordinal)) ? Problem.NotFound(violations[0])
            : violations.Any(v => v.Rule is "task.closed" or "task.claimed-by-other" or "flow.version-immutable") ? Problem.Conflict(violations[0])
            : violations.Any(v => v.Rule.StartsWith("sod.", StringComparison.Ordinal) || v.Rule is "task.not-yours" or "task.role-required" or "task.reassign-forbidden")
                ? new Problem("urn:takt:problem:forbidden", "The person may not do this.", StatusCodes.Status403Forbidden, violations[0].Detail, violations)
            : violations.Any(v => v.Rule.StartsWith("document.", StringComparison.Ordinal) || v.Rule.StartsWith("flow.schema-", StringComparison.Ordinal)) ? Problem.Malformed(violations)
            : Problem.RuleViolated(violations);
        return Answer(problem);
    }

    /// <summary>
    /// Null when the calling client may act for <paramref name="plant"/> (every client, for no plant: the request's own
    /// rules then apply); else the 403 <c>client.plant-forbidden</c> problem, recorded in the audit log as denied.
    /// </summary>
    private static IResult? PlantRefused(HttpContext http, string? plant, string field)
    {
        if (string.IsNullOrEmpty(plant))
            return null;
        var client = AccessDecision.ClientOf(http);
        var decision = AccessDecision.Of(http);
        decision.Plants = plant;
        if (client.MayAccessPlant(plant))
            return null;
        decision.Deny("client.plant-forbidden");
        return Answer(AccessProblems.Forbidden(AccessProblems.PlantForbidden(field, plant, client)));
    }

    private static IResult Answer(Problem problem) => Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);

    private static IResult Missing(string field, string rule, string detail) => Answer(Problem.NotFound(new Violation(field, rule, detail)));
}
