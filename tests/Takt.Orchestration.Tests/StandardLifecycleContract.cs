using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// Flow standards are versioned documents (draft → published → retired); an instance keeps the version it started
/// on while newer ones are published; moving it to another version is explicit and refused when it cannot fit.
/// </summary>
public abstract class StandardLifecycleContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    private IOrchestration Flows => fixture.Flows;

    private static string Standard(string flow, int version, string steps) => $"""
        flow: {flow}
        version: {version}
        title: Lifecycle test
        owner: lifecycle-owner
        inputs:
          item: text
        steps:
        {steps}
        """;

    private const string V1 = """
          - { id: review, type: task, role: reviewer, next: done }
          - { id: done, type: action, action: signal, with: { name: v1-done } }
        """;

    private const string V2 = """
          - { id: prepare, type: action, action: set, with: { prepared: true }, next: review }
          - { id: review, type: task, role: reviewer, next: done }
          - { id: done, type: action, action: signal, with: { name: v2-done } }
        """;

    private const string V3 = """
          - { id: done, type: action, action: signal, with: { name: v3-done } }
        """;

    [Fact]
    public async Task an_instance_keeps_its_version_while_a_new_one_is_published_and_migrates_only_when_asked_and_possible()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = fixture.Store;
        (await Flows.AssignRoleAsync(store, new RoleAssignment("rita.reviewer", "reviewer", "*"), ct)).Ok();
        Assert.Equal("draft", (await Flows.SaveStandardAsync(store, Standard("pinning", 1, V1), "tests", ct)).Ok().Status);
        (await Flows.StartAsync(store, new StartFlow("pinning", "PA01", "tom", new() { ["item"] = "RM-3001" }), ct)).Rejected("/flow", "flow.not-published");
        (await Flows.PublishStandardAsync(store, "pinning", 1, ct)).Ok();
        (await Flows.SaveStandardAsync(store, Standard("pinning", 1, V2), "tests", ct)).Rejected("/version", "flow.version-immutable");
        (await Flows.SaveStandardAsync(store, Standard("pinning", 3, V2), "tests", ct)).Rejected("/version", "flow.version-sequence");

        var first = (await Flows.StartAsync(store, new StartFlow("pinning", "PA01", "tom", new() { ["item"] = "RM-3001" }), ct)).Ok();
        var second = (await Flows.StartAsync(store, new StartFlow("pinning", "PA01", "tom", new() { ["item"] = "RM-3002" }), ct)).Ok();
        await Flows.RunAsync(store, fixture.Clock);
        (await Flows.SaveStandardAsync(store, Standard("pinning", 2, V2), "tests", ct)).Ok();
        (await Flows.PublishStandardAsync(store, "pinning", 2, ct)).Ok();
        var third = (await Flows.StartAsync(store, new StartFlow("pinning", "PA01", "tom", new() { ["item"] = "RM-3003" }), ct)).Ok();
        Assert.Equal((1, 1, 2), (first.Version, second.Version, third.Version));
        await Flows.RunAsync(store, fixture.Clock);

        // The first instance finishes on v1 although v2 is published: it never runs v2's prepare step.
        await DecideAsync(first.Id);
        var firstDone = (await Flows.InstanceAsync(store, first.Id, ct))!;
        Assert.Equal(("completed", 1), (firstDone.Status, firstDone.Version));
        Assert.DoesNotContain(firstDone.History, h => h.Step == "prepare");
        Assert.Equal(1, await FlowTesting.CountAsync(store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.orchestration.signal.v1' AND subject = @id AND data LIKE '%v1-done%'", new { id = first.Id }));

        // Explicit migration: v1 → v2 works (it waits in 'review', which v2 has); v3 lacks 'review'.
        (await Flows.SaveStandardAsync(store, Standard("pinning", 3, V3), "tests", ct)).Ok();
        (await Flows.PublishStandardAsync(store, "pinning", 3, ct)).Ok();
        (await Flows.MigrateAsync(store, second.Id, 3, "olga.owner", ct)).Rejected("/toVersion", "migration.step-missing");
        (await Flows.MigrateAsync(store, second.Id, 1, "olga.owner", ct)).Rejected("/toVersion", "migration.same-version");
        var migrated = (await Flows.MigrateAsync(store, second.Id, 2, "olga.owner", ct)).Ok();
        Assert.Equal(2, migrated.Version);
        Assert.Contains(migrated.History, h => h.Event == "migrated" && h.Outcome == "v1→v2");
        await DecideAsync(second.Id);
        Assert.Equal(1, await FlowTesting.CountAsync(store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.orchestration.signal.v1' AND subject = @id AND data LIKE '%v2-done%'", new { id = second.Id }));
        (await Flows.MigrateAsync(store, second.Id, 3, "olga.owner", ct)).Rejected("/id", "migration.instance-not-running");

        // Retired: no new instances of v1, running ones untouched; the lifecycle only moves forward.
        (await Flows.RetireStandardAsync(store, "pinning", 2, ct)).Ok();
        Assert.Equal("running", (await Flows.InstanceAsync(store, third.Id, ct))!.Status);
        (await Flows.StartAsync(store, new StartFlow("pinning", "PA01", "tom", new() { ["item"] = "RM-3004" }, Version: 2), ct)).Rejected("/version", "flow.version-not-published");
        (await Flows.PublishStandardAsync(store, "pinning", 2, ct)).Rejected("/version", "flow.lifecycle");
        Assert.Equal(["published", "retired", "published"], (await Flows.StandardsAsync(store, "pinning", ct)).Select(s => s.Status));
        Assert.Equal(3, (await Flows.StartAsync(store, new StartFlow("pinning", "PA01", "tom", new() { ["item"] = "RM-3005" }), ct)).Ok().Version);
    }

    private async Task DecideAsync(string instance)
    {
        var ct = TestContext.Current.CancellationToken;
        var task = Assert.Single(await Flows.InboxAsync(fixture.Store, "rita.reviewer", null, ct), t => t.InstanceId == instance);
        (await Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Complete, "rita.reviewer"), ct)).Ok();
        await Flows.RunAsync(fixture.Store, fixture.Clock);
    }

    [Theory]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\n", "", "flow.schema-required")]
    [InlineData("flow: X\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: a, type: action, action: signal }", "/flow", "flow.schema-pattern")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: a, type: action, action: signal, next: b }", "/steps/0/next", "flow.step-unknown")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: a, type: action, action: launch-rocket }", "/steps/0/action", "flow.action-unknown")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: a, type: action, action: signal }\n  - { id: a, type: action, action: signal }", "/steps/1/id", "flow.step-id-duplicate")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - id: d\n    type: decision\n    cases: [ { when: 'value >> 3', next: end } ]", "/steps/0/cases/0/when", "flow.condition-invalid")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - id: d\n    type: decision\n    cases: [ { when: 'value > 3', next: end } ]", "/steps/0/cases/0/when", "flow.condition-name-unknown")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: t, type: timer, after: 8 hours }", "/steps/0/after", "flow.schema-pattern")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: t, type: timer, after: $limit }", "/steps/0/after", "flow.point-unknown")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nroles: [a]\nsteps:\n  - { id: t, type: task, role: b }", "/steps/0/role", "flow.role-undeclared")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nvariationPoints:\n  limit: { kind: money, min: 10, max: 5, default: 7 }\nsteps:\n  - { id: a, type: action, action: signal }", "/variationPoints/limit/min", "flow.point-bounds-order")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nvariationPoints:\n  limit: { kind: duration, min: PT1H, max: PT2H, default: PT3H }\nsteps:\n  - { id: a, type: action, action: signal }", "/variationPoints/limit/default", "flow.point-default-out-of-bounds")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nvariationPoints:\n  extra: { kind: step, after: nowhere }\nsteps:\n  - { id: a, type: action, action: signal }", "/variationPoints/extra/after", "flow.step-unknown")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps:\n  - { id: p, type: parallel, branches: [[a], [b]] }\n  - { id: a, type: action, action: signal }\n  - { id: b, type: action, action: signal }", "/steps/0/next", "flow.parallel-next-required")]
    [InlineData("flow: x-1\nversion: 1\ntitle: t\nowner: o\nsteps: [ { id: a, type: action, action: signal ", "", "document.yaml-invalid")]
    public async Task a_standard_that_breaks_a_rule_is_refused_with_a_pointer_into_the_document(string document, string field, string rule)
    {
        var before = await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_standard");
        var saved = await Flows.SaveStandardAsync(fixture.Store, document, "tests", TestContext.Current.CancellationToken);
        saved.Rejected(field, rule);
        Assert.Equal(before, await FlowTesting.CountAsync(fixture.Store, "SELECT COUNT(*) FROM orch_standard"));
    }

    [Fact]
    public async Task a_start_without_the_declared_inputs_is_refused_per_field()
    {
        var started = await Flows.StartAsync(fixture.Store, new StartFlow("expedite-procurement-approval", "PA01", "anna.buyer", new()
        {
            ["requisition"] = "REQ-1", ["value"] = FlowTesting.Money(100m, "USD"), ["category"] = 7, ["urgency"] = "expedite", ["supplierRisk"] = "low", ["colour"] = "red",
        }), TestContext.Current.CancellationToken);
        started.Rejected("/variables/value/currency", "flow.input-currency");
        started.Rejected("/variables/category", "flow.input-type");
        started.Rejected("/variables/costCenter", "flow.input-required");
        started.Rejected("/variables/colour", "flow.input-undeclared");
    }
}

public sealed class StandardLifecycleOnSqlite(SqliteFlowHost fixture) : StandardLifecycleContract<SqliteFlowHost>(fixture);

public sealed class StandardLifecycleOnPostgres(PostgresFlowHost fixture) : StandardLifecycleContract<PostgresFlowHost>(fixture);
