using System.Net;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// A client restricted to plant A starts plant A flows and acts on plant A tasks only: anything for another plant is
/// a 403 <c>client.plant-forbidden</c> naming the field, and writes nothing.
/// </summary>
public abstract class PlantAccessContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private static object Schedule(string plant, string order) => new { flow = "production-schedule-change", plant, requester = "pia.planner", variables = new { order, shiftDays = 5, costCenter = "CC-4100" } };

    [Fact]
    public async Task a_plant_a_client_starts_and_works_plant_a_flows_only_and_a_refusal_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var flows = fixture.Flows;
        var runner = await fixture.Host.RegisterClientAsync("plant-a-runner", [Scopes.FlowsRun], ["PA01"]);
        var worker = await fixture.Host.RegisterClientAsync("plant-a-worker", [Scopes.TasksWork], ["PA01"]);
        using var run = fixture.Host.HttpWith(runner.ApiKey);
        using var work = fixture.Host.HttpWith(worker.ApiKey);

        var before = await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_instance") + await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_work");
        using (var refused = await FlowHttp.PostAsync(run, "/api/v1/flows/instances", Schedule("PB01", "PB01-900001")))
            await Problems.AssertAsync(refused, HttpStatusCode.Forbidden, "/plant", "client.plant-forbidden");
        Assert.Equal(before, await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_instance") + await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_work"));
        // Its own plant's rules still apply: a missing plant is the flow's rule, not an access decision.
        using (var noPlant = await FlowHttp.PostAsync(run, "/api/v1/flows/instances", Schedule("", "PA01-900002")))
            await Problems.AssertAsync(noPlant, HttpStatusCode.UnprocessableEntity, "/plant", "flow.plant-required");

        using var started = await FlowHttp.PostAsync(run, "/api/v1/flows/instances", Schedule("PA01", "PA01-900003"));
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var plantA = JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
        var plantB = (await flows.StartAsync(fixture.Store, new StartFlow("production-schedule-change", "PB01", "pia.planner", new() { ["order"] = "PB01-900004", ["shiftDays"] = 5, ["costCenter"] = "CC-4100" }), ct)).Ok().Id;
        await flows.RunAsync(fixture.Store, fixture.Clock);
        var taskA = await OpenTaskAsync(plantA);
        var taskB = await OpenTaskAsync(plantB);
        (await flows.AssignRoleAsync(fixture.Store, new RoleAssignment("ulla.everywhere", taskB.Role, "*"), ct)).Ok();
        (await flows.AssignRoleAsync(fixture.Store, new RoleAssignment("ulla.everywhere", taskA.Role, "*"), ct)).Ok();

        foreach (var verb in new[] { "claim", "approve", "complete", "reject", "delegate" })
        {
            using var refused = await FlowHttp.PostAsync(work, $"/api/v1/tasks/{taskB.Id}/{verb}", new { actor = "ulla.everywhere", comment = "no", to = "someone" });
            await Problems.AssertAsync(refused, HttpStatusCode.Forbidden, "/id", "client.plant-forbidden");
        }

        var unchanged = (await flows.TaskAsync(fixture.Store, taskB.Id, ct))!;
        Assert.Equal(("open", null), (unchanged.Status, unchanged.Assignee));
        using (var unknown = await FlowHttp.PostAsync(work, "/api/v1/tasks/no-such-task/claim", new { actor = "ulla.everywhere" }))
            await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/id", "task.unknown");

        using var claimed = await FlowHttp.PostAsync(work, $"/api/v1/tasks/{taskA.Id}/claim", new { actor = "ulla.everywhere" });
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        Assert.Equal("ulla.everywhere", (await flows.TaskAsync(fixture.Store, taskA.Id, ct))!.Assignee);

        // The audit log records each refusal with its rule.
        var denied = await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM integration_audit WHERE client_id IN ('plant-a-runner', 'plant-a-worker') AND decision = 'denied' AND reason = 'client.plant-forbidden'");
        Assert.Equal(6, denied);
    }

    private async Task<TaskView> OpenTaskAsync(string instance)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var id = await Dapper.SqlMapper.QuerySingleAsync<string>(connection, "SELECT id FROM orch_task WHERE instance_id = @instance AND status = 'open'", new { instance });
        return (await fixture.Flows.TaskAsync(fixture.Store, id, TestContext.Current.CancellationToken))!;
    }
}

public sealed class PlantAccessOnSqlite(SqliteFlowHost fixture) : PlantAccessContract<SqliteFlowHost>(fixture);

public sealed class PlantAccessOnPostgres(PostgresFlowHost fixture) : PlantAccessContract<PostgresFlowHost>(fixture);
