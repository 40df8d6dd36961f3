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
        // The objects go with the event (OCEL relationships); ObjectIndexer files them under each object.
        transaction.StageLogAppend(
            "INSERT INTO intel_event (id, type, source, source_id, plant, occurred_at_us, recorded_at_us, commit_id, journal_entries, data, objects) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            id.ToString(), draft.Type, draft.Source, draft.SourceId, draft.Plant, draft.OccurredAt.ToUnixMicroseconds(),
            transaction.Clock.GetUtcNow().ToUnixMicroseconds(), transaction.CommitId, draft.JournalEntries, draft.Data,
            JsonSerializer.Serialize(draft.Objects.Distinct().ToArray(), IntelligenceJson.Default.ObjectLinkArray));
        return id;
    }

    public async Task<IReadOnlyList<LatencyPercentiles>> ProductionToPostingLatencyAsync(TaktStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        // DESIGN §5: from the event's CloudEvents time to the commit of its journal entry.
        var rows = await connection.QueryAsync<(string Plant, long LatencyUs)>(new CommandDefinition(
            """
            SELECT e.plant, c.committed_at_us - e.occurred_at_us
            FROM intel_event e JOIN store_commit c ON c.id = e.commit_id
            WHERE e.journal_entries > 0 AND e.plant IS NOT NULL AND e.occurred_at_us >= @from AND e.occurred_at_us < @to
            """,
            new { from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue },
            cancellationToken: ct));
        return [.. rows.GroupBy(r => r.Plant, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var sorted = g.Select(r => r.LatencyUs / 1000.0).Order().ToArray();
                return new LatencyPercentiles(g.Key, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted[^1]);
            })];
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public async Task<IReadOnlyList<PlantActivity>> PlantActivityAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Plant, long Day, string SourceType, long Entries, long Debit)>(new CommandDefinition(
            "SELECT plant, day, source_type, entries, debit_e4 FROM intel_plant_activity ORDER BY plant, day, source_type", cancellationToken: ct));
        return [.. rows.Select(r => new PlantActivity(r.Plant, Instants.FromDateKey((int)r.Day), r.SourceType, r.Entries, Fixed.FromE4(r.Debit)))];
    }

    public Task<long> ObjectIndexBehindAsync(TaktStore store, CancellationToken ct) => ObjectIndexer.BehindAsync(store, ct);

    public Task<EventPage> EventsAsync(TaktStore store, ProcessLogRange range, string? type, string? after, int limit, CancellationToken ct) =>
        ProcessLogQueries.EventsAsync(store, range, type, after, limit, ct);

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
