using System.Text.Json;
using System.Text.Json.Nodes;
using Snapshooter.Xunit3;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Xunit;

namespace Takt.Contracts.Tests;

/// <summary>
/// Published event data and problem details keep their shape: a change here breaks every consumer.
/// A mismatch is written to __snapshots__/__mismatch__/ for review.
/// </summary>
public sealed class EventJsonSnapshotTests
{
    private static JsonNode Json<T>(T value, JsonSerializerOptions options) => JsonNode.Parse(JsonSerializer.Serialize(value, options))!;

    [Fact]
    public void journal_entry_posted_keeps_its_shape()
    {
        var data = new JournalEntryPosted(
            Guid.Parse("01a2f000-0000-7000-8000-000000000001"), "TK01", "PA01", new DateOnly(2026, 11, 26), "EUR",
            EventTypes.MaterialIssued, "/mes/pa01/line-1", "evt-1",
            [new JournalLineData("145000", 3.56m, 0m, "PA01-100002", "RM-3005"), new JournalLineData("140000", 0m, 3.56m, "PA01-100002", "RM-3005")]);
        Snapshot.Match(Json(data, EventTypes.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void stock_moved_keeps_its_shape()
    {
        var data = new StockMoved(Guid.Parse("01a2f000-0000-7000-8000-000000000002"), "PA01", "RM-3005", "goods-issue-to-order",
            new QuantityValue(-1.25m, "KGM"), Guid.Parse("01a2f000-0000-7000-8000-000000000001"), "PA01-100002");
        Snapshot.Match(Json(data, EventTypes.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void orchestration_signal_keeps_its_shape()
    {
        var data = new OrchestrationSignal("expedite-order", false, "01a2f000-0000-7000-8000-000000000003", "purchase-requisition-approval", 2,
            "signal-expedite", "PA01", new JsonObject { ["requisition"] = "REQ-7001", ["value"] = new JsonObject { ["amount"] = 48200, ["currency"] = "EUR" }, ["costCenter"] = "CC-4100" });
        Snapshot.Match(Json(data, EventTypes.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void orchestration_task_created_keeps_its_shape()
    {
        var data = new OrchestrationTaskCreated("01a2f000-0000-7000-8000-000000000004", "01a2f000-0000-7000-8000-000000000003", "purchase-requisition-approval",
            "approve", "plant-controller", "PA01", "CC-4100", new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero), "value above 25000 EUR");
        Snapshot.Match(Json(data, EventTypes.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void orchestration_instance_completed_keeps_its_shape()
    {
        var data = new OrchestrationInstanceCompleted("01a2f000-0000-7000-8000-000000000003", "purchase-requisition-approval", 2, "PA01", "approved", "01a2f000-0000-7000-8000-000000000005");
        Snapshot.Match(Json(data, EventTypes.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void purchase_order_issued_keeps_its_shape()
    {
        var data = new PurchaseOrderIssued("PO-0000042", 2, "PA01", "SUP-100", "EUR", "FCA Augsburg", "anna.buyer",
            [new PurchaseOrderLineData(1, "RM-3001", new QuantityValue(200m, "H87"), 38.40m, new DateOnly(2026, 12, 7))]);
        Snapshot.Match(Json(data, EventTypes.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void operation_confirmed_reads_what_the_mes_sends()
    {
        var json = """
            {"plant":"PA01","order":"PA01-100002","operation":"0010","workCenter":"PA01-CNC1",
             "goodQuantity":{"value":4,"unit":"H87"},"machineTime":{"value":45,"unit":"MIN"}}
            """;
        var data = JsonSerializer.Deserialize<OperationConfirmed>(json, EventTypes.Json)!;
        Assert.Equal(new QuantityValue(4m, "H87"), data.GoodQuantity);
        Assert.Equal(new QuantityValue(45m, "MIN"), data.MachineTime);
        Assert.Null(data.ScrapQuantity);
        Assert.Null(data.LabourTime);
    }

    [Fact]
    public void unknown_members_in_event_data_are_refused()
    {
        var json = """{"plant":"PA01","order":"O","item":"I","quantity":{"value":1,"unit":"H87"},"colour":"red"}""";
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MaterialIssued>(json, EventTypes.Json));
    }

    [Fact]
    public void a_rule_violation_problem_keeps_its_rfc_9457_shape()
    {
        var problem = Problem.RuleViolated([new Violation("/data/quantity/value", "quantity.positive", "Quantity must be greater than 0; got 0.")]);
        Snapshot.Match(Json(problem, Problem.Json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
