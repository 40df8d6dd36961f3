using Takt.Contracts;

namespace Takt.Store;

/// <summary>An event that passed envelope and schema validation, with its typed data.</summary>
public sealed record InboundEvent(
    string Source,
    string Id,
    string Type,
    DateTimeOffset Time,
    string? Subject,
    object Data,
    string DataJson);

/// <summary>What an accepted event changed.</summary>
public sealed record EventEffects(string ProcessEventId, IReadOnlyList<string> JournalEntries, IReadOnlyList<string> StockMovements);

/// <summary>
/// Applies a kind of inbound event. <see cref="BeginAsync"/> reads what a whole batch needs inside the batch's
/// transaction; <see cref="IInboundBatch.Apply"/> then validates one event and stages its writes, or stages
/// nothing and returns the violations.
/// </summary>
public interface IInboundEventHandler
{
    bool Handles(string type);

    Task<IInboundBatch> BeginAsync(StoreTransaction transaction, IReadOnlyList<InboundEvent> events, CancellationToken ct);
}

public interface IInboundBatch
{
    Outcome<EventEffects> Apply(InboundEvent inbound);
}
