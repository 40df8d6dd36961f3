using Takt.Contracts;
using Takt.Orchestration.Approvals;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// Approvals routed by the delegation-of-authority matrix with an explanation for every decision; segregation of
/// duties enforced; tasks claimed, delegated and reassigned by role × plant × cost center.
/// </summary>
public abstract class ApprovalContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    private async Task<DoaRouting> RouteAsync(decimal value, string plant, string category, string urgency = "normal", string risk = "low", string currency = "EUR") =>
        (await Flows.RouteAsync(fixture.Store, "procurement", new DoaRequest(new Money(value, Currency.Of(currency)), plant, category, urgency, risk), TestContext.Current.CancellationToken)).Ok();

    [Fact]
    public async Task the_matrix_routes_by_value_plant_category_and_supplier_risk_and_explains_each_level()
    {
        var mro = await RouteAsync(48_200m, "PA01", "MRO");
        var level = Assert.Single(mro.Levels);
        Assert.Equal("PA01 plant-controller: value 48,200 EUR > 25,000 for MRO (matrix procurement v1)", Assert.Single(level.Approvers).Explanation);

        var small = await RouteAsync(8_000m, "PB01", "MRO");
        Assert.Empty(small.Levels);
        Assert.Equal("No approval needed: value 8,000 EUR is within every threshold that applies to PB01/MRO (matrix procurement v1).", Assert.Single(small.Explanations));

        var large = await RouteAsync(120_000m, "PB01", "direct", risk: "high");
        Assert.Equal([1, 2], large.Levels.Select(l => l.Level));
        Assert.Equal(["plant-controller", "supplier-risk-officer"], large.Levels[0].Approvers.Select(a => a.Role));
        Assert.Equal("PB01 supplier-risk-officer: value 120,000 EUR > 0, supplier risk high (matrix procurement v1)", large.Levels[0].Approvers[1].Explanation);
        Assert.Equal("PB01 plant-manager: value 120,000 EUR > 100,000 (matrix procurement v1)", Assert.Single(large.Levels[1].Approvers).Explanation);

        Assert.Equal([1, 2, 3], (await RouteAsync(300_000m, "PA01", "MRO")).Levels.Select(l => l.Level));
        (await Flows.RouteAsync(fixture.Store, "procurement", new DoaRequest(new Money(48_200m, Currency.Of("USD")), "PA01", "MRO", null, null), TestContext.Current.CancellationToken))
            .Rejected("/variables/value/currency", "doa.currency-mismatch");
        (await Flows.RouteAsync(fixture.Store, "capex", new DoaRequest(new Money(1m, Currency.Eur), "PA01", "MRO", null, null), TestContext.Current.CancellationToken))
            .Rejected("/matrix", "doa.unknown");
    }

    [Fact]
    public async Task a_new_matrix_version_changes_routing_for_new_approvals_and_versions_only_move_forward()
    {
        var ct = TestContext.Current.CancellationToken;
        var v2 = ShippedDocuments.ProcurementMatrix.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("above: 25000, categories: [MRO]", "above: 40000, categories: [MRO]", StringComparison.Ordinal);
        (await Flows.PublishDoaAsync(fixture.Store, v2.Replace("matrix: procurement", "matrix: procurement-test", StringComparison.Ordinal).Replace("version: 2", "version: 1", StringComparison.Ordinal), ct)).Ok();
        (await Flows.PublishDoaAsync(fixture.Store, v2.Replace("matrix: procurement", "matrix: procurement-test", StringComparison.Ordinal).Replace("version: 2", "version: 3", StringComparison.Ordinal), ct)).Rejected("/version", "doa.version-sequence");
        var routed = (await Flows.RouteAsync(fixture.Store, "procurement-test", new DoaRequest(new Money(48_200m, Currency.Eur), "PA01", "MRO", null, null), ct)).Ok();
        Assert.Equal("PA01 plant-controller: value 48,200 EUR > 40,000 for MRO (matrix procurement-test v1)", routed.Explanations.Single());
    }

    private async Task<InstanceView> ExpediteAsync(string requester, decimal value, string category = "MRO", string risk = "low", string costCenter = "CC-4100")
    {
        var ct = TestContext.Current.CancellationToken;
        var started = (await Flows.StartAsync(fixture.Store, new StartFlow("expedite-procurement-approval", "PA01", requester, new()
        {
            ["requisition"] = "REQ-" + Guid.NewGuid().ToString("N")[..8], ["value"] = FlowTesting.Money(value), ["category"] = category, ["urgency"] = "expedite", ["supplierRisk"] = risk, ["costCenter"] = costCenter,
        }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        return (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!;
    }

    private async Task<TaskView> OpenTaskAsync(string instance, string role) =>
        Assert.Single((await Flows.InboxAsync(fixture.Store, "inbox-reader", null, TestContext.Current.CancellationToken)).Concat(await TasksOfAsync(instance)), t => t.InstanceId == instance && t.Role == role && t.Status == "open");

    private async Task<IEnumerable<TaskView>> TasksOfAsync(string instance)
    {
        var ids = new List<TaskView>();
        await using var connection = await fixture.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        foreach (var id in await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT id FROM orch_task WHERE instance_id = @instance", new { instance }))
            ids.Add((await Flows.TaskAsync(fixture.Store, id, TestContext.Current.CancellationToken))!);
        return ids;
    }

    [Fact]
    public async Task the_requester_never_approves_even_holding_the_role()
    {
        var ct = TestContext.Current.CancellationToken;
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("sam.buyer", "plant-controller", "PA01"), ct)).Ok();
        var instance = await ExpediteAsync("sam.buyer", 48_200m);
        var task = await OpenTaskAsync(instance.Id, "plant-controller");
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, "sam.buyer"), ct)).Rejected("/actor", "sod.requester-approves");
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Delegate, "bernd.controller", To: "sam.buyer"), ct)).Rejected("/to", "sod.requester-approves");
        Assert.Equal("open", (await Flows.TaskAsync(fixture.Store, task.Id, ct))!.Status);
    }

    [Fact]
    public async Task nobody_approves_two_levels_and_conflicting_roles_are_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        // One person holding both approval levels of a 120,000 EUR direct-material expedite.
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("vera.double", "plant-controller", "PA01"), ct)).Ok();
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("vera.double", "plant-manager", "PA01"), ct)).Ok();
        var instance = await ExpediteAsync("anna.buyer", 120_000m, category: "direct");
        var level1 = await OpenTaskAsync(instance.Id, "plant-controller");
        (await Flows.ActAsync(fixture.Store, level1.Id, new TaskAction(TaskVerb.Approve, "vera.double"), ct)).Ok();
        var level2 = await OpenTaskAsync(instance.Id, "plant-manager");
        Assert.Equal(2, level2.Level);
        (await Flows.ActAsync(fixture.Store, level2.Id, new TaskAction(TaskVerb.Approve, "vera.double"), ct)).Rejected("/actor", "sod.same-approver-twice");
        (await Flows.ActAsync(fixture.Store, level2.Id, new TaskAction(TaskVerb.Approve, "carla.manager"), ct)).Ok();

        // A configured conflicting pair: who recounted stock may not approve the adjustment as inventory controller.
        await Flows.AddSodConflictAsync(fixture.Store, "warehouse-lead", "inventory-controller", ct);
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("wim.both", "warehouse-lead", "PA01"), ct)).Ok();
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("wim.both", "inventory-controller", "PA01"), ct)).Ok();
        var adjustment = (await Flows.StartAsync(fixture.Store, new StartFlow("stock-adjustment-approval", "PA01", "marta.wh", new() { ["item"] = "RM-3001", ["value"] = FlowTesting.Money(4_000m), ["costCenter"] = "CC-4100" }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var recount = await OpenTaskAsync(adjustment.Id, "warehouse-lead"); // Augsburg's variant counts twice
        (await Flows.ActAsync(fixture.Store, recount.Id, new TaskAction(TaskVerb.Complete, "wim.both"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var approve = await OpenTaskAsync(adjustment.Id, "inventory-controller"); // 4,000 > Augsburg's 2,500
        (await Flows.ActAsync(fixture.Store, approve.Id, new TaskAction(TaskVerb.Approve, "wim.both"), ct)).Rejected("/actor", "sod.conflicting-roles");
        (await Flows.ActAsync(fixture.Store, approve.Id, new TaskAction(TaskVerb.Approve, "nils.inv"), ct)).Ok();
        var second = await OpenTaskAsync(adjustment.Id, "plant-controller");
        (await Flows.ActAsync(fixture.Store, second.Id, new TaskAction(TaskVerb.Reject, "bernd.controller"), ct)).Rejected("/comment", "task.comment-required");
        (await Flows.ActAsync(fixture.Store, second.Id, new TaskAction(TaskVerb.Reject, "bernd.controller", "Count again next week."), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var done = (await Flows.InstanceAsync(fixture.Store, adjustment.Id, ct))!;
        Assert.Equal(("completed", "rejected"), (done.Status, done.Outcome));
        Assert.Contains(done.History, h => h.Step == "reject" && h.Event == "completed");
    }

    [Fact]
    public async Task tasks_reach_the_inbox_by_role_plant_and_cost_center_and_can_be_claimed_delegated_and_reassigned()
    {
        var ct = TestContext.Current.CancellationToken;
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("cc.controller", "plant-controller", "PA01", "CC-4200"), ct)).Ok();
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("brno.controller", "plant-controller", "PB01"), ct)).Ok();
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("tara.admin", "task-admin", "PA01"), ct)).Ok();
        (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("pia.controller", "plant-controller", "PA01"), ct)).Ok();
        var instance = await ExpediteAsync("anna.buyer", 48_200m, costCenter: "CC-4100");
        var task = await OpenTaskAsync(instance.Id, "plant-controller");
        Assert.Contains(await Flows.InboxAsync(fixture.Store, "bernd.controller", "PA01", ct), t => t.Id == task.Id);
        Assert.DoesNotContain(await Flows.InboxAsync(fixture.Store, "cc.controller", null, ct), t => t.Id == task.Id); // another cost center
        Assert.DoesNotContain(await Flows.InboxAsync(fixture.Store, "brno.controller", null, ct), t => t.Id == task.Id); // another plant

        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Claim, "cc.controller"), ct)).Rejected("/actor", "task.role-required");
        Assert.Equal("bernd.controller", (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Claim, "bernd.controller"), ct)).Ok().Assignee);
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Claim, "pia.controller"), ct)).Rejected("/id", "task.claimed-by-other");
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, "pia.controller"), ct)).Rejected("/actor", "task.not-yours");
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Reassign, "pia.controller", To: "pia.controller"), ct)).Rejected("/actor", "task.reassign-forbidden");
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Reassign, "tara.admin", To: "cc.controller"), ct)).Rejected("/to", "task.assignee-lacks-role");
        Assert.Equal("pia.controller", (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Reassign, "tara.admin", "Bernd is on leave.", "pia.controller"), ct)).Ok().Assignee);
        Assert.Equal("victor.deputy", (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Delegate, "pia.controller", "Deputy this week.", "victor.deputy"), ct)).Ok().Assignee);
        Assert.Contains(await Flows.InboxAsync(fixture.Store, "victor.deputy", null, ct), t => t.Id == task.Id);
        var decided = (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, "victor.deputy", "Urgent: line 2 is down."), ct)).Ok();
        Assert.Equal(("approved", "victor.deputy", "plant-controller"), (decided.Status, decided.DecidedBy, decided.Role));
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, "victor.deputy"), ct)).Rejected("/id", "task.closed");
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Contains((await Flows.InstanceAsync(fixture.Store, instance.Id, ct))!.Waiting, w => w.StartsWith("incoming-inspection:task", StringComparison.Ordinal));
    }
}

public sealed class ApprovalsOnSqlite(SqliteFlowHost fixture) : ApprovalContract<SqliteFlowHost>(fixture);

public sealed class ApprovalsOnPostgres(PostgresFlowHost fixture) : ApprovalContract<PostgresFlowHost>(fixture);
