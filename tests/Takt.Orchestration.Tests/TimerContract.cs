using Microsoft.Extensions.Time.Testing;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// SLA timers on the plant's business calendar: reminders, escalation to the next level when the SLA lapses, once,
/// across a server restart; waits for events, timeouts and compensation; parallel branches joining.
/// </summary>
public abstract class TimerContract(string engine)
{
    [Fact]
    public async Task an_sla_lapse_escalates_once_to_the_next_level_even_across_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync(engine);
        var clock = new FakeTimeProvider(FlowHost.Start); // Friday 27 November 2026, 18:00 in Augsburg
        string instance;
        string task;
        var host = await TaktHost.StartAsync(database, s => FlowTesting.Configure(s, clock));
        try
        {
            var flows = host.Service<IOrchestration>();
            instance = (await flows.StartAsync(host.Store, new StartFlow("expedite-procurement-approval", "PA01", "anna.buyer", new()
            {
                ["requisition"] = "REQ-9001", ["value"] = FlowTesting.Money(48_200m), ["category"] = "MRO", ["urgency"] = "expedite", ["supplierRisk"] = "low", ["costCenter"] = "CC-4100",
            }), ct)).Ok().Id;
            await flows.RunAsync(host.Store, clock);
            var created = Assert.Single(await flows.InboxAsync(host.Store, "bernd.controller", "PA01", ct), t => t.InstanceId == instance);
            task = created.Id;
            // Augsburg's variant: 12 business hours. Fri 18:00–22:00 (4 h) + Mon 06:00–14:00 CET (8 h).
            Assert.Equal(new DateTimeOffset(2026, 11, 30, 13, 0, 0, TimeSpan.Zero), created.DueAt);

            clock.SetUtcNow(new DateTimeOffset(2026, 11, 27, 19, 0, 0, TimeSpan.Zero)); // 2 business hours: the reminder
            await flows.RunAsync(host.Store, clock);
            Assert.Equal((1, 0), Counters(await flows.TaskAsync(host.Store, task, ct)));
            clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 12, 59, 0, TimeSpan.Zero)); // the weekend passed, still within the SLA
            Assert.Equal(0, await flows.RunAsync(host.Store, clock));
        }
        finally
        {
            await host.DisposeAsync();
        }

        // The server is down when the SLA lapses; it starts again later on the same database.
        clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 13, 30, 0, TimeSpan.Zero));
        host = await TaktHost.StartAsync(database, s => FlowTesting.Configure(s, clock));
        try
        {
            var flows = host.Service<IOrchestration>();
            Assert.Equal(1, await flows.RunAsync(host.Store, clock));
            Assert.Equal(0, await flows.RunAsync(host.Store, clock)); // fires once
            var escalated = (await flows.TaskAsync(host.Store, task, ct))!;
            Assert.Equal(("plant-manager", 1, 1), (escalated.Role, escalated.Reminders, escalated.Escalations));
            Assert.Contains(await flows.InboxAsync(host.Store, "carla.manager", "PA01", ct), t => t.Id == task);
            Assert.DoesNotContain(await flows.InboxAsync(host.Store, "bernd.controller", "PA01", ct), t => t.Id == task);
            // The next SLA runs from the lapse: Mon 14:30–22:00 CET (7.5 h) + Tue 06:00–10:30 CET (4.5 h).
            Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero), escalated.DueAt);
            var history = (await flows.InstanceAsync(host.Store, instance, ct))!.History;
            Assert.Single(history, h => h.Event == "escalated");
            Assert.Contains("lapsed", history.Single(h => h.Event == "escalated").Detail, StringComparison.Ordinal);

            clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 17, 30, 0, TimeSpan.Zero));
            await flows.RunAsync(host.Store, clock);
            Assert.Equal(("cfo", 2), ((await flows.TaskAsync(host.Store, task, ct))!.Role, (await flows.TaskAsync(host.Store, task, ct))!.Escalations));
            (await flows.ActAsync(host.Store, task, new TaskAction(TaskVerb.Approve, "dieter.cfo", "Approved after escalation."), ct)).Ok();
            clock.Advance(TimeSpan.FromDays(30));
            await flows.RunAsync(host.Store, clock);
            Assert.Equal(2, (await flows.TaskAsync(host.Store, task, ct))!.Escalations); // a decided task never escalates
            Assert.Equal(0, await FlowTesting.CountAsync(host.Store, "SELECT COUNT(*) FROM orch_work WHERE task_id = @task", new { task }));

            var turnaround = Assert.Single(await flows.ApprovalTurnaroundAsync(host.Store, "PA01", ct), r => r.Role == "cfo");
            Assert.Equal(96.5, turnaround.P50Hours); // created Fri 17:00Z, decided Tue 17:30Z
            // Per month (the KPI trend) by the month decided: December 2026 holds it, November (when it was created) not.
            DateTimeOffset Month(int year, int month) => new(year, month, 1, 0, 0, 0, TimeSpan.Zero);
            Assert.Contains(await flows.ApprovalTurnaroundAsync(host.Store, "PA01", ct, Month(2026, 12), Month(2027, 1)), r => r.Role == "cfo" && r.P50Hours == 96.5);
            Assert.DoesNotContain(await flows.ApprovalTurnaroundAsync(host.Store, "PA01", ct, Month(2026, 11), Month(2026, 12)), r => r.Role == "cfo");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static (int, int) Counters(TaskView? task) => (task!.Reminders, task.Escalations);

    [Fact]
    public async Task a_wait_ends_with_its_event_or_times_out_into_compensation_and_parallel_branches_join()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync(engine);
        var clock = new FakeTimeProvider(FlowHost.Start);
        await using var host = await TaktHost.StartAsync(database, s => FlowTesting.Configure(s, clock));
        var flows = host.Service<IOrchestration>();
        async Task<string> ExpediteAsync(string requisition) => (await flows.StartAsync(host.Store, new StartFlow("expedite-procurement-approval", "PB01", "anna.buyer", new()
        {
            ["requisition"] = requisition, ["value"] = FlowTesting.Money(9_000m), ["category"] = "MRO", ["urgency"] = "expedite", ["supplierRisk"] = "low", ["costCenter"] = "CC-5100",
        }), ct)).Ok().Id;
        var confirmed = await ExpediteAsync("REQ-100");
        var unconfirmed = await ExpediteAsync("REQ-200");
        await flows.RunAsync(host.Store, clock);
        Assert.Contains("confirmation:event", (await flows.InstanceAsync(host.Store, confirmed, ct))!.Waiting);

        // The purchase-order confirmation arrives as a canonical event (subject: the requisition).
        await using (var session = await host.Store.OpenSessionAsync(clock, ct))
        await using (var tx = await session.BeginAsync(ct))
        {
            host.Service<Outbox>().Enqueue(tx, new OutboxMessage(Guid.NewGuid().ToString(), "takt.procurement.purchase-order-confirmed.v1", "/tests", "REQ-100", "PB01", clock.GetUtcNow(), "{}"));
            await tx.CommitAsync(ct);
        }

        await WaitUntilAsync(async () => (await flows.InstanceAsync(host.Store, confirmed, ct))!.Status == "completed", flows, host.Store, clock);
        Assert.Equal("completed", (await flows.InstanceAsync(host.Store, confirmed, ct))!.Outcome); // 9,000 ≤ 25,000: no approval step at all
        Assert.DoesNotContain((await flows.InstanceAsync(host.Store, confirmed, ct))!.History, h => h.Step == "approve");

        // The other one hears nothing for 24 business hours: the expedite order is cancelled (compensation).
        clock.Advance(TimeSpan.FromDays(4));
        await flows.RunAsync(host.Store, clock);
        var undone = (await flows.InstanceAsync(host.Store, unconfirmed, ct))!;
        Assert.Equal(("completed", "timed-out"), (undone.Status, undone.Outcome));
        Assert.Equal(["release:compensated", "undo:completed"], undone.History.Where(h => h.Event is "compensated" || h.Step == "undo").Select(h => $"{h.Step}:{h.Event}"));
        var signals = await FlowTesting.CountAsync(host.Store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.orchestration.signal.v1' AND subject = @id AND data LIKE '%expedite-order-cancelled%'", new { id = unconfirmed });
        Assert.Equal(1, signals);

        // Quality hold at Brno: inspection and disposition, then release in two parallel branches that join.
        var hold = (await flows.StartAsync(host.Store, new StartFlow("quality-hold-release", "PB01", "ivo.qm", new() { ["hold"] = "QH-1", ["item"] = "SF-2000", ["quantity"] = 40, ["costCenter"] = "CC-5100" }), ct)).Ok().Id;
        await flows.RunAsync(host.Store, clock);
        var inspect = Assert.Single(await flows.InboxAsync(host.Store, "hana.inspector", "PB01", ct), t => t.InstanceId == hold);
        (await flows.ActAsync(host.Store, inspect.Id, new TaskAction(TaskVerb.Complete, "hana.inspector"), ct)).Ok();
        await flows.RunAsync(host.Store, clock);
        (await flows.AssignRoleAsync(host.Store, new RoleAssignment("qa.second", "quality-manager", "PB01"), ct)).Ok();
        var disposition = Assert.Single(await flows.InboxAsync(host.Store, "qa.second", "PB01", ct), t => t.InstanceId == hold);
        (await flows.ActAsync(host.Store, disposition.Id, new TaskAction(TaskVerb.Approve, "qa.second"), ct)).Ok();
        await flows.RunAsync(host.Store, clock);
        var released = (await flows.InstanceAsync(host.Store, hold, ct))!;
        Assert.Equal(("completed", "approved"), (released.Status, released.Outcome));
        Assert.Equal(["inform-production", "release", "release-stock"], released.History.Where(h => h.Event == "completed" && h.Step is "release" or "release-stock" or "inform-production").Select(h => h.Step).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task exception_events_start_their_standard_flow_and_count_in_the_standardized_resolution_rate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync(engine);
        var clock = new FakeTimeProvider(FlowHost.Start);
        await using var host = await TaktHost.StartAsync(database, s => FlowTesting.Configure(s, clock));
        var flows = host.Service<IOrchestration>();
        async Task RaiseAsync(string id, string data)
        {
            await using var session = await host.Store.OpenSessionAsync(clock, ct);
            await using var tx = await session.BeginAsync(ct);
            host.Service<Outbox>().Enqueue(tx, new OutboxMessage(id, "takt.payables.invoice-exception-raised.v1", "/payables", id, "PB01", clock.GetUtcNow(), data));
            await tx.CommitAsync(ct);
        }

        // Within Brno's tolerance (100 EUR): accepted by the standard flow without a person.
        await RaiseAsync("inv-1", """{"invoice":"INV-1","supplier":"S-1","difference":{"amount":30,"currency":"EUR"},"reason":"freight","costCenter":"CC-5100","route":"ap-clerk","category":"price-variance"}""");
        // Missing inputs: recorded as an exception, but no standard flow can take it.
        await RaiseAsync("inv-2", """{"invoice":"INV-2"}""");
        await WaitUntilAsync(async () => await FlowTesting.CountAsync(host.Store, "SELECT COUNT(*) FROM orch_exception") == 2
            && await FlowTesting.CountAsync(host.Store, "SELECT COUNT(*) FROM orch_exception WHERE resolved_at_us IS NOT NULL") == 1, flows, host.Store, clock);
        var rate = Assert.Single(await flows.ResolutionRateAsync(host.Store, "PB01", ct));
        Assert.Equal(("PB01", 2L, 1L, 0L, 1L, 0.5), (rate.Plant, rate.Exceptions, rate.ResolvedByStandardFlow, rate.ResolvedOtherwise, rate.Open, rate.Rate));
        // Per month (the KPI trend) by the month the exception occurred: both in November 2026, none in December.
        var november = Assert.Single(await flows.ResolutionRateAsync(host.Store, "PB01", ct, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal((2L, 0.5), (november.Exceptions, november.Rate));
        Assert.Empty(await flows.ResolutionRateAsync(host.Store, "PB01", ct, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(1, await FlowTesting.CountAsync(host.Store, "SELECT COUNT(*) FROM orch_instance WHERE flow = 'invoice-exception-resolution' AND trigger_event IS NOT NULL"));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, IOrchestration flows, TaktStore store, TimeProvider clock)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "Timed out waiting for the flow.");
            await flows.RunAsync(store, clock);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}

public sealed class TimersOnSqlite() : TimerContract("sqlite");

public sealed class TimersOnPostgres() : TimerContract("postgres");
