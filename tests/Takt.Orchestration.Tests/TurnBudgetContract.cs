using Takt.Server;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// A worker's turn stops when its time budget is spent: it commits the claimed items it ran, leaves the others
/// due, and the steps it would have chained become work rows, so the next turn goes on where it stopped and
/// nothing runs twice or is lost. With a budget of zero every turn runs exactly one claimed item.
/// </summary>
public abstract class TurnBudgetContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    [Fact]
    public async Task a_spent_turn_commits_what_it_ran_and_the_next_turns_go_on_from_there()
    {
        var ct = TestContext.Current.CancellationToken;
        (await Flows.SaveStandardAsync(fixture.Store, """
            flow: turn-budget
            version: 1
            title: Two system steps, then a timer
            owner: ops
            steps:
              - { id: a, type: action, action: signal, with: { name: a }, next: b }
              - { id: b, type: action, action: signal, with: { name: b }, next: wait }
              - { id: wait, type: timer, after: PT1H, business: false }
            """, "tests", ct)).Ok();
        (await Flows.PublishStandardAsync(fixture.Store, "turn-budget", 1, ct)).Ok();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await Flows.StartAsync(fixture.Store, new StartFlow("turn-budget", "PC01", "tests", []), ct)).Ok().Id);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));

        await using var session = await fixture.Store.OpenSessionAsync(fixture.Clock, ct);
        Assert.Equal(1, await Flows.RunDueAsync(session, 500, ct)); // three claimed, one ran
        Assert.Equal(["b:step"], await WaitingAsync(ids[0])); // its next step is a work row now, not chained
        Assert.Equal(["a"], await HistoryAsync(ids[0]));
        Assert.Equal(["a:step"], await WaitingAsync(ids[1])); // the claimed items it did not reach are still due
        Assert.Equal(["a:step"], await WaitingAsync(ids[2]));
        Assert.Empty(await HistoryAsync(ids[1]));

        Assert.Equal(1, await Flows.RunDueAsync(session, 500, ct)); // the earliest due next: the second start
        Assert.Equal(["b:step"], await WaitingAsync(ids[1]));
        Assert.Equal(["a"], await HistoryAsync(ids[1]));
        Assert.Equal(["a"], await HistoryAsync(ids[0]));

        await Flows.RunAsync(fixture.Store, fixture.Clock);
        foreach (var id in ids)
        {
            Assert.Equal(["wait:timer"], await WaitingAsync(id));
            Assert.Equal(["a", "b"], await HistoryAsync(id)); // each step once
        }
    }

    private async Task<IReadOnlyList<string>> WaitingAsync(string id) =>
        (await Flows.InstanceAsync(fixture.Store, id, TestContext.Current.CancellationToken))!.Waiting;

    private async Task<List<string>> HistoryAsync(string id) =>
        [.. (await Flows.InstanceAsync(fixture.Store, id, TestContext.Current.CancellationToken))!.History
            .Where(h => h.Event is "completed" && h.Step != "").Select(h => h.Step)];
}

/// <summary>A flow host whose worker turns have no time at all.</summary>
public abstract class SpentTurnHost(string engine) : FlowHost(engine)
{
    protected override void Configure(ServerSettings settings)
    {
        base.Configure(settings);
        settings.Orchestration.TurnBudget = TimeSpan.Zero;
    }
}

public sealed class SqliteSpentTurnHost() : SpentTurnHost("sqlite");

public sealed class PostgresSpentTurnHost() : SpentTurnHost("postgres");

public sealed class TurnBudgetOnSqlite(SqliteSpentTurnHost fixture) : TurnBudgetContract<SqliteSpentTurnHost>(fixture);

public sealed class TurnBudgetOnPostgres(PostgresSpentTurnHost fixture) : TurnBudgetContract<PostgresSpentTurnHost>(fixture);
