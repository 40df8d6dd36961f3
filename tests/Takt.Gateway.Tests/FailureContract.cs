using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// When the posting step fails for a reason that is not the client's (here a real database trigger that makes
/// journal lines fail to insert), the event is answered with a 500 problem carrying a trace id, and nothing of it
/// is written: no stock movement, no order change, no inbox, outbox or process-log row (DESIGN §2.1, §2.7).
/// Sending it again once the fault is gone succeeds.
/// </summary>
public abstract class FailureContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_failing_posting_writes_nothing_and_the_same_event_is_accepted_once_the_fault_is_gone()
    {
        // PA01-100002: 3 castings RM-3001 at 38.40 = 115.20.
        var cloudEvent = Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 3m, "H87", PlantCalendar.Now.AddMinutes(-5));
        var before = await Host.SettledSnapshotAsync();

        await using (var fault = await PostingFault.InstallAsync(Host.Store))
        {
            // The client's trace travels in traceparent; the 500 names that trace, so the failure can be found.
            using var trace = new Activity("mes-client").SetIdFormat(ActivityIdFormat.W3C).Start();
            using var response = await Host.PostStructuredAsync(cloudEvent);
            var problem = await Problems.AssertInternalAsync(response);
            Assert.Equal(trace.TraceId.ToString(), problem.GetProperty("traceId").GetString());
            before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
            Assert.Equal(0, await Recorded.TracesOfAsync(Host.Store, Source(cloudEvent), Id(cloudEvent)));
        }

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        Assert.False(accepted.Replayed);
        Assert.Equal(
            [new JournalLine("145000", 115.20m, 0m, "PA01-100002", "RM-3001"), new JournalLine("140000", 0m, 115.20m, "PA01-100002", "RM-3001")],
            await Recorded.JournalLinesAsync(Host.Store, Assert.Single(accepted.JournalEntries)));
        Assert.Single(accepted.StockMovements);
        var order = await OrderAsync("PA01-100002");
        Assert.Equal((3m, 115.20m), (order.Components.Single(c => c.Item == "RM-3001").Issued, order.Wip));
    }

    [Fact]
    public async Task a_batch_whose_commit_fails_answers_every_event_and_writes_none_of_the_failed_ones()
    {
        // Two issues and a yield post journal lines, so the fault stops them; a confirmation of good quantity
        // alone posts nothing and the unknown order is the client's error: both keep their own answer.
        // PA01-100004 (housings, Plant A): 2 × RM-3001 at 38.40 = 76.80; 1.5 kg RM-3005 at 2.85 = 4.275 → 4.28;
        // yield 1 × SF-2000 at 96.20 → WIP 76.80 + 4.28 − 96.20 = −15.12.
        var time = PlantCalendar.Now.AddMinutes(-5);
        JsonObject[] batch =
        [
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3001", 2m, "H87", time),
            Events.MaterialIssued("PA01", "PA01-100004", "RM-3005", 1.5m, "KGM", time),
            Events.OperationConfirmed("PA01", "PA01-100004", "0010", "PA01-CNC1", 4m, "H87", time: time),
            Events.MaterialIssued("PA01", "PA01-999999", "RM-3001", 1m, "H87", time),
            Events.YieldReported("PA01", "PA01-100004", "SF-2000", 1m, "H87", time),
        ];
        var before = await Host.SettledSnapshotAsync();

        await using (var fault = await PostingFault.InstallAsync(Host.Store))
        {
            var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync(batch), HttpStatusCode.MultiStatus);

            Assert.Equal([500, 500, 200, 422, 500], answer.Results.Select(r => r.Status));
            foreach (var failed in new[] { 0, 1, 4 })
                Problems.AssertInternal(answer.Results[failed].Problem!.Value);
            answer.AssertRejected(3, 422, "/3/data/order", "order.unknown");
            Assert.Empty(answer.Results[2].Result!.JournalEntries);

            // Only the confirmation was written: its process-log event (plant, order, work center, product), its
            // inbox row, its commit, its operation's good quantity, and the log sealer's block over that one event.
            var after = await Host.SettledSnapshotAsync();
            Assert.Equal(
                before.RowCounts.Select(r => (r.Key, r.Value + r.Key switch
                {
                    "intel_event" or "integration_inbox" or "store_commit" or "intel_log_seal" => 1,
                    "intel_event_object" => 4,
                    _ => 0,
                })),
                after.RowCounts.Select(r => (r.Key, r.Value)));
            foreach (var failed in new[] { batch[0], batch[1], batch[3], batch[4] })
                Assert.Equal(0, await Recorded.TracesOfAsync(Host.Store, Source(failed), Id(failed)));
            var order = await OrderAsync("PA01-100004");
            Assert.Equal((0m, 0m, 0m, 0m), (order.Components.Single(c => c.Item == "RM-3001").Issued, order.Components.Single(c => c.Item == "RM-3005").Issued, order.Yield, order.Wip));
            Assert.Equal(4m, order.Operations.Single(o => o.Operation == "0010").Good);
        }

        var retried = await BatchAnswer.ReadAsync(await Host.PostBatchAsync(batch), HttpStatusCode.MultiStatus);

        Assert.Equal([200, 200, 200, 422, 200], retried.Results.Select(r => r.Status));
        bool Replayed(int i) => retried.Results[i].Result!.Replayed;
        Assert.Equal((false, false, true, false), (Replayed(0), Replayed(1), Replayed(2), Replayed(4)));
        var retriedOrder = await OrderAsync("PA01-100004");
        Assert.Equal((2m, 1.5m, 1m, -15.12m), (retriedOrder.Components.Single(c => c.Item == "RM-3001").Issued, retriedOrder.Components.Single(c => c.Item == "RM-3005").Issued, retriedOrder.Yield, retriedOrder.Wip));
        Assert.Equal(4m, retriedOrder.Operations.Single(o => o.Operation == "0010").Good);
    }

    private Task<ProductionOrderView> OrderAsync(string number) => Host.GetAsync<ProductionOrderView>($"/api/v1/production-orders/{number}");

    private static string Id(JsonObject cloudEvent) => cloudEvent["id"]!.GetValue<string>();

    private static string Source(JsonObject cloudEvent) => cloudEvent["source"]!.GetValue<string>();
}

public sealed class FailureOnSqlite(SqliteHost fixture) : FailureContract<SqliteHost>(fixture);

public sealed class FailureOnPostgres(PostgresHost fixture) : FailureContract<PostgresHost>(fixture);
