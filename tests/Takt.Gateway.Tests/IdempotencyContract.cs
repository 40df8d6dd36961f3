using System.Net;
using System.Text.Json.Nodes;
using Takt.Production;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// The idempotent inbox (DESIGN §2.4, §2.7): an event is identified by its (source, id); delivering it again has
/// no second effect and gets the first answer back, marked <c>Idempotent-Replayed: true</c>; the same id with a
/// different body is a conflict. Each test uses its own order.
/// </summary>
public abstract class IdempotencyContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static JsonObject Issue(string order, decimal grams, string? id = null) =>
        Events.MaterialIssued("PA01", order, "RM-3005", grams, "GRM", PlantCalendar.Now.AddMinutes(-5), id);

    [Fact]
    public async Task the_same_event_delivered_twice_has_one_effect_and_the_repeat_gets_the_first_answer()
    {
        // 2,000 GRM of RM-3005 at 2.85 EUR/kg = 5.70 EUR, once.
        var cloudEvent = Issue("PA01-100002", 2000m);
        using var first = await Host.PostStructuredAsync(cloudEvent);
        var original = await AcceptedEvent.ReadAsync(first);
        Assert.False(original.Replayed);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        var before = await Host.SettledSnapshotAsync();

        using var second = await Host.PostStructuredAsync(cloudEvent);

        var repeat = await AcceptedEvent.ReadAsync(second);
        Assert.Equal(["true"], second.Headers.GetValues("Idempotent-Replayed"));
        Assert.True(repeat.Replayed);
        AssertSameEffects(original, repeat);
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
        await AssertAppliedOnceAsync(cloudEvent, "PA01-100002", 2m, 5.70m);
    }

    [Fact]
    public async Task the_same_id_with_a_different_body_is_a_conflict_and_changes_nothing()
    {
        var cloudEvent = Issue("PA01-100004", 1000m);
        await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));
        var before = await Host.SettledSnapshotAsync();

        var changed = Issue("PA01-100004", 3000m, Id(cloudEvent));
        using var response = await Host.PostStructuredAsync(changed);

        await Problems.AssertAsync(response, HttpStatusCode.Conflict, "/id", "idempotency.body-mismatch");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
        await AssertAppliedOnceAsync(cloudEvent, "PA01-100004", 1m, 2.85m);
    }

    [Fact]
    public async Task the_same_id_at_another_time_is_a_conflict()
    {
        var cloudEvent = Issue("PA01-100006", 1000m);
        await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));
        var before = await Host.SettledSnapshotAsync();

        var later = cloudEvent.DeepClone().AsObject();
        later["time"] = PlantCalendar.Now.AddMinutes(-1).ToString("O");
        using var response = await Host.PostStructuredAsync(later);

        await Problems.AssertAsync(response, HttpStatusCode.Conflict, "/id", "idempotency.body-mismatch");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task the_same_id_from_another_source_is_another_event()
    {
        // 1,000 GRM twice → 2 kg issued, 2 × 2.85 = 5.70 EUR WIP, two entries.
        var fromLine1 = Issue("PA01-100008", 1000m);
        var fromLine2 = Issue("PA01-100008", 1000m, Id(fromLine1));
        fromLine2["source"] = "/mes/pa01/line-2";

        var first = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(fromLine1));
        var second = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(fromLine2));

        Assert.False(second.Replayed);
        Assert.NotEqual(first.JournalEntries, second.JournalEntries);
        var order = await OrderAsync("PA01-100008");
        Assert.Equal((2m, 5.70m), (order.Components.Single(c => c.Item == "RM-3005").Issued, order.Wip));
    }

    [Fact]
    public async Task an_event_repeated_inside_one_batch_has_one_effect()
    {
        var cloudEvent = Issue("PA01-100010", 4000m);

        var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync([cloudEvent, cloudEvent]), HttpStatusCode.OK);

        var (first, repeat) = (answer.Results[0].Result!, answer.Results[1].Result!);
        Assert.False(first.Replayed);
        Assert.True(repeat.Replayed);
        AssertSameEffects(first, repeat);
        await AssertAppliedOnceAsync(cloudEvent, "PA01-100010", 4m, 11.40m);
    }

    [Fact]
    public async Task a_batch_that_repeats_an_id_with_a_different_body_rejects_the_repeat_only()
    {
        var cloudEvent = Issue("PA01-100012", 1000m);
        var changed = Issue("PA01-100012", 5000m, Id(cloudEvent));

        var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync([cloudEvent, changed]), HttpStatusCode.MultiStatus);

        Assert.NotNull(answer.Results[0].Result);
        answer.AssertRejected(1, 409, "/1/id", "idempotency.body-mismatch");
        await AssertAppliedOnceAsync(cloudEvent, "PA01-100012", 1m, 2.85m);
    }

    [Fact]
    public async Task a_batch_that_repeats_an_earlier_event_replays_it_and_applies_the_new_one()
    {
        // PB01-100002 machines housings: RM-3005 at 2.70 EUR/kg in Brno; 1 kg + 2 kg = 8.10 EUR.
        var earlier = Events.MaterialIssued("PB01", "PB01-100002", "RM-3005", 1m, "KGM", PlantCalendar.Now.AddMinutes(-6));
        var original = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(earlier));
        var fresh = Events.MaterialIssued("PB01", "PB01-100002", "RM-3005", 2m, "KGM", PlantCalendar.Now.AddMinutes(-5));

        var answer = await BatchAnswer.ReadAsync(await Host.PostBatchAsync([earlier, fresh]), HttpStatusCode.OK);

        Assert.True(answer.Results[0].Result!.Replayed);
        AssertSameEffects(original, answer.Results[0].Result!);
        Assert.False(answer.Results[1].Result!.Replayed);
        var order = await OrderAsync("PB01-100002");
        Assert.Equal((3m, 8.10m), (order.Components.Single(c => c.Item == "RM-3005").Issued, order.Wip));
    }

    [Fact]
    public async Task a_rejected_event_is_not_remembered_so_its_corrected_delivery_is_accepted()
    {
        // Only accepted events enter the inbox: a client may fix a rejected event and send it with the same id.
        var wrong = Events.MaterialIssued("PB01", "PB01-100004", "RM-3005", 1m, "H87", PlantCalendar.Now.AddMinutes(-5));
        await Problems.AssertAsync(await Host.PostStructuredAsync(wrong), HttpStatusCode.UnprocessableEntity, "/data/quantity/unit", "quantity.unit-not-convertible");

        var corrected = wrong.DeepClone().AsObject();
        corrected["data"]!["quantity"]!["unit"] = "KGM";
        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(corrected));

        Assert.False(accepted.Replayed);
        Assert.Equal(2.70m, (await OrderAsync("PB01-100004")).Wip);
    }

    /// <summary>One journal entry, one movement, one process-log event, one inbox row; the order changed once.</summary>
    private async Task AssertAppliedOnceAsync(JsonObject cloudEvent, string order, decimal issuedKilograms, decimal wip)
    {
        var (source, id) = (cloudEvent["source"]!.GetValue<string>(), Id(cloudEvent));
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_entry WHERE source_origin = @source AND source_id = @id", new { source, id }));
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM inventory_movement WHERE source_event_id = @id", new { id }));
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM intel_event WHERE source = @source AND source_id = @id", new { source, id }));
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM integration_inbox WHERE source = @source AND event_id = @id", new { source, id }));
        var view = await OrderAsync(order);
        Assert.Equal((issuedKilograms, wip), (view.Components.Single(c => c.Item == "RM-3005").Issued, view.Wip));
    }

    /// <summary>A replay answers with the first delivery's identity and effects.</summary>
    private static void AssertSameEffects(AcceptedEvent first, AcceptedEvent repeat)
    {
        Assert.Equal((first.Source, first.Id, first.Type, first.ProcessEventId), (repeat.Source, repeat.Id, repeat.Type, repeat.ProcessEventId));
        Assert.Equal(first.JournalEntries, repeat.JournalEntries);
        Assert.Equal(first.StockMovements, repeat.StockMovements);
    }

    private Task<ProductionOrderView> OrderAsync(string number) => Host.GetAsync<ProductionOrderView>($"/api/v1/production-orders/{number}");

    private static string Id(JsonObject cloudEvent) => cloudEvent["id"]!.GetValue<string>();
}

public sealed class IdempotencyOnSqlite(SqliteHost fixture) : IdempotencyContract<SqliteHost>(fixture);

public sealed class IdempotencyOnPostgres(PostgresHost fixture) : IdempotencyContract<PostgresHost>(fixture);
