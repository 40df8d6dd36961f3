using System.Globalization;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Inventory;
using Takt.Ledger;
using Takt.Production;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// Each accepted event posts what DESIGN §3 says, to the cent, computed here by hand from the demo master data
/// (standard costs per plant, work-center rates per hour, account determination), and the same transaction
/// records the order change, the stock movement, the process-log event with its objects and the outgoing events
/// (DESIGN §2.1, §2.2). Tests of a class share one database: each test uses its own order; stock is compared
/// before and after.
/// </summary>
public abstract class PostingContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task material_issue_in_grams_posts_wip_against_raw_material_inventory_at_the_standard_cost_per_kilogram()
    {
        // PA01-100002 machines housings from RM-3005 bar stock, kept in KGM at 2.85 EUR/kg at Plant A.
        // 1,250 GRM = 1.25 KGM → 1.25 × 2.85 = 3.5625 → 3.56 EUR (cents, half away from zero).
        // Dr 145000 WIP 3.56 / Cr 140000 raw materials 3.56; stock −1.25 KGM, −3.56 EUR; order WIP 3.56.
        // 23:30 UTC is already the next day in Augsburg (UTC+1 or +2): that day is the posting date.
        var midnight = new DateTimeOffset(PlantCalendar.Now.UtcDateTime.Date, TimeSpan.Zero);
        var cloudEvent = Events.MaterialIssued("PA01", "PA01-100002", "RM-3005", 1250m, "GRM", midnight.AddMinutes(-30));
        var stock = await StockAsync("PA01", "RM-3005");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        var entry = await AssertPostedAsync(accepted, cloudEvent, "PA01", "material-issue",
            new JournalLine("145000", 3.56m, 0m, "PA01-100002", "RM-3005"),
            new JournalLine("140000", 0m, 3.56m, "PA01-100002", "RM-3005"));
        Assert.Equal(DateOnly.FromDateTime(midnight.UtcDateTime), entry.PostingDate);
        await AssertMovedAsync(accepted, cloudEvent, new("goods-issue-to-order", "PA01", "RM-3005", -1.25m, "KGM", -3.56m, "EUR", "PA01-100002", "", entry.PostingDate, null));
        Assert.Equal((stock.Quantity - 1.25m, stock.Value - 3.56m), await StockAsync("PA01", "RM-3005"));
        var order = await OrderAsync("PA01-100002");
        Assert.Equal(1.25m, Issued(order, "RM-3005"));
        Assert.Equal(0m, Issued(order, "RM-3001"));
        Assert.Equal(3.56m, order.Wip);
        await AssertProcessLogAsync(accepted, cloudEvent, "PA01", "production-order PA01-100002 issued-to", "item RM-3005 component");
    }

    [Fact]
    public async Task material_issue_in_millilitres_is_converted_to_litres_before_it_is_valued()
    {
        // PA01-100001 assembles pumps with RM-3004 hydraulic oil, kept in LTR at 3.20 EUR/l at Plant A.
        // 1,333 MLT = 1.333 LTR → 1.333 × 3.20 = 4.2656 → 4.27 EUR.
        var cloudEvent = Events.MaterialIssued("PA01", "PA01-100001", "RM-3004", 1333m, "MLT", PlantCalendar.Now.AddMinutes(-5));
        var stock = await StockAsync("PA01", "RM-3004");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        var entry = await AssertPostedAsync(accepted, cloudEvent, "PA01", "material-issue",
            new JournalLine("145000", 4.27m, 0m, "PA01-100001", "RM-3004"),
            new JournalLine("140000", 0m, 4.27m, "PA01-100001", "RM-3004"));
        await AssertMovedAsync(accepted, cloudEvent, new("goods-issue-to-order", "PA01", "RM-3004", -1.333m, "LTR", -4.27m, "EUR", "PA01-100001", "", entry.PostingDate, null));
        Assert.Equal((stock.Quantity - 1.333m, stock.Value - 4.27m), await StockAsync("PA01", "RM-3004"));
        var order = await OrderAsync("PA01-100001");
        Assert.Equal(1.333m, Issued(order, "RM-3004"));
        Assert.Equal(4.27m, order.Wip);
        await AssertProcessLogAsync(accepted, cloudEvent, "PA01", "production-order PA01-100001 issued-to", "item RM-3004 component");
    }

    [Fact]
    public async Task material_issue_of_semi_finished_housings_credits_semi_finished_inventory()
    {
        // PB01-100001 assembles pumps in Brno from SF-2000 housings at 92.80 EUR each (Plant B's standard).
        // 3 H87 × 92.80 = 278.40 EUR: Dr 145000 WIP / Cr 141000 semi-finished goods.
        var cloudEvent = Events.MaterialIssued("PB01", "PB01-100001", "SF-2000", 3m, "H87", PlantCalendar.Now.AddMinutes(-5));
        cloudEvent["source"] = "/mes/pb01/cell-2";
        var stock = await StockAsync("PB01", "SF-2000");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        var entry = await AssertPostedAsync(accepted, cloudEvent, "PB01", "material-issue",
            new JournalLine("145000", 278.40m, 0m, "PB01-100001", "SF-2000"),
            new JournalLine("141000", 0m, 278.40m, "PB01-100001", "SF-2000"));
        await AssertMovedAsync(accepted, cloudEvent, new("goods-issue-to-order", "PB01", "SF-2000", -3m, "H87", -278.40m, "EUR", "PB01-100001", "", entry.PostingDate, null));
        Assert.Equal((stock.Quantity - 3m, stock.Value - 278.40m), await StockAsync("PB01", "SF-2000"));
        var order = await OrderAsync("PB01-100001");
        Assert.Equal(3m, Issued(order, "SF-2000"));
        Assert.Equal(278.40m, order.Wip);
        await AssertProcessLogAsync(accepted, cloudEvent, "PB01", "production-order PB01-100001 issued-to", "item SF-2000 component");
    }

    [Fact]
    public async Task operation_confirmation_absorbs_machine_minutes_and_labour_hours_at_work_center_rates_and_expenses_scrap_at_standard_cost()
    {
        // PA01-100004 machines housings; operation 0010 runs on PA01-CNC1: machine 85.00 EUR/h, labour 52.00 EUR/h.
        // Machine 95 MIN = 1.583333 HUR (6 decimals) → × 85.00 = 134.583305 → 134.58: Dr 145000 / Cr 510000.
        // Labour 1.75 HUR → × 52.00 = 91.00: Dr 145000 / Cr 511000.
        // Scrap 2 H87 of SF-2000 at its standard 96.20 → 192.40: Dr 520000 scrap expense / Cr 145000.
        // Order WIP: 134.58 + 91.00 − 192.40 = 33.18. No stock moves (scrap of work in process).
        var cloudEvent = Events.OperationConfirmed("PA01", "PA01-100004", "0010", "PA01-CNC1", 10m, "H87",
            scrap: 2m, machine: (95m, "MIN"), labour: (1.75m, "HUR"), time: PlantCalendar.Now.AddMinutes(-5));
        var stock = await Host.GetAsync<StockBalance[]>("/api/v1/stock");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        await AssertPostedAsync(accepted, cloudEvent, "PA01", "activity-confirmation",
            new JournalLine("145000", 134.58m, 0m, "PA01-100004", WorkCenter: "PA01-CNC1"),
            new JournalLine("510000", 0m, 134.58m, "PA01-100004", WorkCenter: "PA01-CNC1"),
            new JournalLine("145000", 91.00m, 0m, "PA01-100004", WorkCenter: "PA01-CNC1"),
            new JournalLine("511000", 0m, 91.00m, "PA01-100004", WorkCenter: "PA01-CNC1"),
            new JournalLine("520000", 192.40m, 0m, "PA01-100004", "SF-2000", "PA01-CNC1"),
            new JournalLine("145000", 0m, 192.40m, "PA01-100004", "SF-2000", "PA01-CNC1"));
        Assert.Empty(accepted.StockMovements);
        Assert.Equal(stock, await Host.GetAsync<StockBalance[]>("/api/v1/stock"));
        var order = await OrderAsync("PA01-100004");
        Assert.Equal(33.18m, order.Wip);
        Assert.Equal(2m, order.Scrap);
        Assert.Equal(0m, order.Yield);
        Assert.Equal(new OperationView("0010", "PA01-CNC1", "Rough machining", 10m, 2m, 1.583333m, 1.75m), order.Operations.Single(o => o.Operation == "0010"));
        Assert.Equal(new OperationView("0020", "PA01-CNC2", "Finish machining", 0m, 0m, 0m, 0m), order.Operations.Single(o => o.Operation == "0020"));
        await AssertProcessLogAsync(accepted, cloudEvent, "PA01",
            "production-order PA01-100004 confirmed-for", "work-center PA01-CNC1 worked-at", "item SF-2000 product");
        Assert.DoesNotContain(await Recorded.OutboxAsync<StockMoved>(Host.Store, EventTypes.StockMoved),
            m => m.Data.JournalEntryId == Guid.Parse(accepted.JournalEntries[0]));
    }

    [Fact]
    public async Task operation_confirmation_of_a_good_quantity_alone_posts_nothing_but_is_recorded()
    {
        // PA01-100006, operation 0020 on PA01-CNC2: 5 good pieces, no time, no scrap → nothing to value.
        var cloudEvent = Events.OperationConfirmed("PA01", "PA01-100006", "0020", "PA01-CNC2", 5m, "H87", time: PlantCalendar.Now.AddMinutes(-5));
        var entries = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_entry");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        Assert.Empty(accepted.JournalEntries);
        Assert.Empty(accepted.StockMovements);
        Assert.Equal(entries, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_entry"));
        var order = await OrderAsync("PA01-100006");
        Assert.Equal(0m, order.Wip);
        Assert.Equal(new OperationView("0020", "PA01-CNC2", "Finish machining", 5m, 0m, 0m, 0m), order.Operations.Single(o => o.Operation == "0020"));
        await AssertProcessLogAsync(accepted, cloudEvent, "PA01",
            "production-order PA01-100006 confirmed-for", "work-center PA01-CNC2 worked-at", "item SF-2000 product");
        Assert.DoesNotContain(await Recorded.OutboxAsync<JournalEntryPosted>(Host.Store, EventTypes.JournalEntryPosted),
            m => m.Data.SourceEventId == Id(cloudEvent));
    }

    [Fact]
    public async Task yield_of_pumps_debits_finished_goods_inventory_and_credits_wip_at_standard_cost()
    {
        // PA01-100003 makes FG-1000 pumps, standard 138.90 EUR at Plant A.
        // 5 H87 × 138.90 = 694.50: Dr 142000 finished goods / Cr 145000 WIP; order WIP −694.50, yield 5.
        var cloudEvent = Events.YieldReported("PA01", "PA01-100003", "FG-1000", 5m, "H87", PlantCalendar.Now.AddMinutes(-5));
        var stock = await StockAsync("PA01", "FG-1000");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        var entry = await AssertPostedAsync(accepted, cloudEvent, "PA01", "production-receipt",
            new JournalLine("142000", 694.50m, 0m, "PA01-100003", "FG-1000"),
            new JournalLine("145000", 0m, 694.50m, "PA01-100003", "FG-1000"));
        await AssertMovedAsync(accepted, cloudEvent, new("goods-receipt-from-order", "PA01", "FG-1000", 5m, "H87", 694.50m, "EUR", "PA01-100003", "", entry.PostingDate, null));
        Assert.Equal((stock.Quantity + 5m, stock.Value + 694.50m), await StockAsync("PA01", "FG-1000"));
        var order = await OrderAsync("PA01-100003");
        Assert.Equal(5m, order.Yield);
        Assert.Equal(-694.50m, order.Wip);
        await AssertProcessLogAsync(accepted, cloudEvent, "PA01", "production-order PA01-100003 received-from", "item FG-1000 product");
    }

    [Fact]
    public async Task yield_of_housings_debits_semi_finished_goods_inventory_and_credits_wip_at_standard_cost()
    {
        // PB01-100002 machines SF-2000 housings, standard 92.80 EUR at Plant B.
        // 4 H87 × 92.80 = 371.20: Dr 141000 semi-finished goods / Cr 145000 WIP.
        var cloudEvent = Events.YieldReported("PB01", "PB01-100002", "SF-2000", 4m, "H87", PlantCalendar.Now.AddMinutes(-5));
        var stock = await StockAsync("PB01", "SF-2000");

        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        var entry = await AssertPostedAsync(accepted, cloudEvent, "PB01", "production-receipt",
            new JournalLine("141000", 371.20m, 0m, "PB01-100002", "SF-2000"),
            new JournalLine("145000", 0m, 371.20m, "PB01-100002", "SF-2000"));
        await AssertMovedAsync(accepted, cloudEvent, new("goods-receipt-from-order", "PB01", "SF-2000", 4m, "H87", 371.20m, "EUR", "PB01-100002", "", entry.PostingDate, null));
        Assert.Equal((stock.Quantity + 4m, stock.Value + 371.20m), await StockAsync("PB01", "SF-2000"));
        var order = await OrderAsync("PB01-100002");
        Assert.Equal(4m, order.Yield);
        Assert.Equal(-371.20m, order.Wip);
        await AssertProcessLogAsync(accepted, cloudEvent, "PB01", "production-order PB01-100002 received-from", "item SF-2000 product");
    }

    [Fact]
    public async Task wip_of_an_order_equals_its_ledger_lines_on_account_145000_after_a_sequence_of_events()
    {
        // PB01-100004 machines housings in Brno. Plant B: RM-3001 38.40, RM-3005 2.70/kg, SF-2000 92.80;
        // PB01-CNC1 and PB01-CNC2: machine 78.00 EUR/h, labour 38.00 EUR/h.
        //   issue RM-3001 10 H87              10 × 38.40                      Dr  384.00
        //   issue RM-3005 24,500 GRM          24.5 kg × 2.70                   Dr   66.15
        //   0010 CNC1: machine 150 MIN        2.5 h × 78.00                    Dr  195.00
        //              labour 2.5 HUR         2.5 h × 38.00                    Dr   95.00
        //   0020 CNC2: machine 45 MIN         0.75 h × 78.00                   Dr   58.50
        //              labour 20 MIN          0.333333 h × 38.00 = 12.666654   Dr   12.67
        //              scrap 1 H87            1 × 92.80                        Cr   92.80
        //   yield SF-2000 9 H87               9 × 92.80                        Cr  835.20
        // Debits 811.32 − credits 928.00 = WIP −116.68 (more received at standard than spent so far).
        var time = PlantCalendar.Now.AddMinutes(-30);
        JsonObject[] sequence =
        [
            Events.MaterialIssued("PB01", "PB01-100004", "RM-3001", 10m, "H87", time),
            Events.MaterialIssued("PB01", "PB01-100004", "RM-3005", 24_500m, "GRM", time.AddMinutes(1)),
            Events.OperationConfirmed("PB01", "PB01-100004", "0010", "PB01-CNC1", 10m, "H87", machine: (150m, "MIN"), labour: (2.5m, "HUR"), time: time.AddMinutes(2)),
            Events.OperationConfirmed("PB01", "PB01-100004", "0020", "PB01-CNC2", 9m, "H87", scrap: 1m, machine: (45m, "MIN"), labour: (20m, "MIN"), time: time.AddMinutes(3)),
            Events.YieldReported("PB01", "PB01-100004", "SF-2000", 9m, "H87", time.AddMinutes(4)),
        ];
        foreach (var cloudEvent in sequence)
            await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(cloudEvent));

        var order = await OrderAsync("PB01-100004");
        Assert.Equal(-116.68m, order.Wip);
        var (debit, credit) = Assert.Single(await Tables.QueryAsync<(long, long)>(Host.Store,
            "SELECT CAST(SUM(debit_e4) AS bigint), CAST(SUM(credit_e4) AS bigint) FROM ledger_journal_line WHERE account = '145000' AND order_number = 'PB01-100004'"));
        Assert.Equal((811.32m, 928.00m), (Fixed.FromE4(debit), Fixed.FromE4(credit)));
        Assert.Equal(order.Wip, Fixed.FromE4(debit - credit));
        var wip = Assert.Single(await Host.GetAsync<AccountBalance[]>("/api/v1/ledger/balances?order=PB01-100004"), b => b.Account == "145000");
        Assert.Equal((811.32m, 928.00m), (wip.Debit, wip.Credit));
        Assert.Equal(9m, order.Yield);
        Assert.Equal(1m, order.Scrap);
        Assert.Equal((10m, 24.5m), (Issued(order, "RM-3001"), Issued(order, "RM-3005")));
        Assert.Equal(new OperationView("0020", "PB01-CNC2", "Finish machining", 9m, 1m, 0.75m, 0.333333m), order.Operations.Single(o => o.Operation == "0020"));
        await Host.DrainOutboxAsync();
        Assert.Equal(5, await Tables.CountAsync(Host.Store,
            "SELECT COUNT(*) FROM intel_event_object WHERE object_type = 'production-order' AND object_id = 'PB01-100004'"));
    }

    /// <summary>Asserts the entry's lines, its header and its journal-entry-posted event; returns the header.</summary>
    private async Task<JournalEntryRow> AssertPostedAsync(AcceptedEvent accepted, JsonObject cloudEvent, string plant, string documentType, params JournalLine[] lines)
    {
        Assert.False(accepted.Replayed);
        Assert.Equal((Source(cloudEvent), Id(cloudEvent), Type(cloudEvent)), (accepted.Source, accepted.Id, accepted.Type));
        var entry = Assert.Single(accepted.JournalEntries);
        Assert.Equal(lines, await Recorded.JournalLinesAsync(Host.Store, entry));

        var time = Time(cloudEvent);
        var header = await Recorded.JournalEntryAsync(Host.Store, entry);
        Assert.Equal(
            new JournalEntryRow("TK01", plant, PlantCalendar.PostingDate(plant, time), "EUR", documentType, Type(cloudEvent), Id(cloudEvent), Source(cloudEvent), time, header.CommitId),
            header);

        // DESIGN §2.2: the posting is published through the outbox, committed with it.
        var (source, subject, messagePlant, data) = Assert.Single(
            await Recorded.OutboxAsync<JournalEntryPosted>(Host.Store, EventTypes.JournalEntryPosted), m => m.Data.SourceEventId == Id(cloudEvent));
        Assert.Equal(("/takt/ledger", entry, plant), (source, subject, messagePlant));
        Assert.Equal((Guid.Parse(entry), "TK01", plant, header.PostingDate, "EUR"), (data.JournalEntryId, data.Company, data.Plant, data.PostingDate, data.Currency));
        Assert.Equal((Type(cloudEvent), Source(cloudEvent)), (data.SourceEventType, data.SourceEventSource));
        Assert.Equal(lines.Select(l => new JournalLineData(l.Account, l.Debit, l.Credit, l.Order, l.Item, l.WorkCenter)), data.Lines);
        return header;
    }

    /// <summary>Asserts the movement row (journal entry and source event filled in here) and its stock-moved event.</summary>
    private async Task AssertMovedAsync(AcceptedEvent accepted, JsonObject cloudEvent, MovementRow expected)
    {
        var movement = Assert.Single(accepted.StockMovements);
        var journalEntry = accepted.JournalEntries[0];
        Assert.Equal(expected with { JournalEntry = journalEntry, SourceEventId = Id(cloudEvent) }, await Recorded.MovementAsync(Host.Store, movement));

        var (source, subject, plant, data) = Assert.Single(
            await Recorded.OutboxAsync<StockMoved>(Host.Store, EventTypes.StockMoved), m => m.Data.MovementId == Guid.Parse(movement));
        Assert.Equal(("/takt/inventory", $"{expected.Plant}/{expected.Item}", expected.Plant), (source, subject, plant));
        Assert.Equal(
            new StockMoved(Guid.Parse(movement), expected.Plant, expected.Item, expected.MovementType, new QuantityValue(expected.Quantity, expected.Unit), Guid.Parse(journalEntry), expected.Order),
            data);
    }

    /// <summary>
    /// The process-log event: what happened, where, when, its data as sent, committed with the posting, linked to
    /// the plant, the given business objects, and the journal entry and stock movement it caused.
    /// </summary>
    private async Task AssertProcessLogAsync(AcceptedEvent accepted, JsonObject cloudEvent, string plant, params string[] links)
    {
        var row = await Recorded.ProcessEventAsync(Host.Store, accepted.ProcessEventId);
        Assert.Equal(
            (Type(cloudEvent), Source(cloudEvent), Id(cloudEvent), (string?)plant, Time(cloudEvent), (long)accepted.JournalEntries.Length),
            (row.Type, row.Source, row.SourceId, row.Plant, row.OccurredAt, row.JournalEntries));
        Assert.True(JsonNode.DeepEquals(cloudEvent["data"], JsonNode.Parse(row.Data)), $"Logged data {row.Data} differs from the event's.");
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_commit WHERE id = @id", new { id = row.CommitId }));
        foreach (var entry in accepted.JournalEntries)
            Assert.Equal(row.CommitId, (await Recorded.JournalEntryAsync(Host.Store, entry)).CommitId);

        string[] expected =
        [
            $"plant {plant} at",
            .. links,
            .. accepted.JournalEntries.Select(e => $"journal-entry {e} posted-as"),
            .. accepted.StockMovements.Select(m => $"stock-movement {m} moved-as"),
        ];
        // The event carries its objects when it commits; the object index files it under each a moment later.
        var objects = Assert.Single(await Tables.QueryAsync<string>(Host.Store, "SELECT objects FROM intel_event WHERE id = @id", new { id = accepted.ProcessEventId }));
        Assert.Equal(expected.Order(StringComparer.Ordinal), JsonNode.Parse(objects)!.AsArray().Select(o => $"{o!["type"]} {o["id"]} {o["qualifier"]}").Order(StringComparer.Ordinal));
        await Host.DrainOutboxAsync();
        Assert.Equal(expected.Order(StringComparer.Ordinal), await Recorded.ObjectLinksAsync(Host.Store, accepted.ProcessEventId));
    }

    private async Task<(decimal Quantity, decimal Value)> StockAsync(string plant, string item) =>
        (await Host.GetAsync<StockBalance[]>($"/api/v1/stock?plant={plant}")).SingleOrDefault(s => s.Item == item) is { } s ? (s.Quantity, s.Value) : (0m, 0m);

    private Task<ProductionOrderView> OrderAsync(string number) => Host.GetAsync<ProductionOrderView>($"/api/v1/production-orders/{number}");

    private static decimal Issued(ProductionOrderView order, string item) => order.Components.Single(c => c.Item == item).Issued;

    private static string Id(JsonObject cloudEvent) => cloudEvent["id"]!.GetValue<string>();

    private static string Source(JsonObject cloudEvent) => cloudEvent["source"]!.GetValue<string>();

    private static string Type(JsonObject cloudEvent) => cloudEvent["type"]!.GetValue<string>();

    /// <summary>The event's time as stored: microseconds.</summary>
    private static DateTimeOffset Time(JsonObject cloudEvent) =>
        Instants.FromUnixMicroseconds(DateTimeOffset.Parse(cloudEvent["time"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixMicroseconds());
}

public sealed class PostingOnSqlite(SqliteHost fixture) : PostingContract<SqliteHost>(fixture);

public sealed class PostingOnPostgres(PostgresHost fixture) : PostingContract<PostgresHost>(fixture);
