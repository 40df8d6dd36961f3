using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Production;

/// <summary>
/// Publishes a lifecycle event of production or costing in the caller's transaction: the process-log event with
/// its object links, the canonical event in the outbox and, when something was posted, journal-entry-posted
/// (DESIGN §2.1, §2.2) — as the shop-floor batch does for its events.
/// </summary>
internal sealed class ProductionEvents(IIntelligence intelligence, Outbox outbox)
{
    public const string Source = "/takt/production";

    public string Publish<T>(StoreTransaction tx, string type, string plant, string subject, T data, JsonTypeInfo<T> info, IReadOnlyList<ObjectLink> links, PreparedEntry? entry = null, JournalEntryId? journalEntry = null)
    {
        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var json = JsonSerializer.Serialize(data, info);
        var objects = new List<ObjectLink>(links.Count + 2) { new("plant", plant, "at") };
        objects.AddRange(links);
        if (journalEntry is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        intelligence.Append(tx, new ProcessEventDraft(type, Source, id, plant, now, json, journalEntry is null ? 0 : 1, objects));
        outbox.Enqueue(tx, new OutboxMessage(id, type, Source, subject, plant, now, json));
        if (entry is not null && journalEntry is { } posted)
        {
            var posting = new JournalEntryPosted(
                posted.Value, entry.Draft.Company, plant, entry.Draft.PostingDate, entry.Draft.Currency.Code, type, Source, id,
                [.. entry.Lines.Select(l => new JournalLineData(l.Account, l.Debit.Amount, l.Credit.Amount, l.Order, l.Item, l.WorkCenter))]);
            outbox.Enqueue(tx, new OutboxMessage(
                Uuid7.New(now).ToString(), EventTypes.JournalEntryPosted, "/takt/ledger", posted.ToString(), plant, now,
                JsonSerializer.Serialize(posting, EventJson.Default.JournalEntryPosted)));
        }

        return id;
    }

    /// <summary>
    /// Lines for a signed amount through account determination: a positive amount debits the determined debit
    /// account, a negative one reverses both sides (revaluations down, favourable variances).
    /// </summary>
    public static Outcome<JournalLineDraft[]> SignedLines(PostingRules rules, string plant, string movement, string itemClass, Money amount, string field, string? order = null, string? item = null)
    {
        if (amount.Amount == 0m)
            return Array.Empty<JournalLineDraft>();
        if (rules.Determine(plant, movement, itemClass) is not { } accounts)
            return new Violation(field, "posting.account-determination-missing", $"No account determination for plant {plant}, movement {movement}, item class {itemClass}.");
        var zero = Money.Zero(amount.Currency);
        var abs = amount.Amount > 0 ? amount : -amount;
        return amount.Amount > 0
            ? new[] { new JournalLineDraft(accounts.Debit, abs, zero, order, item), new JournalLineDraft(accounts.Credit, zero, abs, order, item) }
            : new[] { new JournalLineDraft(accounts.Credit, abs, zero, order, item), new JournalLineDraft(accounts.Debit, zero, abs, order, item) };
    }
}
