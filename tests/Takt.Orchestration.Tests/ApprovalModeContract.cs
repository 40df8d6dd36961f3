using System.Text.Json;
using Takt.Contracts.Events;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// Parallel approvals (roles side by side, and a parallel delegation-of-authority matrix), the outcome an instance
/// completes with (its decisions, not its last transition), and SLA escalation routed by the matrix.
/// </summary>
public abstract class ApprovalModeContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    private const string Signoff = """
        flow: parallel-signoff
        version: 1
        title: Release a lot by two sign-offs at once
        owner: quality-owner
        inputs:
          lot: text
        steps:
          - id: signoff
            type: approval
            roles: [quality-manager, production-manager]
            mode: parallel
            next: release
            onReject: notify
          - { id: release, type: action, action: signal, with: { name: lot-released } }
          - { id: notify, type: action, action: signal, with: { name: lot-refused } }
        """;

    private async Task EnsureAsync(string flow, string document, string? matrix = null)
    {
        var ct = TestContext.Current.CancellationToken;
        if ((await Flows.StandardsAsync(fixture.Store, flow, ct)).Count > 0)
            return;
        if (matrix is not null)
            (await Flows.PublishDoaAsync(fixture.Store, matrix, ct)).Ok();
        (await Flows.SaveStandardAsync(fixture.Store, document, "tests", ct)).Ok();
        (await Flows.PublishStandardAsync(fixture.Store, flow, 1, ct)).Ok();
        foreach (var (user, role) in new[] { ("quinn.qm", "quality-manager"), ("paul.pm", "production-manager"), ("bo.both", "quality-manager"), ("bo.both", "production-manager"), ("lena.lot", "production-manager") })
            (await Flows.AssignRoleAsync(fixture.Store, new RoleAssignment(user, role, "*"), ct)).Ok();
    }

    private async Task<(string Instance, TaskView Quality, TaskView Production)> StartSignoffAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await EnsureAsync("parallel-signoff", Signoff);
        var started = (await Flows.StartAsync(fixture.Store, new StartFlow("parallel-signoff", "PA01", "lena.lot", new() { ["lot"] = "LOT-" + Guid.NewGuid().ToString("N")[..6] }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var tasks = (await Flows.InboxAsync(fixture.Store, "bo.both", "PA01", ct)).Where(t => t.InstanceId == started.Id).ToList();
        // Both roles are asked at once, on the same level.
        Assert.Equal(2, tasks.Count);
        Assert.All(tasks, t => Assert.Equal((1, "open", "approval"), (t.Level, t.Status, t.Kind)));
        return (started.Id, tasks.Single(t => t.Role == "quality-manager"), tasks.Single(t => t.Role == "production-manager"));
    }

    private async Task<string> CompletedOutcomeEventAsync(string instance)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var data = await Dapper.SqlMapper.QuerySingleAsync<string>(connection, "SELECT data FROM store_outbox_message WHERE type = @type AND subject = @instance",
            new { type = EventTypes.OrchestrationInstanceCompleted, instance });
        return JsonSerializer.Deserialize<OrchestrationInstanceCompleted>(data, EventTypes.Json)!.Outcome;
    }

    private async Task<IReadOnlyList<string>> SignalsAsync(string instance)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return [.. (await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT data FROM store_outbox_message WHERE type = @type AND subject = @instance",
            new { type = EventTypes.OrchestrationSignal, instance })).Select(d => JsonSerializer.Deserialize<OrchestrationSignal>(d, EventTypes.Json)!.Name)];
    }

    [Fact]
    public async Task a_parallel_approval_asks_every_role_at_once_and_goes_on_only_when_all_approved()
    {
        var ct = TestContext.Current.CancellationToken;
        var (instance, quality, production) = await StartSignoffAsync();
        (await Flows.ActAsync(fixture.Store, production.Id, new TaskAction(TaskVerb.Approve, "paul.pm"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var waiting = (await Flows.InstanceAsync(fixture.Store, instance, ct))!;
        Assert.Equal(("running", null), (waiting.Status, waiting.Outcome));
        Assert.Equal(["signoff:task:quality-manager"], waiting.Waiting);
        Assert.Empty(await SignalsAsync(instance));

        (await Flows.ActAsync(fixture.Store, quality.Id, new TaskAction(TaskVerb.Approve, "quinn.qm", "Lot meets spec."), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var done = (await Flows.InstanceAsync(fixture.Store, instance, ct))!;
        Assert.Equal(("completed", "approved"), (done.Status, done.Outcome));
        Assert.Equal(["lot-released"], await SignalsAsync(instance));
        Assert.Equal("approved", await CompletedOutcomeEventAsync(instance));
    }

    [Fact]
    public async Task one_person_holding_both_roles_signs_one_of_them_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var (instance, quality, production) = await StartSignoffAsync();
        (await Flows.ActAsync(fixture.Store, quality.Id, new TaskAction(TaskVerb.Approve, "bo.both"), ct)).Ok();
        (await Flows.ActAsync(fixture.Store, production.Id, new TaskAction(TaskVerb.Approve, "bo.both"), ct)).Rejected("/actor", "sod.same-approver-twice");
        (await Flows.ActAsync(fixture.Store, production.Id, new TaskAction(TaskVerb.Approve, "lena.lot"), ct)).Rejected("/actor", "sod.requester-approves");
        Assert.Equal("open", (await Flows.TaskAsync(fixture.Store, production.Id, ct))!.Status);
        Assert.Equal("running", (await Flows.InstanceAsync(fixture.Store, instance, ct))!.Status);
    }

    [Fact]
    public async Task a_rejection_after_an_approval_cancels_the_other_task_and_the_instance_completes_as_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        var (instance, quality, production) = await StartSignoffAsync();
        (await Flows.ActAsync(fixture.Store, quality.Id, new TaskAction(TaskVerb.Approve, "quinn.qm"), ct)).Ok();
        (await Flows.ActAsync(fixture.Store, production.Id, new TaskAction(TaskVerb.Reject, "paul.pm", "Line is not ready."), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var done = (await Flows.InstanceAsync(fixture.Store, instance, ct))!;
        // The notification step ran last ("completed"), yet the instance and its event carry the decision.
        Assert.Equal(("completed", "rejected"), (done.Status, done.Outcome));
        Assert.Equal("rejected", await CompletedOutcomeEventAsync(instance));
        Assert.Equal(["lot-refused"], await SignalsAsync(instance));

        // A first rejection cancels the sibling still open.
        var (second, q2, p2) = await StartSignoffAsync();
        (await Flows.ActAsync(fixture.Store, q2.Id, new TaskAction(TaskVerb.Reject, "quinn.qm", "Out of spec."), ct)).Ok();
        Assert.Equal("cancelled", (await Flows.TaskAsync(fixture.Store, p2.Id, ct))!.Status);
        (await Flows.ActAsync(fixture.Store, p2.Id, new TaskAction(TaskVerb.Approve, "paul.pm"), ct)).Rejected("/id", "task.closed");
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Equal("rejected", await CompletedOutcomeEventAsync(second));
    }

    [Fact]
    public async Task a_parallel_matrix_asks_every_level_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Matrix = """
            matrix: capex-parallel
            version: 1
            currency: EUR
            mode: parallel
            rules:
              - { role: quality-manager, level: 1, above: 0 }
              - { role: production-manager, level: 2, above: 10000 }
            """;
        await EnsureAsync("capex-signoff", """
            flow: capex-signoff
            version: 1
            title: Capex sign-off
            owner: quality-owner
            inputs:
              value: money
            steps:
              - { id: approve, type: approval, doa: capex-parallel, next: done }
              - { id: done, type: action, action: signal, with: { name: capex-approved } }
            """, Matrix);
        var started = (await Flows.StartAsync(fixture.Store, new StartFlow("capex-signoff", "PB01", "lena.lot", new() { ["value"] = FlowTesting.Money(20_000m) }), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var tasks = (await Flows.InboxAsync(fixture.Store, "bo.both", "PB01", ct)).Where(t => t.InstanceId == started.Id).OrderBy(t => t.Level).ToList();
        Assert.Equal([(1, "quality-manager"), (2, "production-manager")], tasks.Select(t => (t.Level, t.Role)));
        Assert.Contains("production-manager: value 20,000 EUR > 10,000", tasks[1].Explanation, StringComparison.Ordinal);
        // Level 2 decides first: in parallel mode levels do not wait for each other.
        (await Flows.ActAsync(fixture.Store, tasks[1].Id, new TaskAction(TaskVerb.Approve, "paul.pm"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Equal("running", (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!.Status);
        (await Flows.ActAsync(fixture.Store, tasks[0].Id, new TaskAction(TaskVerb.Approve, "quinn.qm"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Equal(("completed", "approved"), ((await Flows.InstanceAsync(fixture.Store, started.Id, ct))!.Status, (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!.Outcome));
    }

    [Fact]
    public async Task an_sla_lapse_escalates_by_the_matrix_levels_of_the_plant_then_the_steps_own_chain()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Matrix = """
            matrix: escalation-test
            version: 1
            currency: EUR
            rules:
              - { role: buyer-lead, level: 1, above: 0 }
              - { role: plant-director, level: 2, above: 1000000 }
              - { role: vp-operations, level: 3, above: 5000000, plants: [PZ02] }
            """;
        await EnsureAsync("escalation-test", """
            flow: escalation-test
            version: 1
            title: Escalation by the matrix
            owner: quality-owner
            inputs:
              value: money
            steps:
              - id: approve
                type: approval
                doa: escalation-test
                sla: { within: PT4H, escalateTo: [plant-manager, plant-director] }
                next: done
              - { id: done, type: action, action: signal, with: { name: approved } }
            """, Matrix);

        async Task<List<(string Role, string? Detail)>> EscalateAllAsync(string plant)
        {
            // Plants without a business calendar are always open: the SLA is 4 plain hours.
            var started = (await Flows.StartAsync(fixture.Store, new StartFlow("escalation-test", plant, "lena.lot", new() { ["value"] = FlowTesting.Money(500m) }), ct)).Ok();
            await Flows.RunAsync(fixture.Store, fixture.Clock);
            var task = Assert.Single(await TasksAsync(started.Id));
            Assert.Equal(("buyer-lead", 1), (task.Role, task.Level)); // 500 EUR: level 1 only
            var roles = new List<(string, string?)>();
            for (var lapse = 0; lapse < 4; lapse++)
            {
                fixture.Clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
                await Flows.RunAsync(fixture.Store, fixture.Clock);
            }

            var history = (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!.History;
            roles.AddRange(history.Where(h => h.Event is "escalated" or "sla-lapsed").Select(h => (h.Event == "escalated" ? h.Outcome! : "(" + h.Event + ")", h.Detail)));
            return roles;
        }

        var pz01 = await EscalateAllAsync("PZ01");
        Assert.Equal(["plant-director", "plant-manager", "(sla-lapsed)"], pz01.Select(r => r.Role)); // plant-director is not asked twice; a last lapse is recorded once
        Assert.Contains("from buyer-lead to plant-director (level 2 of matrix escalation-test v1 for PZ01)", pz01[0].Detail, StringComparison.Ordinal);
        Assert.Contains("from plant-director to plant-manager (escalateTo of step 'approve' of escalation-test v1)", pz01[1].Detail, StringComparison.Ordinal);

        // At PZ02 the matrix has a third level: it comes before the step's own chain.
        var pz02 = await EscalateAllAsync("PZ02");
        Assert.Equal(["plant-director", "vp-operations", "plant-manager", "(sla-lapsed)"], pz02.Select(r => r.Role));
        Assert.Contains("(level 3 of matrix escalation-test v1 for PZ02)", pz02[1].Detail, StringComparison.Ordinal);
    }

    private async Task<List<TaskView>> TasksAsync(string instance)
    {
        var tasks = new List<TaskView>();
        await using var connection = await fixture.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        foreach (var id in await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT id FROM orch_task WHERE instance_id = @instance", new { instance }))
            tasks.Add((await Flows.TaskAsync(fixture.Store, id, TestContext.Current.CancellationToken))!);
        return tasks;
    }
}

public sealed class ApprovalModesOnSqlite(SqliteFlowHost fixture) : ApprovalModeContract<SqliteFlowHost>(fixture);

public sealed class ApprovalModesOnPostgres(PostgresFlowHost fixture) : ApprovalModeContract<PostgresFlowHost>(fixture);
