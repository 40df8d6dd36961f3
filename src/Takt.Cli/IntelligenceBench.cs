using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using Takt.Intelligence;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt bench intelligence</c>: a process log of N events (default 1,000,000) generated straight into a fresh
/// SQLite database (the log and its index by object, as the posting path and the object indexer would leave them,
/// in transactions of 50,000 events), then the process map of one object type and the OCEL 2.0 export (JSON and
/// SQLite) timed on it. A benchmark, not a test: it prints seconds and events per second, and JSON.
/// </summary>
internal static class IntelligenceBench
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>One step: wall-clock seconds, events per second, and the CPU seconds of the whole process (steadier than wall time on a busy machine).</summary>
    public sealed record Timing(string Step, double Seconds, double EventsPerSecond, double CpuSeconds, string Detail);

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    public sealed record Result(string Engine, string Machine, int Events, long Objects, IReadOnlyList<Timing> Timings);

    public static Command Create()
    {
        var events = new Option<int>("--events", "-n") { Description = "Events in the generated log.", DefaultValueFactory = _ => 1_000_000 };
        var json = new Option<string?>("--json") { Description = "Also write the JSON result to this file." };
        var command = new Command("intelligence", "Measure the process map of one object type and the OCEL 2.0 export on a generated log of N events.") { events, json };
        command.SetAction(async (parse, ct) =>
        {
            var result = await RunAsync(Math.Max(5, parse.GetValue(events)), ct);
            var text = JsonSerializer.Serialize(result, Indented);
            Console.WriteLine(text);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, text, ct);
            return 0;
        });
        return command;
    }

    private static async Task<Result> RunAsync(int count, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("takt-bench-intel-");
        try
        {
            var database = Path.Combine(dir.FullName, "bench.db");
            var store = TaktStore.Open(database);
            await Migrations.ApplyAsync(store, TaktServer.Schemas, ct);
            AnsiConsole.MarkupLineInterpolated($"[grey]bench intelligence on SQLite ({store.Display}), {count:N0} events, {Environment.ProcessorCount} cores[/]");
            var timings = new List<Timing>();
            var cpu = Cpu();
            double CpuSince()
            {
                var now = Cpu();
                var spent = (now - cpu).TotalSeconds;
                cpu = now;
                return spent;
            }

            var generate = Stopwatch.StartNew();
            var objects = await GenerateAsync(database, count, ct);
            timings.Add(new Timing("generate log", generate.Elapsed.TotalSeconds, count / generate.Elapsed.TotalSeconds, CpuSince(), $"{objects:N0} objects, events and their index by object"));

            var intelligence = OcelCommand.Intelligence();
            var query = new ProcessMapQuery("production-order", null, null, null);
            await intelligence.ProcessMapAsync(store, query with { From = DateTimeOffset.UnixEpoch, To = DateTimeOffset.UnixEpoch.AddSeconds(1) }, ct); // connection, statement, JIT
            CpuSince();
            var watch = Stopwatch.StartNew();
            var map = await intelligence.ProcessMapAsync(store, query, ct);
            timings.Add(new Timing("process map (production-order, all plants)", watch.Elapsed.TotalSeconds, map.Events / watch.Elapsed.TotalSeconds, CpuSince(), $"{map.Objects:N0} orders, {map.Events:N0} passes, {map.Edges.Count} edges"));
            CpuSince();
            watch.Restart();
            var plantMap = await intelligence.ProcessMapAsync(store, query with { Plant = "PA01" }, ct);
            timings.Add(new Timing("process map (production-order, plant PA01)", watch.Elapsed.TotalSeconds, plantMap.Events / watch.Elapsed.TotalSeconds, CpuSince(), $"{plantMap.Objects:N0} orders, {plantMap.Events:N0} passes"));
            CpuSince();
            watch.Restart();
            _ = intelligence.RenderSvg(map);
            timings.Add(new Timing("render SVG", watch.Elapsed.TotalSeconds, 0, CpuSince(), $"{map.Activities.Count} activities"));

            // The floor under any export: reading the rows it reads, in its order, and nothing else.
            CpuSince();
            watch.Restart();
            long chars = 0;
            await using (var connection = await store.OpenConnectionAsync(ct))
            await using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT id, type, source, source_id, plant, occurred_at_us, recorded_at_us, journal_entries, data, objects FROM intel_event e WHERE 1 = 1 ORDER BY occurred_at_us, seq";
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    chars += reader.GetString(0).Length + reader.GetString(8).Length + reader.GetString(9).Length;
            }

            timings.Add(new Timing("read the log (the export's floor)", watch.Elapsed.TotalSeconds, count / watch.Elapsed.TotalSeconds, CpuSince(), $"{chars / 1e6:F0} M characters"));

            // KPI refresh: production-to-posting latency as GET /api/v1/kpis asks for it (the whole range and six
            // monthly trend windows), recomputed from the log (the reference, and how every refresh ran before the
            // KPI projector), then read from the projector's counts once it has caught up with the log.
            var end = Instants.FromUnixMicroseconds(await MaxTimeAsync(store, ct)).AddTicks(1);
            var lastMonth = new DateTimeOffset(end.Year, end.Month, 1, 0, 0, 0, TimeSpan.Zero);
            var windows = Enumerable.Range(0, 6).Select(i => (From: lastMonth.AddMonths(i - 5), To: lastMonth.AddMonths(i - 4))).ToList();
            async Task<long> RefreshAsync(Func<DateTimeOffset?, DateTimeOffset?, Task<IReadOnlyList<LatencyPercentiles>>> read)
            {
                var cases = (await read(null, null)).Sum(r => r.Count);
                foreach (var w in windows)
                    await read(w.From, w.To);
                return cases;
            }

            CpuSince();
            watch.Restart();
            var recomputed = await RefreshAsync((f, t) => intelligence.RecomputeProductionToPostingLatencyAsync(store, f, t, ct));
            timings.Add(new Timing("KPI refresh, recomputed from the log (before)", watch.Elapsed.TotalSeconds, recomputed / watch.Elapsed.TotalSeconds, CpuSince(), $"latency, {recomputed:N0} cases, total + 6 monthly windows"));
            CpuSince();
            watch.Restart();
            while (await intelligence.ProjectKpisAsync(store, TimeProvider.System, ct) > 0)
            {
            }

            timings.Add(new Timing("KPI projector, catching up with the whole log (once)", watch.Elapsed.TotalSeconds, count / watch.Elapsed.TotalSeconds, CpuSince(), "counts per plant, day and ms"));
            CpuSince();
            watch.Restart();
            var maintained = await RefreshAsync((f, t) => intelligence.ProductionToPostingLatencyAsync(store, f, t, ct));
            timings.Add(new Timing("KPI refresh, maintained counts (after)", watch.Elapsed.TotalSeconds, maintained / watch.Elapsed.TotalSeconds, CpuSince(), $"latency, {maintained:N0} cases, same answer: {maintained == recomputed}"));

            var range = new ProcessLogRange(null, null, null);
            CpuSince();
            watch.Restart();
            OcelStats stats;
            await using (var output = File.Create(Path.Combine(dir.FullName, "export.jsonocel")))
                stats = await intelligence.ExportOcelJsonAsync(store, range, output, ct);
            timings.Add(new Timing("OCEL export, JSON", watch.Elapsed.TotalSeconds, stats.Events / watch.Elapsed.TotalSeconds, CpuSince(), $"{stats.Events:N0} events, {stats.Objects:N0} objects, {stats.EventToObjectRelations:N0} E2O, {new FileInfo(Path.Combine(dir.FullName, "export.jsonocel")).Length / 1e6:F0} MB"));
            CpuSince();
            watch.Restart();
            stats = await intelligence.ExportOcelSqliteAsync(store, range, Path.Combine(dir.FullName, "export.sqlite"), ct);
            timings.Add(new Timing("OCEL export, SQLite", watch.Elapsed.TotalSeconds, stats.Events / watch.Elapsed.TotalSeconds, CpuSince(), $"{new FileInfo(Path.Combine(dir.FullName, "export.sqlite")).Length / 1e6:F0} MB"));

            var table = new Table().Title($"bench intelligence, {count:N0} events").AddColumns("step", "seconds", "events/s", "CPU s", "");
            foreach (var t in timings)
                table.AddRow(t.Step, $"{t.Seconds:F2}", t.EventsPerSecond > 0 ? $"{t.EventsPerSecond:N0}" : "", $"{t.CpuSeconds:F2}", t.Detail);
            AnsiConsole.Write(table);
            return new Result("Sqlite", $"{Environment.ProcessorCount} cores, {Environment.OSVersion}", count, objects, timings);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Production orders at two plants, each through a routing of five events (two issues, two confirmations, a
    /// yield) an exponentially distributed while apart; each event linked to its plant, order, item, work center,
    /// journal entry and stock movement as the posting path links them. Deterministic (seeded).
    /// </summary>
    private static async Task<long> GenerateAsync(string database, int count, CancellationToken ct)
    {
        string[] plants = ["PA01", "PB01"];
        (string Type, string Item, string? Operation, bool Moves)[] routing =
        [
            ("takt.production.material-issued.v1", "RM-3001", null, true),
            ("takt.production.material-issued.v1", "RM-3005", null, true),
            ("takt.production.operation-confirmed.v1", "SF-2000", "0010", false),
            ("takt.production.operation-confirmed.v1", "SF-2000", "0020", false),
            ("takt.production.yield-reported.v1", "SF-2000", null, true),
        ];
        double[] meanMinutes = [30, 15, 240, 90, 20];
        var random = new Random(12);
        var start = new DateTimeOffset(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);
        var orders = (count + routing.Length - 1) / routing.Length;
        long objects = 0;

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;";
            await pragma.ExecuteNonQueryAsync(ct);
        }

        // The log in commit order: orders overlap, so events of many orders interleave; each order's events are
        // generated in its own time order, and the log is ordered by time.
        var events = new List<(long TimeUs, int Order, int Step)>(count);
        for (var o = 0; o < orders && events.Count < count; o++)
        {
            var t = start.AddMinutes(o * 2.0 * (5.0 * 60 * 24 * 90 / (orders * 2.0 * 5.0))); // spread over ~90 days
            for (var s = 0; s < routing.Length && events.Count < count; s++)
            {
                t = t.AddMinutes(-meanMinutes[s] * Math.Log(1 - random.NextDouble()));
                events.Add((t.ToUnixMicroseconds(), o, s));
            }
        }

        events.Sort((a, b) => a.TimeUs.CompareTo(b.TimeUs));
        const int batch = 50_000;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("generating the process log", maxValue: count);
            for (var i = 0; i < events.Count; i += batch)
            {
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
                await using var insertEvent = Command(connection, tx, "INSERT INTO intel_event (seq, id, type, source, source_id, plant, occurred_at_us, recorded_at_us, commit_id, journal_entries, data, objects) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", 12);
                await using var insertCommit = Command(connection, tx, "INSERT INTO store_commit (id, committed_at_us) VALUES ($1, $2)", 2);
                var commitId = string.Create(CultureInfo.InvariantCulture, $"bench-{i / batch}");
                await using var insertLink = Command(connection, tx, "INSERT INTO intel_event_object (object_type, object_id, event_seq, qualifier, activity, occurred_at_us, plant) VALUES ($1, $2, $3, $4, $5, $6, $7)", 7);
                foreach (var (timeUs, order, step) in events.Skip(i).Take(batch))
                {
                    var seq = (long)objects + 1;
                    var plant = plants[order % plants.Length];
                    var number = string.Create(CultureInfo.InvariantCulture, $"{plant}-{100001 + (order / plants.Length)}");
                    var (type, item, operation, moves) = routing[step];
                    var time = Instants.FromUnixMicroseconds(timeUs);
                    var links = new List<ObjectLink>(6)
                    {
                        new("plant", plant, "at"),
                        new("production-order", number, step < 2 ? "issued-to" : step < 4 ? "confirmed-for" : "received-from"),
                        new("item", item, step < 2 ? "component" : "product"),
                    };
                    if (operation is not null)
                        links.Add(new ObjectLink("work-center", $"{plant}-CNC{step - 1}", "worked-at"));
                    links.Add(new ObjectLink("journal-entry", Takt.Contracts.Uuid7.New(time).ToString(), "posted-as"));
                    if (moves)
                        links.Add(new ObjectLink("stock-movement", Takt.Contracts.Uuid7.New(time).ToString(), "moved-as"));
                    var data = operation is null
                        ? $$$"""{"plant":"{{{plant}}}","order":"{{{number}}}","item":"{{{item}}}","quantity":{"value":{{{1 + (order % 7)}}},"unit":"H87"}}"""
                        : $$$"""{"plant":"{{{plant}}}","order":"{{{number}}}","operation":"{{{operation}}}","workCenter":"{{{plant}}}-CNC{{{step - 1}}}","goodQuantity":{"value":{{{1 + (order % 7)}}},"unit":"H87"},"machineTime":{"value":6,"unit":"MIN"}}""";
                    Run(insertEvent, seq, Takt.Contracts.Uuid7.New(time).ToString(), type, "/bench/" + plant, $"bench-{seq}", plant, timeUs, timeUs + 50_000, commitId, 1L, data,
                        JsonSerializer.Serialize(links.ToArray(), BenchJson.Default.ObjectLinkArray));
                    foreach (var link in links)
                        Run(insertLink, link.Type, link.Id, seq, link.Qualifier, type, timeUs, plant);
                    objects++;
                }

                // The batch commits (its journal entries with it) 50 ms after its last event: latencies of seconds to hours.
                Run(insertCommit, commitId, events[Math.Min(i + batch, events.Count) - 1].TimeUs + 50_000);
                await tx.CommitAsync(ct);
                task.Increment(Math.Min(batch, events.Count - i));
            }
        });

        await using (var position = connection.CreateCommand())
        {
            position.CommandText = "UPDATE intel_indexer SET position = (SELECT MAX(seq) FROM intel_event) WHERE name = 'objects'; PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;";
            await position.ExecuteNonQueryAsync(ct);
        }

        await using var distinct = connection.CreateCommand();
        distinct.CommandText = "SELECT COUNT(*) FROM (SELECT DISTINCT object_type, object_id FROM intel_event_object)";
        return Convert.ToInt64(await distinct.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static async Task<long> MaxTimeAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(occurred_at_us) FROM intel_event";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        for (var i = 1; i <= parameters; i++)
            command.Parameters.Add(new SqliteParameter("$" + i.ToString(CultureInfo.InvariantCulture), null));
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ObjectLink[]))]
internal sealed partial class BenchJson : System.Text.Json.Serialization.JsonSerializerContext;
