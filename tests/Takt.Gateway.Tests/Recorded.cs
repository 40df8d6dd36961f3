using System.Text.Json;
using Takt.Contracts.Events;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>A journal line as the ledger stored it, in EUR.</summary>
internal sealed record JournalLine(string Account, decimal Debit, decimal Credit, string? Order = null, string? Item = null, string? WorkCenter = null);

internal sealed record JournalEntryRow(string Company, string Plant, DateOnly PostingDate, string Currency, string DocumentType, string SourceType, string SourceId, string SourceOrigin, DateTimeOffset EventTime, string CommitId);

internal sealed record MovementRow(string MovementType, string Plant, string Item, decimal Quantity, string Unit, decimal Value, string Currency, string? Order, string JournalEntry, DateOnly PostingDate, string? SourceEventId);

internal sealed record ProcessEventRow(string Type, string Source, string SourceId, string? Plant, DateTimeOffset OccurredAt, string CommitId, long JournalEntries, string Data);

/// <summary>What an accepted event left in the database, read directly (not through the modules' own queries).</summary>
internal static class Recorded
{
    public static async Task<IReadOnlyList<JournalLine>> JournalLinesAsync(TaktStore store, string entry) =>
        [.. (await Tables.QueryAsync<(string, long, long, string?, string?, string?)>(store,
                "SELECT account, debit_e4, credit_e4, order_number, item, work_center FROM ledger_journal_line WHERE entry_id = @entry ORDER BY line_no",
                new { entry }))
            .Select(l => new JournalLine(l.Item1, Fixed.FromE4(l.Item2), Fixed.FromE4(l.Item3), l.Item4, l.Item5, l.Item6))];

    public static async Task<JournalEntryRow> JournalEntryAsync(TaktStore store, string entry)
    {
        var e = Assert.Single(await Tables.QueryAsync<(string, string, long, string, string, string, string, string, long, string)>(store,
            "SELECT company, plant, posting_date, currency, document_type, source_type, source_id, source_origin, event_time_us, commit_id FROM ledger_journal_entry WHERE id = @entry",
            new { entry }));
        return new JournalEntryRow(e.Item1, e.Item2, Instants.FromDateKey(checked((int)e.Item3)), e.Item4, e.Item5, e.Item6, e.Item7, e.Item8, Instants.FromUnixMicroseconds(e.Item9), e.Item10);
    }

    public static async Task<MovementRow> MovementAsync(TaktStore store, string movement)
    {
        var m = Assert.Single(await Tables.QueryAsync<(string, string, string, long, string, long, string, string?, string, long, string?)>(store,
            "SELECT movement_type, plant, item, quantity_e6, unit, value_e4, currency, order_number, journal_entry_id, posting_date, source_event_id FROM inventory_movement WHERE id = @movement",
            new { movement }));
        return new MovementRow(m.Item1, m.Item2, m.Item3, Fixed.FromE6(m.Item4), m.Item5, Fixed.FromE4(m.Item6), m.Item7, m.Item8, m.Item9, Instants.FromDateKey(checked((int)m.Item10)), m.Item11);
    }

    public static async Task<ProcessEventRow> ProcessEventAsync(TaktStore store, string processEvent)
    {
        var e = Assert.Single(await Tables.QueryAsync<(string, string, string, string?, long, string, long, string)>(store,
            "SELECT type, source, source_id, plant, occurred_at_us, commit_id, journal_entries, data FROM intel_event WHERE id = @processEvent",
            new { processEvent }));
        return new ProcessEventRow(e.Item1, e.Item2, e.Item3, e.Item4, Instants.FromUnixMicroseconds(e.Item5), e.Item6, e.Item7, e.Item8);
    }

    /// <summary>The objects a process-log event is linked to, as "type id qualifier", sorted.</summary>
    public static async Task<IReadOnlyList<string>> ObjectLinksAsync(TaktStore store, string processEvent) =>
        [.. (await Tables.QueryAsync<(string, string, string)>(store,
                "SELECT o.object_type, o.object_id, o.qualifier FROM intel_event_object o JOIN intel_event e ON e.seq = o.event_seq WHERE e.id = @processEvent",
                new { processEvent }))
            .Select(l => $"{l.Item1} {l.Item2} {l.Item3}")
            .Order(StringComparer.Ordinal)];

    /// <summary>Outbox messages of one type, with their data decoded as the published contract.</summary>
    public static async Task<IReadOnlyList<(string Source, string? Subject, string? Plant, T Data)>> OutboxAsync<T>(TaktStore store, string type) =>
        [.. (await Tables.QueryAsync<(string, string?, string?, string)>(store,
                "SELECT source, subject, plant, data FROM store_outbox_message WHERE type = @type ORDER BY created_at_us, id",
                new { type }))
            .Select(m => (m.Item1, m.Item2, m.Item3, JsonSerializer.Deserialize<T>(m.Item4, EventTypes.Json)!))];

    /// <summary>Rows that name an event (source, id) anywhere: journal entries, movements, process log, inbox.</summary>
    public static async Task<long> TracesOfAsync(TaktStore store, string source, string id) =>
        await Tables.CountAsync(store, "SELECT COUNT(*) FROM ledger_journal_entry WHERE source_origin = @source AND source_id = @id", new { source, id })
        + await Tables.CountAsync(store, "SELECT COUNT(*) FROM inventory_movement WHERE source_event_id = @id", new { id })
        + await Tables.CountAsync(store, "SELECT COUNT(*) FROM intel_event WHERE source = @source AND source_id = @id", new { source, id })
        + await Tables.CountAsync(store, "SELECT COUNT(*) FROM integration_inbox WHERE source = @source AND event_id = @id", new { source, id });
}
