using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// What a real flow run writes to the outbox is its contract: every orchestration event reads strictly (unknown
/// members refused) as its registered record, writes back unchanged, and meets the checked-in JSON Schema.
/// </summary>
public abstract class PublishedEventContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FlowHost
{
    [Fact]
    public async Task a_rejected_expedite_publishes_task_created_signal_and_instance_completed_as_their_contracts()
    {
        var ct = TestContext.Current.CancellationToken;
        var flows = fixture.Flows;
        var started = (await flows.StartAsync(fixture.Store, new StartFlow("expedite-procurement-approval", "PA01", "anna.buyer", new()
        {
            ["requisition"] = "REQ-" + Guid.NewGuid().ToString("N")[..8], ["value"] = FlowTesting.Money(48_200m), ["category"] = "MRO", ["urgency"] = "expedite", ["supplierRisk"] = "low", ["costCenter"] = "CC-4100",
        }), ct)).Ok();
        await flows.RunAsync(fixture.Store, fixture.Clock);
        var task = Assert.Single(await flows.InboxAsync(fixture.Store, "bernd.controller", "PA01", ct), t => t.InstanceId == started.Id);
        (await flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Reject, "bernd.controller", "Not urgent enough."), ct)).Ok();
        await flows.RunAsync(fixture.Store, fixture.Clock);
        Assert.Equal("completed", (await flows.InstanceAsync(fixture.Store, started.Id, ct))!.Status);

        await using var connection = await fixture.Store.OpenConnectionAsync(ct);
        var messages = (await Dapper.SqlMapper.QueryAsync<(string Type, string Subject, string Data)>(connection,
            "SELECT type, subject, data FROM store_outbox_message WHERE source = '/takt/orchestration' AND (subject = @instance OR subject IN (SELECT id FROM orch_task WHERE instance_id = @instance))",
            new { instance = started.Id })).ToList();
        Assert.Equal(
            [EventTypes.OrchestrationInstanceCompleted, EventTypes.OrchestrationSignal, EventTypes.OrchestrationTaskCreated],
            messages.Select(m => m.Type).Order(StringComparer.Ordinal));

        foreach (var (type, _, data) in messages)
        {
            var registered = EventTypes.All[type];
            Assert.False(registered.Inbound);
            var typed = JsonSerializer.Deserialize(data, registered.DataType, EventTypes.Json);
            Assert.NotNull(typed);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(data), JsonNode.Parse(JsonSerializer.Serialize(typed, registered.DataType, EventTypes.Json))), $"{type} does not round-trip: {data}");
            using var document = JsonDocument.Parse(data);
            Assert.Empty(EventSchemas.Validate(type, document.RootElement));
        }

        var created = Read<OrchestrationTaskCreated>(messages, EventTypes.OrchestrationTaskCreated);
        Assert.Equal((task.Id, started.Id, "expedite-procurement-approval", "approve", "plant-controller", "PA01", "CC-4100"),
            (created.Task, created.Instance, created.Flow, created.Step, created.Role, created.Plant, created.CostCenter));
        Assert.Equal(task.DueAt, created.DueAt);
        Assert.Equal(task.Explanation, created.Explanation);

        var signal = Read<OrchestrationSignal>(messages, EventTypes.OrchestrationSignal);
        Assert.Equal(("requisition-rejected", false, started.Id, "notify-rejected", "PA01"), (signal.Name, signal.Compensation, signal.Instance, signal.Step, signal.Plant));
        Assert.Equal("CC-4100", (string?)signal.Variables["costCenter"]);

        var completed = Read<OrchestrationInstanceCompleted>(messages, EventTypes.OrchestrationInstanceCompleted);
        Assert.Equal((started.Id, "expedite-procurement-approval", signal.Version, "PA01"), (completed.Instance, completed.Flow, completed.Version, completed.Plant));
        Assert.NotNull(completed.Variant); // Augsburg runs its plant variant of the standard
        Assert.Equal("rejected", completed.Outcome); // the decision stored on the instance, not the notification step that ran last
    }

    [Fact]
    public void unknown_members_in_orchestration_event_data_are_refused()
    {
        const string json = """{"instance":"i","flow":"f","version":1,"plant":"PA01","outcome":"approved","colour":"red"}""";
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, EventTypes.All[EventTypes.OrchestrationInstanceCompleted].DataType, EventTypes.Json));
    }

    private static T Read<T>(IEnumerable<(string Type, string Subject, string Data)> messages, string type) =>
        JsonSerializer.Deserialize<T>(messages.Single(m => m.Type == type).Data, EventTypes.Json)!;
}

public sealed class PublishedEventsOnSqlite(SqliteFlowHost fixture) : PublishedEventContract<SqliteFlowHost>(fixture);

public sealed class PublishedEventsOnPostgres(PostgresFlowHost fixture) : PublishedEventContract<PostgresFlowHost>(fixture);
