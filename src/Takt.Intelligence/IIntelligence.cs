using Takt.Store;

namespace Takt.Intelligence;

/// <summary>A link from a process-log event to an object it touches (OCEL 2.0 event-to-object relation).</summary>
/// <param name="Type">Object type: <c>plant</c>, <c>production-order</c>, <c>item</c>, <c>work-center</c>, <c>journal-entry</c>, <c>stock-movement</c>.</param>
/// <param name="Id">The object's id or number.</param>
/// <param name="Qualifier">The relation, e.g. <c>issued-to</c>, <c>component</c>, <c>posted-as</c>.</param>
public sealed record ObjectLink(string Type, string Id, string Qualifier);

/// <summary>Who caused an event: <c>person</c> (a user id), <c>client</c> (an integration, by its CloudEvents source) or <c>system</c> (a Takt module, by its source).</summary>
public sealed record EventActor(string Kind, string Id)
{
    public const string Person = "person";
    public const string Client = "client";
    public const string System = "system";

    public static IReadOnlyList<string> Kinds { get; } = [Person, Client, System];

    /// <summary>The actor when the caller names none: Takt's own sources (<c>/takt/…</c>) are the system, any other source is a client.</summary>
    public static EventActor Of(string source) => new(source.StartsWith("/takt/", StringComparison.Ordinal) ? System : Client, source);
}

/// <summary>An event to append to the process log; <c>Actor</c> is who caused it (null: derived from <c>Source</c>, see <see cref="EventActor.Of"/>).</summary>
public sealed record ProcessEventDraft(
    string Type,
    string Source,
    string SourceId,
    string? Plant,
    DateTimeOffset OccurredAt,
    string Data,
    int JournalEntries,
    IReadOnlyList<ObjectLink> Objects,
    EventActor? Actor = null);

/// <summary>Production-to-posting latency for one plant (DESIGN §5), in milliseconds.</summary>
public sealed record LatencyPercentiles(string Plant, long Count, double P50, double P95, double P99, double Max);

public sealed record PlantActivity(string Plant, DateOnly Day, string SourceType, long Entries, decimal Debit);

/// <summary>Events that occurred in [From, To) (either open), at one plant or all.</summary>
public sealed record ProcessLogRange(DateTimeOffset? From, DateTimeOffset? To, string? Plant);

/// <summary>Which events of a page: of one type, caused by one kind of actor, by one actor (all optional).</summary>
public sealed record EventFilter(string? Type = null, string? ActorKind = null, string? Actor = null);

/// <summary>An event of the process log with every object it touches; <c>Seq</c> is its place in the log (commit order).</summary>
public sealed record LoggedEvent(
    long Seq,
    string Id,
    string Type,
    string Source,
    string SourceId,
    string? Plant,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    long JournalEntries,
    System.Text.Json.JsonElement Data,
    IReadOnlyList<ObjectLink> Objects,
    EventActor? Actor = null);

/// <summary>A page of events in time order (ties in commit order); <c>Next</c> is the cursor of the next page (null: the last).</summary>
public sealed record EventPage(IReadOnlyList<LoggedEvent> Events, string? Next);

/// <summary>
/// An object's history: its events in time order with all their objects. The index by object runs a moment behind
/// the log: <c>IndexBehind</c> events were committed but not filed by object yet (0: the history is complete).
/// </summary>
public sealed record ObjectHistory(string Type, string Id, IReadOnlyList<LoggedEvent> Events, string? Next, long IndexBehind);

/// <summary>Which process map: one object type, optionally one plant and a period [From, To).</summary>
public sealed record ProcessMapQuery(string ObjectType, DateTimeOffset? From, DateTimeOffset? To, string? Plant);

/// <summary>An activity (event type) of a process map: passes of objects through it, objects starting and ending there.</summary>
public sealed record ActivityNode(string Activity, long Events, long Starts, long Ends);

/// <summary>A directly-follows edge: how often an object's event of <c>From</c> was next followed by one of <c>To</c>, and the time between (median and 90th percentile, nearest rank, seconds).</summary>
public sealed record DirectlyFollowsEdge(string From, string To, long Count, double MedianSeconds, double P90Seconds);

/// <summary>The object-centric directly-follows graph of one object type; <c>Bottlenecks</c> are the slowest transitions (by median).</summary>
public sealed record ProcessMap(
    string ObjectType,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? Plant,
    long Objects,
    long Events,
    IReadOnlyList<ActivityNode> Activities,
    IReadOnlyList<DirectlyFollowsEdge> Edges,
    IReadOnlyList<DirectlyFollowsEdge> Bottlenecks);

/// <summary>The process log and the KPIs computed from it.</summary>
public interface IIntelligence
{
    /// <summary>Stages the event and its object links in the caller's transaction.</summary>
    Contracts.ProcessEventId Append(StoreTransaction transaction, ProcessEventDraft draft);

