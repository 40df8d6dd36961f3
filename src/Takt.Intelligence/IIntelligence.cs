using Takt.Store;

namespace Takt.Intelligence;

/// <summary>A link from a process-log event to an object it touches (OCEL 2.0 event-to-object relation).</summary>
/// <param name="Type">Object type: <c>plant</c>, <c>production-order</c>, <c>item</c>, <c>work-center</c>, <c>journal-entry</c>, <c>stock-movement</c>.</param>
/// <param name="Id">The object's id or number.</param>
/// <param name="Qualifier">The relation, e.g. <c>issued-to</c>, <c>component</c>, <c>posted-as</c>.</param>
public sealed record ObjectLink(string Type, string Id, string Qualifier);

public sealed record ProcessEventDraft(
    string Type,
    string Source,
    string SourceId,
    string? Plant,
    DateTimeOffset OccurredAt,
    string Data,
    int JournalEntries,
    IReadOnlyList<ObjectLink> Objects);

/// <summary>Production-to-posting latency for one plant (DESIGN §5), in milliseconds.</summary>
public sealed record LatencyPercentiles(string Plant, long Count, double P50, double P95, double P99, double Max);

public sealed record PlantActivity(string Plant, DateOnly Day, string SourceType, long Entries, decimal Debit);

/// <summary>The process log and the KPIs computed from it.</summary>
public interface IIntelligence
{
    /// <summary>Stages the event and its object links in the caller's transaction.</summary>
    Contracts.ProcessEventId Append(StoreTransaction transaction, ProcessEventDraft draft);

    /// <summary>Event time → commit of its journal entry, p50/p95/p99 by plant, for events that occurred in [from, to).</summary>
    Task<IReadOnlyList<LatencyPercentiles>> ProductionToPostingLatencyAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

    Task<IReadOnlyList<PlantActivity>> PlantActivityAsync(TaktStore store, CancellationToken ct);

    /// <summary>Committed events the object index has not filed yet (it runs a moment behind the writer).</summary>
    Task<long> ObjectIndexBehindAsync(TaktStore store, CancellationToken ct);
}
