using System.Text.Json;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// Counts posted journal entries per plant, day and cause, from the outbox. Runs in the dispatcher's
/// transaction, so each entry is counted exactly once even across crashes (the crash test checks this).
/// </summary>
internal sealed class PlantActivityProjection : IOutboxSubscriber
{
    public string Name => "intelligence.plant-activity";

    public IReadOnlyCollection<string> Types { get; } = [EventTypes.JournalEntryPosted];

    public bool Accepts(OutboxMessage message) => message.Type == EventTypes.JournalEntryPosted;

    public Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct) =>
        HandleBatchAsync(transaction, [message], ct);

    /// <summary>Adds up the batch per (plant, day, cause) first: one upsert per key instead of one per entry.</summary>
    public Task HandleBatchAsync(StoreTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        var totals = new Dictionary<(string Plant, int Day, string Type), (long Entries, decimal Debit)>();
        foreach (var message in messages)
        {
            var entry = JsonSerializer.Deserialize(message.Data, EventJson.Default.JournalEntryPosted)
                ?? throw new JsonException("Empty journal-entry-posted data.");
            var key = (entry.Plant, entry.PostingDate.ToDateKey(), entry.SourceEventType);
            var (entries, debit) = totals.GetValueOrDefault(key);
            totals[key] = (entries + 1, debit + entry.Lines.Sum(l => l.Debit));
        }

        foreach (var ((plant, day, type), (entries, debit)) in totals)
        {
            transaction.Stage(
                "INSERT INTO intel_plant_activity (plant, day, source_type, entries, debit_e4) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plant, day, source_type) DO UPDATE SET entries = intel_plant_activity.entries + excluded.entries, debit_e4 = intel_plant_activity.debit_e4 + excluded.debit_e4",
                plant, day, type, entries, Fixed.ToE4(debit));
        }

        return Task.CompletedTask;
    }
}
