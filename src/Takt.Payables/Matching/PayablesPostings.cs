using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Payables.Matching;

/// <summary>Publishes a payables journal entry as <c>takt.ledger.journal-entry-posted.v1</c>, as every module's postings are (plant activity, latency).</summary>
internal static class PayablesPostings
{
    public static void Publish(StoreTransaction tx, Outbox outbox, JournalEntryId id, PreparedEntry entry, string sourceId)
    {
        var d = entry.Draft;
        var now = tx.Clock.GetUtcNow();
        var data = new JournalEntryPosted(id.Value, d.Company, d.Plant, d.PostingDate, d.Currency.Code, d.Source.Type, d.Source.Origin, sourceId,
            [.. entry.Lines.Select(l => new JournalLineData(l.Account, l.Debit.Amount, l.Credit.Amount, l.Order, l.Item, l.WorkCenter))]);
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.JournalEntryPosted, "/takt/ledger", id.ToString(), d.Plant, now,
            JsonSerializer.Serialize(data, EventJson.Default.JournalEntryPosted)));
    }
}
