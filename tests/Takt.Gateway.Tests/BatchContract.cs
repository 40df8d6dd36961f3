using System.Net;
using System.Text.Json.Nodes;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// Batch mode (<c>application/cloudevents-batch+json</c>) and binary mode (<c>ce-*</c> headers, JSON body). In a
/// batch each event stands alone: good ones commit, bad ones are reported by index with fields that point into
/// the array (<c>/2/data/order</c>), and the answer is 207 when some were rejected.
/// </summary>
public abstract class BatchContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_mixed_batch_commits_the_good_events_and_reports_each_bad_one_by_index()
    {
        // Good: 2 × RM-3001 at 38.40 = 76.80 and 30 MIN on PA01-CNC1 at 85.00/h = 42.50 → WIP 119.30 on PA01-100002.
        var now = PlantCalendar.Now.AddMinutes(-5);
        var good1 = Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 2m, "H87", now);
        var schemaBad = Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 3m, "H87", now);
        schemaBad["data"]!["quantity"]!["value"] = "3";
        var ruleBad = Events.MaterialIssued("PA01", "PA01-999999", "RM-3001", 4m, "H87", now);
        var good2 = Events.OperationConfirmed("PA01", "PA01-100002", "0010", "PA01-CNC1", 0m, "H87", machine: (30m, "MIN"), time: now);
        var envelopeBad = Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 5m, "H87", now);
        envelopeBad.Remove("id");
        var closed = Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 6m, "H87", PlantCalendar.Now.AddMonths(-4));
        var before = await Host.SettledSnapshotAsync();

        var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync([good1, schemaBad, ruleBad, good2, envelopeBad, closed]), HttpStatusCode.MultiStatus);

        Assert.Equal((2, 4), (answer.Accepted, answer.Rejected));
        Assert.Equal([200, 400, 422, 200, 400, 422], answer.Results.Select(r => r.Status));
        answer.AssertRejected(1, 400, "/1/data/quantity/value", "schema.type");
        answer.AssertRejected(2, 422, "/2/data/order", "order.unknown");
        answer.AssertRejected(4, 400, "/4/id", "cloudevents.required");
        answer.AssertRejected(5, 422, "/5/time", "period.closed");
        JsonObject[] sent = [good1, schemaBad, ruleBad, good2, envelopeBad, closed];
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.Equal(Source(sent[i]), answer.Results[i].Source);
            Assert.Equal(sent[i]["id"]?.GetValue<string>(), answer.Results[i].Id);
            Assert.Equal(sent[i]["type"]!.GetValue<string>(), answer.Results[i].Type);
        }

        Assert.Single(answer.Results[0].Result!.JournalEntries);
        Assert.Single(answer.Results[3].Result!.JournalEntries);
        foreach (var bad in new[] { schemaBad, ruleBad, closed })
            Assert.Equal(0, await Recorded.TracesOfAsync(Host.Store, Source(bad), Id(bad)));
        var after = await Host.SettledSnapshotAsync();
        // Two accepted events: two entries (2 + 2 lines), one movement, two logged, two in the inbox.
        (string Table, int Added)[] written = [("ledger_journal_entry", 2), ("ledger_journal_line", 4), ("inventory_movement", 1), ("intel_event", 2), ("integration_inbox", 2)];
        foreach (var (table, added) in written)
            Assert.Equal((table, before.RowCounts[table] + added), (table, after.RowCounts[table]));
        var order = await OrderAsync("PA01-100002");
        Assert.Equal((2m, 119.30m), (order.Components.Single(c => c.Item == "RM-3001").Issued, order.Wip));
    }

    [Fact]
    public async Task a_batch_of_good_events_is_answered_with_200_in_input_order()
    {
        // PA01-100004: 1, 2, 3 castings at 38.40 = 230.40.
        var time = PlantCalendar.Now.AddMinutes(-5);
        JsonObject[] events =
        [
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 1m, "H87", time),
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 2m, "H87", time),
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 3m, "H87", time),
        ];

        var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync(events), HttpStatusCode.OK);

        Assert.Equal((3, 0), (answer.Accepted, answer.Rejected));
        Assert.Equal(events.Select(Id), answer.Results.Select(r => r.Result!.Id));
        var order = await OrderAsync("PA01-100004");
        Assert.Equal((6m, 230.40m), (order.Components.Single(c => c.Item == "RM-3001").Issued, order.Wip));
    }

    [Fact]
    public async Task a_batch_of_only_bad_events_is_answered_with_207_and_changes_nothing()
    {
        var unknownOrder = Events.MaterialIssued("PA01", "PA01-999999", "RM-3001", 1m, "H87", PlantCalendar.Now.AddMinutes(-5));
        var zero = Events.MaterialIssued("PA01", "PA01-100006", "RM-3001", 0m, "H87", PlantCalendar.Now.AddMinutes(-5));
        var before = await Host.SettledSnapshotAsync();

        var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync([unknownOrder, zero]), HttpStatusCode.MultiStatus);

        Assert.Equal((0, 2), (answer.Accepted, answer.Rejected));
        answer.AssertRejected(0, 422, "/0/data/order", "order.unknown");
        answer.AssertRejected(1, 422, "/1/data/quantity/value", "quantity.positive");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task a_binary_mode_event_is_accepted_and_posted_like_a_structured_one()
    {
        // PB01-100003 assembles pumps in Brno: 4 drive shafts RM-3002 at 12.60 = 50.40, Dr 145000 / Cr 140000.
        var id = Guid.NewGuid().ToString();
        var data = new JsonObject { ["plant"] = "PB01", ["order"] = "PB01-100003", ["item"] = "RM-3002", ["quantity"] = Events.Quantity(4m, "H87") };

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostBinaryAsync(Binary(id), data.ToJsonString()));

        Assert.Equal(("/mes/pb01/cell-2", id, "takt.production.material-issued.v1"), (accepted.Source, accepted.Id, accepted.Type));
        Assert.Equal(
            [new JournalLine("145000", 50.40m, 0m, "PB01-100003", "RM-3002"), new JournalLine("140000", 0m, 50.40m, "PB01-100003", "RM-3002")],
            await Recorded.JournalLinesAsync(Host.Store, Assert.Single(accepted.JournalEntries)));
        var logged = await Recorded.ProcessEventAsync(Host.Store, accepted.ProcessEventId);
        Assert.Equal(("/mes/pb01/cell-2", id, "PB01"), (logged.Source, logged.SourceId, logged.Plant));
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_inbox WHERE source = '/mes/pb01/cell-2' AND event_id = @id", new { id }));
        Assert.Equal(50.40m, (await OrderAsync("PB01-100003")).Wip);
    }

    [Fact]
    public async Task a_binary_mode_event_without_ce_id_is_rejected_and_changes_nothing()
    {
        var attributes = Binary(Guid.NewGuid().ToString());
        attributes.Remove("id");
        var data = new JsonObject { ["plant"] = "PB01", ["order"] = "PB01-100005", ["item"] = "RM-3002", ["quantity"] = Events.Quantity(1m, "H87") };
        var before = await Host.SettledSnapshotAsync();

        using var response = await Host.PostBinaryAsync(attributes, data.ToJsonString());

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "/id", "cloudevents.required");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task a_binary_mode_event_with_a_body_that_is_not_json_is_rejected_and_changes_nothing()
    {
        var before = await Host.SettledSnapshotAsync();

        using var response = await Host.PostBinaryAsync(Binary(Guid.NewGuid().ToString()), "plant=PB01&order=PB01-100005");

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "/data", "json.malformed");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    private static Dictionary<string, string> Binary(string id) => new(StringComparer.Ordinal)
    {
        ["specversion"] = "1.0",
        ["id"] = id,
        ["source"] = "/mes/pb01/cell-2",
        ["type"] = "takt.production.material-issued.v1",
        ["time"] = PlantCalendar.Now.AddMinutes(-5).ToString("O"),
    };

    private Task<ProductionOrderView> OrderAsync(string number) => Host.GetAsync<ProductionOrderView>($"/api/v1/production-orders/{number}");

    private static string Id(JsonObject cloudEvent) => cloudEvent["id"]!.GetValue<string>();

    private static string Source(JsonObject cloudEvent) => cloudEvent["source"]!.GetValue<string>();
}

public sealed class BatchOnSqlite(SqliteHost fixture) : BatchContract<SqliteHost>(fixture);

public sealed class BatchOnPostgres(PostgresHost fixture) : BatchContract<PostgresHost>(fixture);
