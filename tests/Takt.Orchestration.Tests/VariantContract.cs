using System.Net;
using System.Net.Http.Json;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// Plant variants set declared variation points only, within their bounds (issue 5): each kind of breach is refused
/// with the rule and the field, nothing is written, and an in-bounds variant goes through the process owner's task.
/// </summary>
public abstract class VariantContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    private static string Variant(string flow, string plant, string body) => $"flow: {flow}\nversion: 1\nplant: {plant}\n{body}";

    [Theory]
    [InlineData("expedite-procurement-approval", "set:\n  approvalThreshold: 9999.99", "/set/approvalThreshold", "variant.below-minimum")]
    [InlineData("expedite-procurement-approval", "set:\n  approvalThreshold: 60000", "/set/approvalThreshold", "variant.above-maximum")]
    [InlineData("expedite-procurement-approval", "set:\n  approvalThreshold: lots", "/set/approvalThreshold", "variant.value-not-a-number")]
    [InlineData("expedite-procurement-approval", "set:\n  escalateAfter: PT2H", "/set/escalateAfter", "variant.duration-below-minimum")]
    [InlineData("expedite-procurement-approval", "set:\n  escalateAfter: P2D", "/set/escalateAfter", "variant.duration-above-maximum")]
    [InlineData("expedite-procurement-approval", "set:\n  escalateAfter: eight hours", "/set/escalateAfter", "variant.duration-invalid")]
    [InlineData("stock-adjustment-approval", "set:\n  countMode: triple", "/set/countMode", "variant.value-not-allowed")]
    [InlineData("production-schedule-change", "set:\n  autoApproveDays: 5", "/set/autoApproveDays", "variant.above-maximum")]
    [InlineData("production-schedule-change", "set:\n  approverRole: shift-lead", "/set/approverRole", "variant.point-undeclared")]
    [InlineData("expedite-procurement-approval", "insert:\n  extraInspection: { id: x-ray, type: action, action: signal }", "/insert/extraInspection/type", "variant.step-type-not-allowed")]
    [InlineData("expedite-procurement-approval", "insert:\n  extraInspection: { id: x-ray, type: task, role: buyer }", "/insert/extraInspection/role", "variant.step-role-not-allowed")]
    [InlineData("expedite-procurement-approval", "insert:\n  extraInspection: { id: approve, type: task, role: quality-inspector }", "/insert/extraInspection/id", "flow.step-id-duplicate")]
    [InlineData("expedite-procurement-approval", "insert:\n  extraInspection: { id: x-ray, type: task, role: quality-inspector, next: release }", "/insert/extraInspection/next", "variant.step-routing")]
    [InlineData("invoice-exception-resolution", "insert:\n  secondLook: { id: second-look, type: task, role: ap-supervisor }", "/insert/secondLook", "variant.point-undeclared")]
    [InlineData("expedite-procurement-approval", "steps:\n  - { id: approve, type: task, role: buyer }", "/steps", "variant.member-unknown")]
    public async Task a_variant_outside_the_standard_is_refused_with_the_rule_and_writes_nothing(string flow, string body, string field, string rule)
    {
        var document = Variant(flow, "PA01", body);
        (await Flows.DiffVariantAsync(fixture.Store, document, TestContext.Current.CancellationToken)).Rejected(field, rule);
        var before = await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_variant") + await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_instance");
        (await Flows.ProposeVariantAsync(fixture.Store, document, "paula.lead", TestContext.Current.CancellationToken)).Rejected(field, rule);
        Assert.Equal(before, await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_variant") + await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_instance"));
    }

    [Fact]
    public async Task the_api_answers_a_breach_with_a_problem_naming_the_field_and_the_rule()
    {
        // Settled: the outbox read to its head and the object index caught up (both poll on real time, whatever the business clock).
        var before = await fixture.Host.SettledSnapshotAsync();
        using var response = await fixture.Host.PostJsonAsync("/api/v1/flows/variants", new { document = Variant("expedite-procurement-approval", "PB01", "set:\n  approvalThreshold: 75000"), proposer = "petr.lead" });
        var problem = await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, "/set/approvalThreshold", "variant.above-maximum");
        Assert.Contains("between 10,000 and 50,000 EUR", problem.GetProperty("errors")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        before.AssertUnchanged(await Tables.SnapshotAsync(fixture.Store));
    }

    [Fact]
    public async Task a_variant_of_a_draft_version_is_refused()
    {
        var draft = (await Flows.StandardsAsync(fixture.Store, "stock-adjustment-approval", TestContext.Current.CancellationToken))[0].Document.Replace("version: 1", "version: 2", StringComparison.Ordinal);
        (await Flows.SaveStandardAsync(fixture.Store, draft, "tests", TestContext.Current.CancellationToken)).Ok();
        (await Flows.DiffVariantAsync(fixture.Store, "flow: stock-adjustment-approval\nversion: 2\nplant: PA01\nset:\n  countMode: double", TestContext.Current.CancellationToken))
            .Rejected("/version", "variant.standard-not-published");
    }

    [Fact]
    public async Task an_in_bounds_variant_is_diffed_approved_by_the_process_owner_and_then_runs_at_its_plant_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var document = Variant("production-schedule-change", "PB01", "reason: Brno plans in three-day blocks.\nset:\n  autoApproveDays: 3\n  settle: PT1H");
        var diff = (await Flows.DiffVariantAsync(fixture.Store, document, ct)).Ok();
        Assert.Equal(
            [("autoApproveDays", "1", "3", "0 … 3"), ("settle", "PT30M", "PT1H", "PT0S … PT4H (business time)")],
            diff.Select(d => (d.Point, d.Standard, d.Variant, d.Bounds)));

        var proposed = (await Flows.ProposeVariantAsync(fixture.Store, document, "petr.lead", ct)).Ok();
        Assert.Equal("proposed", proposed.Status);
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var task = Assert.Single(await Flows.InboxAsync(fixture.Store, DemoFlows.Owner, "PB01", ct), t => t.InstanceId == proposed.ApprovalInstance);
        Assert.Equal("production-owner", task.Role);

        // Before approval, Brno still runs the standard: a 3-day shift needs the lead planner.
        var before = (await Flows.StartAsync(fixture.Store, new StartFlow("production-schedule-change", "PB01", "petr.lead", new() { ["order"] = "PB01-100001", ["shiftDays"] = 3, ["costCenter"] = "CC-5100" }), ct)).Ok();
        Assert.Null(before.VariantId);

        // The proposer may not approve his own variant, even holding the owner's role.
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("petr.lead", "production-owner", "PB01"), ct)).Ok();
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, "petr.lead"), ct)).Rejected("/actor", "sod.requester-approves");
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, DemoFlows.Owner, "Fits the bounds."), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var active = Assert.Single(await Flows.VariantsAsync(fixture.Store, "PB01", ct), v => v.Id == proposed.Id);
        Assert.Equal("active", active.Status);

        var brno = (await Flows.StartAsync(fixture.Store, new StartFlow("production-schedule-change", "PB01", "petr.lead", new() { ["order"] = "PB01-100002", ["shiftDays"] = 3, ["costCenter"] = "CC-5100" }), ct)).Ok();
        var augsburg = (await Flows.StartAsync(fixture.Store, new StartFlow("production-schedule-change", "PA01", "anna.buyer", new() { ["order"] = "PA01-100002", ["shiftDays"] = 3, ["costCenter"] = "CC-4100" }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var brnoDone = (await Flows.InstanceAsync(fixture.Store, brno.Id, ct))!;
        Assert.Equal(proposed.Id, brnoDone.VariantId);
        Assert.Equal("completed", brnoDone.Status); // 3 ≤ autoApproveDays 3: applied without a person
        Assert.Equal(["check", "apply"], brnoDone.History.Where(h => h.Event is "decided" or "completed" && h.Step.Length > 0).Select(h => h.Step));
        var augsburgNow = (await Flows.InstanceAsync(fixture.Store, augsburg.Id, ct))!;
        Assert.Equal("running", augsburgNow.Status); // Augsburg's variant (2 days) still asks the lead planner
        Assert.Contains("approve:task:planner-lead", augsburgNow.Waiting);
    }

    [Fact]
    public async Task an_inserted_step_runs_where_the_standard_allows_it_and_the_conformance_report_counts_it()
    {
        var ct = TestContext.Current.CancellationToken;
        // Augsburg's demo variant inserts an inspection after the approval of expedites (and raises the threshold to 30,000).
        var started = (await Flows.StartAsync(fixture.Store, new StartFlow("expedite-procurement-approval", "PA01", "anna.buyer", new()
        {
            ["requisition"] = "REQ-7001", ["value"] = FlowTesting.Money(48_200m), ["category"] = "MRO", ["urgency"] = "expedite", ["supplierRisk"] = "low", ["costCenter"] = "CC-4100",
        }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var approval = Assert.Single(await Flows.InboxAsync(fixture.Store, "bernd.controller", "PA01", ct), t => t.InstanceId == started.Id);
        Assert.Equal("PA01 plant-controller: value 48,200 EUR > 25,000 for MRO (matrix procurement v1)", approval.Explanation);
        (await Flows.ActAsync(fixture.Store, approval.Id, new TaskAction(TaskVerb.Approve, "bernd.controller"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var inspection = Assert.Single(await Flows.InboxAsync(fixture.Store, "frieda.inspector", "PA01", ct), t => t.InstanceId == started.Id);
        Assert.Equal("incoming-inspection", inspection.Step);
        (await Flows.ActAsync(fixture.Store, inspection.Id, new TaskAction(TaskVerb.Complete, "frieda.inspector"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Contains("confirmation:event", (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!.Waiting);

        var row = Assert.Single(await Flows.ConformanceAsync(fixture.Store, "PA01", ct), r => r.Flow == "expedite-procurement-approval");
        Assert.NotNull(row.VariantId);
        Assert.True(row.VariantStepsRun >= 1);
    }
}

public sealed class VariantsOnSqlite(SqliteFlowHost fixture) : VariantContract<SqliteFlowHost>(fixture);

public sealed class VariantsOnPostgres(PostgresFlowHost fixture) : VariantContract<PostgresFlowHost>(fixture);