    /// <summary>Event time → commit of its journal entry, p50/p95/p99 by plant, for events that occurred in [from, to).</summary>
    /// <remarks>Read from the aggregates the KPI projector maintains, plus the log for partial days and the events it has not counted yet.</remarks>
    Task<IReadOnlyList<LatencyPercentiles>> ProductionToPostingLatencyAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

    /// <summary>The same KPI recomputed from the whole log (the reference the maintained aggregates must equal; <c>takt kpi latency --recompute</c>).</summary>
    Task<IReadOnlyList<LatencyPercentiles>> RecomputeProductionToPostingLatencyAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

    /// <summary>Committed events the KPI aggregates have not counted yet (reads add them from the log meanwhile).</summary>
    Task<long> KpiAggregatesBehindAsync(TaktStore store, CancellationToken ct);

    /// <summary>One turn of the KPI projector (what its background service runs): counts up to a batch of events after its position; returns how many it read.</summary>
    Task<int> ProjectKpisAsync(TaktStore store, TimeProvider clock, CancellationToken ct);

    /// <summary>Recomputes the process log's hash chain from the events stored now (<c>takt audit log</c>).</summary>
    Task<LogAuditReport> VerifyLogAsync(TaktStore store, CancellationToken ct);

    /// <summary>One turn of the log sealer (what its background service runs): seals the events after its position as one block; returns how many.</summary>
    Task<int> SealLogAsync(TaktStore store, TimeProvider clock, CancellationToken ct);

    Task<IReadOnlyList<PlantActivity>> PlantActivityAsync(TaktStore store, CancellationToken ct);

    /// <summary>Committed events the object index has not filed yet (it runs a moment behind the writer).</summary>
    Task<long> ObjectIndexBehindAsync(TaktStore store, CancellationToken ct);

    /// <summary>Events of a period and plant (and of one type), in time order, from the cursor <paramref name="after"/>.</summary>
    Task<EventPage> EventsAsync(TaktStore store, ProcessLogRange range, string? type, string? after, int limit, CancellationToken ct);

    /// <summary>Events of a period and plant chosen by <paramref name="filter"/> (type, actor kind, actor), in time order, from the cursor <paramref name="after"/>.</summary>
    Task<EventPage> EventsAsync(TaktStore store, ProcessLogRange range, EventFilter filter, string? after, int limit, CancellationToken ct);

    /// <summary>Exception events of the range (blocked invoices, anomalies, rejected or failed steps, …) counted by plant, supplier, item, work center and category, overall and per period.</summary>
    Task<ExceptionHotspots> ExceptionHotspotsAsync(TaktStore store, ProcessLogRange range, HotspotPeriod period, CancellationToken ct);

    /// <summary>
    /// The history of one object (at one plant, or all), from the cursor <paramref name="after"/>. An object without
    /// events has an empty history: the log knows events, not which objects exist (master data does).
    /// </summary>
    Task<ObjectHistory> ObjectHistoryAsync(TaktStore store, string type, string id, string? plant, string? after, int limit, CancellationToken ct);

    /// <summary>True when <paramref name="cursor"/> is one this log hands out as <c>Next</c>.</summary>
    bool IsCursor(string cursor);

    Task<ProcessMap> ProcessMapAsync(TaktStore store, ProcessMapQuery query, CancellationToken ct);

    /// <summary>The process map of an imported OCEL 2.0 log.</summary>
    ProcessMap ProcessMapOf(OcelLog log, ProcessMapQuery query);

    /// <summary>The map as an SVG picture (laid out without external tools).</summary>
    string RenderSvg(ProcessMap map);

    /// <summary>Writes the events of the range as an OCEL 2.0 JSON log to <paramref name="output"/> as they are read.</summary>
    Task<OcelStats> ExportOcelJsonAsync(TaktStore store, ProcessLogRange range, Stream output, CancellationToken ct);

    /// <summary>Writes the events of the range as a new OCEL 2.0 SQLite file at <paramref name="path"/> (replaced if it exists).</summary>
    Task<OcelStats> ExportOcelSqliteAsync(TaktStore store, ProcessLogRange range, string path, CancellationToken ct);

    /// <summary>Reads an OCEL 2.0 log in any of its forms (JSON, XML, SQLite, told by content) for analysis; XML is read without DTDs, within size and depth limits.</summary>
    /// <exception cref="FormatException">The file is not an OCEL 2.0 log.</exception>
    Task<OcelLog> ReadOcelAsync(string path, CancellationToken ct);

    /// <summary>Writes a log as OCEL 2.0 JSON or SQLite.</summary>
    Task WriteOcelAsync(OcelLog log, string path, OcelFormat format, CancellationToken ct);
}
