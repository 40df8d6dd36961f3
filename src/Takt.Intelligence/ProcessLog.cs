using System.Text.Json;
using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Intelligence;

internal sealed class ProcessLog : IIntelligence
{
    public ProcessEventId Append(StoreTransaction transaction, ProcessEventDraft draft)
    {
        var id = ProcessEventId.New(transaction.Clock);
        var actor = draft.Actor ?? EventActor.Of(draft.Source);
        // The objects go with the event (OCEL relationships); ObjectIndexer files them under each object.
        transaction.StageLogAppend(
            "INSERT INTO intel_event (id, type, source, source_id, plant, occurred_at_us, recorded_at_us, commit_id, journal_entries, data, objects, actor_kind, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            id.ToString(), draft.Type, draft.Source, draft.SourceId, draft.Plant, draft.OccurredAt.ToUnixMicroseconds(),
            transaction.Clock.GetUtcNow().ToUnixMicroseconds(), transaction.CommitId, draft.JournalEntries, draft.Data,
            JsonSerializer.Serialize(draft.Objects.Distinct().ToArray(), IntelligenceJson.Default.ObjectLinkArray), actor.Kind, actor.Id);
        return id;
    }

    public Task<IReadOnlyList<LatencyPercentiles>> ProductionToPostingLatencyAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        LatencyKpi.ReadAsync(store, from, to, ct);

    public Task<IReadOnlyList<LatencyPercentiles>> RecomputeProductionToPostingLatencyAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        LatencyKpi.RecomputeAsync(store, from, to, ct);

    public Task<long> KpiAggregatesBehindAsync(TaktStore store, CancellationToken ct) => KpiProjector.BehindAsync(store, ct);

    public async Task<int> ProjectKpisAsync(TaktStore store, TimeProvider clock, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct, background: true);
        return await KpiProjector.ProjectOnceAsync(session, ct);
    }

    public Task<LogAuditReport> VerifyLogAsync(TaktStore store, CancellationToken ct) => LogSealer.VerifyAsync(store, ct);

    public async Task<int> SealLogAsync(TaktStore store, TimeProvider clock, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct, background: true);
        return await LogSealer.SealOnceAsync(session, ct);
    }

    public async Task<IReadOnlyList<PlantActivity>> PlantActivityAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Plant, long Day, string SourceType, long Entries, long Debit)>(new CommandDefinition(
            "SELECT plant, day, source_type, entries, debit_e4 FROM intel_plant_activity ORDER BY plant, day, source_type", cancellationToken: ct));
        return [.. rows.Select(r => new PlantActivity(r.Plant, Instants.FromDateKey((int)r.Day), r.SourceType, r.Entries, Fixed.FromE4(r.Debit)))];
    }

    public Task<long> ObjectIndexBehindAsync(TaktStore store, CancellationToken ct) => ObjectIndexer.BehindAsync(store, ct);

    public Task<EventPage> EventsAsync(TaktStore store, ProcessLogRange range, string? type, string? after, int limit, CancellationToken ct) =>
        ProcessLogQueries.EventsAsync(store, range, new EventFilter(type), after, limit, ct);

    public Task<EventPage> EventsAsync(TaktStore store, ProcessLogRange range, EventFilter filter, string? after, int limit, CancellationToken ct) =>
        ProcessLogQueries.EventsAsync(store, range, filter, after, limit, ct);

    public Task<ExceptionHotspots> ExceptionHotspotsAsync(TaktStore store, ProcessLogRange range, HotspotPeriod period, CancellationToken ct) =>
        Hotspots.ReadAsync(store, range, period, ct);

    public Task<ObjectHistory> ObjectHistoryAsync(TaktStore store, string type, string id, string? plant, string? after, int limit, CancellationToken ct) =>
        ProcessLogQueries.ObjectHistoryAsync(store, type, id, plant, after, limit, ct);

    public bool IsCursor(string cursor) => ProcessLogQueries.Cursor.TryParse(cursor, out _);

    public Task<ProcessMap> ProcessMapAsync(TaktStore store, ProcessMapQuery query, CancellationToken ct) => DirectlyFollows.FromLogAsync(store, query, ct);

    public ProcessMap ProcessMapOf(OcelLog log, ProcessMapQuery query) => DirectlyFollows.FromOcel(log, query);

    public string RenderSvg(ProcessMap map) => ProcessMapSvg.Render(map);

    public async Task<OcelStats> ExportOcelJsonAsync(TaktStore store, ProcessLogRange range, Stream output, CancellationToken ct)
    {
        await using var sink = new OcelExport.JsonSink(output);
        return await OcelExport.ExportAsync(store, range, sink, ct);
    }

    public async Task<OcelStats> ExportOcelSqliteAsync(TaktStore store, ProcessLogRange range, string path, CancellationToken ct)
    {
        await using var writer = await OcelSqliteWriter.CreateAsync(path, ct);
        return await OcelExport.ExportAsync(store, range, new OcelExport.SqliteSink(writer), ct);
    }

    public Task<OcelLog> ReadOcelAsync(string path, CancellationToken ct) => OcelFile.ReadAsync(path, ct);

    public Task WriteOcelAsync(OcelLog log, string path, OcelFormat format, CancellationToken ct) => OcelFile.WriteAsync(log, path, format, ct);
}
