using System.Data.Common;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// How work is committed: a worker's turn runs system steps (actions, decisions) straight on until the instance
/// waits, in one transaction, and appends the instance's start to the process log; concurrent starts commit in
/// groups, where a refused start leaves the others of its group alone.
/// </summary>
public abstract class TurnContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    private async Task PublishAsync(string document, string flow)
    {
        var ct = TestContext.Current.CancellationToken;
        (await Flows.SaveStandardAsync(fixture.Store, document, "tests", ct)).Ok();
        (await Flows.PublishStandardAsync(fixture.Store, flow, 1, ct)).Ok();
    }

    private async Task<long> CountAsync(string sql, params object[] args)
    {
        await using var connection = await fixture.Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = fixture.Store.Engine == StoreEngine.Postgres ? $"p{i}" : $"$p{i}";
            parameter.Value = args[i];
            command.Parameters.Add(parameter);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string P(TFixture f, int i) => f.Store.Engine == StoreEngine.Postgres ? $"@p{i}" : $"$p{i}";

    [Fact]
    public async Task one_turn_runs_system_steps_on_to_the_next_wait_and_logs_the_start_with_its_time()
    {
        var ct = TestContext.Current.CancellationToken;
        await PublishAsync("""
            flow: turn-chain
            version: 1
            title: System steps, then a timer
            owner: ops
            inputs:
              value: number
            steps:
              - { id: a, type: action, action: signal, with: { name: a }, next: route }
              - id: route
                type: decision
                cases:
                  - { when: value > 10, next: b }
                otherwise: c
              - { id: b, type: action, action: signal, with: { name: b }, next: wait }
              - { id: wait, type: timer, after: PT1H, business: false, next: c }
              - { id: c, type: action, action: signal, with: { name: c } }
            """, "turn-chain");
        var startedAt = fixture.Clock.GetUtcNow();
        var started = (await Flows.StartAsync(fixture.Store, new StartFlow("turn-chain", "PC01", "tests", new() { ["value"] = 42 }), ct)).Ok();
        const string StartedEvents = "SELECT COUNT(*) FROM intel_event WHERE type = 'takt.orchestration.instance-started.v1' AND source_id LIKE ";
        var mine = P(fixture, 0);
        Assert.Equal(0, await CountAsync(StartedEvents + mine, started.Id + "/%"));
        Assert.Equal(["a:step"], (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!.Waiting);

        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        await using (var session = await fixture.Store.OpenSessionAsync(fixture.Clock, ct))
            Assert.Equal(1, await Flows.RunDueAsync(session, 500, ct)); // one claimed row ...

        var afterTurn = (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!;
        Assert.Equal(["wait:timer"], afterTurn.Waiting); // ... and a, route and b ran in that turn
        Assert.Equal(["a", "route", "b"], afterTurn.History.Where(h => h.Event is "completed" or "decided" && h.Step != "").Select(h => h.Step));
        Assert.Equal(1, await CountAsync(StartedEvents + mine, started.Id + "/%"));
        // The start is logged at the time the instance started, not at the turn's.
        Assert.Equal(1, await CountAsync(StartedEvents + mine + $" AND occurred_at_us = {P(fixture, 1)}", started.Id + "/%", startedAt.ToUnixMicroseconds()));

        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        var done = (await Flows.InstanceAsync(fixture.Store, started.Id, ct))!;
        Assert.Equal("completed", done.Status);
        Assert.Equal(["a", "route", "b", "wait", "c"], done.History.Where(h => h.Event is "completed" or "decided" && h.Step != "").Select(h => h.Step));
        Assert.Equal(1, await CountAsync(StartedEvents + mine, started.Id + "/%"));
    }

    [Fact]
    public async Task concurrent_starts_commit_together_and_a_refused_one_leaves_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        await PublishAsync("""
            flow: turn-group
            version: 1
            title: One step
            owner: ops
            inputs:
              value: number
            steps:
              - { id: only, type: action, action: signal, with: { name: only } }
            """, "turn-group");
        // Every fifth start names an input the standard does not declare.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => Flows.StartAsync(fixture.Store,
            new StartFlow("turn-group", "PC01", "tests", i % 5 == 0 ? new() { ["value"] = i, ["extra"] = "x" } : new() { ["value"] = i }), ct), ct)));

        for (var i = 0; i < outcomes.Length; i++)
        {
            if (i % 5 == 0)
                outcomes[i].Rejected("/variables/extra", "flow.input-undeclared");
            else
                Assert.Equal(i, outcomes[i].Ok().Variables["value"]!.GetValue<int>());
        }

        var accepted = outcomes.Where(o => !o.IsRejected).Select(o => o.Value.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(32, accepted.Count);
        Assert.Equal(32, await CountAsync("SELECT COUNT(*) FROM orch_instance WHERE flow = 'turn-group'"));
        Assert.Equal(32, await CountAsync("SELECT COUNT(*) FROM orch_work w JOIN orch_instance i ON i.id = w.instance_id WHERE i.flow = 'turn-group' AND w.kind = 'start'"));
        await Flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Equal(32, await CountAsync("SELECT COUNT(*) FROM orch_instance WHERE flow = 'turn-group' AND status = 'completed'"));
        Assert.Equal(32, await CountAsync("SELECT COUNT(*) FROM intel_event WHERE type = 'takt.orchestration.instance-started.v1' AND data LIKE '%\"flow\":\"turn-group\"%'"));
    }
}

public sealed class TurnsOnSqlite(SqliteFlowHost fixture) : TurnContract<SqliteFlowHost>(fixture);

public sealed class TurnsOnPostgres(PostgresFlowHost fixture) : TurnContract<PostgresFlowHost>(fixture);
