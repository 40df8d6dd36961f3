using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Server.Onboarding;

/// <summary>Plant onboarding over HTTP: propose from a template, read the plan, approve (a second person).</summary>
internal static class OnboardingEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Map(RouteGroupBuilder api)
    {
        var plants = api.MapGroup("/plants/onboardings").WithTags("Operations");
        plants.MapPost("", async (HttpContext http, PlantOnboarding onboarding, TaktStore store, OnboardingRequest? body, CancellationToken ct) =>
            {
                var proposed = await onboarding.ProposeAsync(store, body ?? new OnboardingRequest(), Actor(http), ct);
                return proposed.IsRejected
                    ? Refuse(proposed.Violations)
                    : Results.Json(proposed.Value.View, Json, statusCode: proposed.Value.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .WithName("ProposePlantOnboarding")
            .WithSummary("Propose a new plant from a template plant: the plan (master data skeleton, determination rules, flow variants, MES and WMS clients, freshness, webhook) is kept for review.");
        plants.MapGet("/{code}", async (PlantOnboarding onboarding, TaktStore store, string code, CancellationToken ct) =>
                await onboarding.ReadAsync(store, code, ct) is { } view ? Results.Json(view, Json) : Refuse([new Violation("/code", "onboarding.unknown", $"No onboarding of plant '{code}'.")]))
            .WithName("GetPlantOnboarding")
            .WithSummary("An onboarding's plan, state and (once live) report.");
        plants.MapPost("/{code}/approve", async (HttpContext http, PlantOnboarding onboarding, TaktStore store, string code, CancellationToken ct) =>
            {
                var approved = await onboarding.ApproveAsync(store, code, Actor(http), ct);
                return approved.IsRejected ? Refuse(approved.Violations) : Results.Json(approved.Value, Json);
            })
            .WithName("ApprovePlantOnboarding")
            .WithSummary("Another person approves: everything in the plan is created in one transaction (API keys and webhook secret shown this once), then the calendar and flow-variant proposals follow.");
    }

    private static string Actor(HttpContext http) => http.User.FindFirst("client_id")?.Value ?? "unknown";

    private static IResult Refuse(IReadOnlyList<Violation> violations)
    {
        var problem = violations.All(v => v.Rule == "onboarding.unknown")
            ? Problem.NotFound(violations[0])
            : violations.FirstOrDefault(v => v.Rule is "onboarding.exists" or "onboarding.approved-meanwhile") is { } conflict
                ? Problem.Conflict(conflict)
                : Problem.RuleViolated(violations);
        return Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
    }
}
