using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// Path conformance: each instance's step log replayed (token replay) against the graph of the standard version and
/// plant variant it ran on: fitness 1 for paths the standard allows (decisions, parallel joins, variant steps, a
/// migration to the next version), less for an instance that failed half way, per instance and per plant variant.
/// </summary>
public abstract class PathConformanceContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    private async Task PublishAsync(string document, string flow, int version)
    {
        var ct = TestContext.Current.CancellationToken;
        (await Flows.SaveStandardAsync(fixture.Store, document, "tests", ct)).Ok();
        (await Flows.PublishStandardAsync(fixture.Store, flow, version, ct)).Ok();
    }

    [Fact]
    public async Task paths_the_standard_allows_fit_and_a_failed_instance_leaves_a_step_unfinished()
    {
        var ct = TestContext.Current.CancellationToken;
        await PublishAsync("""
            flow: conformance-branches
            version: 1
            title: Branches and a decision
            owner: ops
            inputs:
              value: number
            steps:
              - id: route
                type: decision
                cases:
                  - { when: value > 100, next: both }
                otherwise: small
              - id: both
                type: parallel
                branches:
                  - [left]
                  - [right, right2]
                next: small
              - { id: left, type: action, action: signal, with: { name: left } }
              - { id: right, type: action, action: signal, with: { name: right } }
              - { id: right2, type: action, action: signal, with: { name: right2 } }
              - { id: small, type: action, action: signal, with: { name: small } }
            """, "conformance-branches", 1);
        var large = (await Flows.StartAsync(fixture.Store, new StartFlow("conformance-branches", "PC01", "tests", new() { ["value"] = 500 }), ct)).Ok();
        var small = (await Flows.StartAsync(fixture.Store, new StartFlow("conformance-branches", "PC01", "tests", new() { ["value"] = 5 }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);

        var branched = (await Flows.InstanceConformanceAsync(fixture.Store, large.Id, ct))!;
        Assert.Equal(("completed", 1.0, 0L, 0L), (branched.Status, branched.Fitness, branched.Missing, branched.Remaining));
        Assert.Equal(["route", "both"], branched.Path.Take(2));
        Assert.Equal(["left", "right", "right2"], branched.Path.Skip(2).Take(3).Order(StringComparer.Ordinal)); // the branches interleave
        Assert.Equal(["small", "end"], branched.Path.Skip(5));
        Assert.Equal(branched.Produced, branched.Consumed); // start, route, both (2 branches), left, right, right2, join, small
        Assert.Equal(["route", "small", "end"], (await Flows.InstanceConformanceAsync(fixture.Store, small.Id, ct))!.Path);

        // A step that fails on every attempt: the instance fails with its next step still due.
        await PublishAsync("""
            flow: conformance-failing
            version: 1
            title: A step that cannot succeed
            owner: ops
            inputs:
              variant: text
            steps:
              - { id: prepare, type: action, action: signal, with: { name: prepared }, next: apply }
              - { id: apply, type: action, action: flows.decide-variant, with: { decision: activate } }
            """, "conformance-failing", 1);
        var failing = (await Flows.StartAsync(fixture.Store, new StartFlow("conformance-failing", "PC01", "tests", new() { ["variant"] = "no-such-variant" }), ct)).Ok();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            await Flows.RunAsync(fixture.Store, fixture.Clock);
            fixture.Clock.Advance(TimeSpan.FromMinutes(10)); // past each retry's backoff
        }

        var failed = (await Flows.InstanceConformanceAsync(fixture.Store, failing.Id, ct))!;
        Assert.Equal("failed", failed.Status);
        Assert.Equal(["prepare"], failed.Path);
        Assert.Equal((2L, 1L, 0L, 1L), (failed.Produced, failed.Consumed, failed.Missing, failed.Remaining));
        Assert.Equal(0.75, failed.Fitness); // ½(1 − 0/1) + ½(1 − 1/2)
        var unfinished = Assert.Single(failed.Deviations);
        Assert.Equal(("left-unfinished", "prepare", "apply"), (unfinished.Kind, unfinished.From, unfinished.To));

        var rows = await Flows.ConformanceAsync(fixture.Store, "PC01", ct);
        var fit = Assert.Single(rows, r => r.Flow == "conformance-branches");
        Assert.Equal((2L, 2L, 1.0), (fit.Instances, fit.FittingInstances, fit.Fitness));
        Assert.Empty(fit.DeviatingMoves!);
        var unfit = Assert.Single(rows, r => r.Flow == "conformance-failing");
        Assert.Equal((1L, 0L, 1L, 0.75), (unfit.Instances, unfit.FittingInstances, unfit.Failed, unfit.Fitness));
        Assert.Equal(1L, unfit.DeviatingMoves!["prepare → apply"]);
        Assert.Equal(1L, unfit.Deviations["failed"]);
    }

    [Fact]
    public async Task a_plant_variant_step_and_a_migration_to_the_next_version_fit_their_graphs()
    {
        var ct = TestContext.Current.CancellationToken;
        // Augsburg's expedite variant inserts an inspection after the approval.
        var expedite = (await Flows.StartAsync(fixture.Store, new StartFlow("expedite-procurement-approval", "PA01", "anna.buyer", new()
        {
            ["requisition"] = "REQ-C1", ["value"] = FlowTesting.Money(48_200m), ["category"] = "MRO", ["urgency"] = "expedite", ["supplierRisk"] = "low", ["costCenter"] = "CC-4100",
        }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var approval = Assert.Single(await Flows.InboxAsync(fixture.Store, "bernd.controller", "PA01", ct), t => t.InstanceId == expedite.Id);
        (await Flows.ActAsync(fixture.Store, approval.Id, new TaskAction(TaskVerb.Approve, "bernd.controller"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var running = (await Flows.InstanceConformanceAsync(fixture.Store, expedite.Id, ct))!;
        Assert.Equal(("running", 1.0, 1L), (running.Status, running.Fitness, running.VariantMoves));
        Assert.Equal(["check", "approve", "incoming-inspection"], running.Path);

        // v1: review → archive; v2: review → notify. The instance waits in review while it migrates.
        const string V1 = "flow: conformance-migrate\nversion: 1\ntitle: t\nowner: ops\nsteps:\n  - { id: review, type: task, role: reviewer, next: archive }\n  - { id: archive, type: action, action: signal, with: { name: archived } }";
        const string V2 = "flow: conformance-migrate\nversion: 2\ntitle: t\nowner: ops\nsteps:\n  - { id: review, type: task, role: reviewer, next: notify }\n  - { id: notify, type: action, action: signal, with: { name: notified } }";
        await PublishAsync(V1, "conformance-migrate", 1);
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("rita.reviewer", "reviewer", "*"), ct)).Ok();
        var migrating = (await Flows.StartAsync(fixture.Store, new StartFlow("conformance-migrate", "PC02", "tests", null), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        await PublishAsync(V2, "conformance-migrate", 2);
        (await Flows.MigrateAsync(fixture.Store, migrating.Id, 2, "process.owner", ct)).Ok();
        var review = Assert.Single(await Flows.InboxAsync(fixture.Store, "rita.reviewer", "PC02", ct), t => t.InstanceId == migrating.Id);
        (await Flows.ActAsync(fixture.Store, review.Id, new TaskAction(TaskVerb.Complete, "rita.reviewer"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var migrated = (await Flows.InstanceConformanceAsync(fixture.Store, migrating.Id, ct))!;
        Assert.Equal(("completed", 2, 1.0), (migrated.Status, migrated.Version, migrated.Fitness));
        Assert.Equal(["review", "notify", "end"], migrated.Path);
        Assert.Null(await Flows.InstanceConformanceAsync(fixture.Store, "no-such-instance", ct));
    }

    [Fact]
    public async Task the_api_answers_per_instance_and_per_plant_and_refuses_a_bad_limit_and_other_plants()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = (await Flows.StartAsync(fixture.Store, new StartFlow("production-schedule-change", "PB01", "tests", new() { ["order"] = "PB01-C1", ["shiftDays"] = 0, ["costCenter"] = "CC-4100" }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var one = await fixture.Host.GetAsync<JsonElement>($"/api/v1/flows/instances/{started.Id}/conformance");
        Assert.Equal((started.Id, "PB01"), (one.GetProperty("instance").GetString(), one.GetProperty("plant").GetString()));
        Assert.True(one.GetProperty("fitness").GetDouble() is > 0 and <= 1);
        var list = await fixture.Host.GetAsync<JsonElement[]>("/api/v1/kpis/flow-conformance/instances?plant=PB01&flow=production-schedule-change&limit=5");
        Assert.Contains(list, i => i.GetProperty("instance").GetString() == started.Id);
        Assert.All(list, i => Assert.Equal("PB01", i.GetProperty("plant").GetString()));

        using var badLimit = await fixture.Host.Http.GetAsync("/api/v1/kpis/flow-conformance/instances?limit=0", ct);
        await Problems.AssertAsync(badLimit, HttpStatusCode.BadRequest, "/query/limit", "conformance.limit-range");
        using var unknown = await fixture.Host.Http.GetAsync("/api/v1/flows/instances/no-such/conformance", ct);
        await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/id", "flow-instance.unknown");

        var key = await fixture.Host.RegisterClientAsync("conformance-pa01", [Scopes.KpisRead], ["PA01"]);
        using var plantA = fixture.Host.HttpWith(key.ApiKey);
        using var other = await plantA.GetAsync($"/api/v1/flows/instances/{started.Id}/conformance", ct);
        await Problems.AssertAsync(other, HttpStatusCode.Forbidden, "", "client.plant-forbidden");
        Assert.Equal(HttpStatusCode.OK, (await plantA.GetAsync("/api/v1/kpis/flow-conformance/instances", ct)).StatusCode);
    }
}

/// <summary>State-changing calls as a careful client makes them (a new Idempotency-Key each).</summary>
internal static class FlowHttp
{
    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}

public sealed class PathConformanceOnSqlite(SqliteFlowHost fixture) : PathConformanceContract<SqliteFlowHost>(fixture);

public sealed class PathConformanceOnPostgres(PostgresFlowHost fixture) : PathConformanceContract<PostgresFlowHost>(fixture);
