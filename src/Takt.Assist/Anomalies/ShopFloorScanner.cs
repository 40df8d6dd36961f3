using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Assist.Anomalies;

/// <summary>What one scheduled scan of a plant did.</summary>
/// <param name="Since">Anomalies were reported from here on (the previous scan's end; the history's start on the first scan).</param>
/// <param name="To">The scan's end (exclusive): business time when it ran, the next scan's <paramref name="Since"/>.</param>
/// <param name="Skipped">True when another node scanned the plant meanwhile (this turn wrote nothing).</param>
/// <param name="Refused">Why the scan was refused (e.g. the configured flow does not exist); nothing written, the position stays.</param>
public sealed record ScheduledScan(string Plant, DateTimeOffset Since, DateTimeOffset To, ShopFloorReport? Report, bool Skipped = false, IReadOnlyList<Violation>? Refused = null)
{
    public int Anomalies => Report?.WorkCenters.Sum(w => w.Anomalies.Count) ?? 0;
}

/// <summary>
/// The scheduled shop-floor anomaly scan (docs/assist.md): every <see cref="AssistOptions.ShopFloorScanInterval"/>
/// (off when null) each plant's operation confirmations of the last <see cref="AssistOptions.ShopFloorScanHistory"/>
/// are scanned, and only anomalies at or after the plant's position (the previous scan's end) are reported; the
/// suggestions, advisory events and the new position commit in one transaction, so each anomaly is suggested once. On
/// PostgreSQL a transaction-scoped advisory lock and the locked position row make one node's scan of a plant the only
/// one; a node that finds the position moved writes nothing. Waits run on real time; the scanned range is business time.
/// An anomaly whose events are posted after the scan passed their time (late postings) is not reported by a later scan.
/// </summary>
public sealed partial class ShopFloorScanner(TaktStore store, TimeProvider clock, AssistOptions options, ShopFloorAnomalies shopFloor, ILogger<ShopFloorScanner> logger) : BackgroundService
{
    private static readonly Task Never = new TaskCompletionSource().Task;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => options.ShopFloorScanInterval is not { } interval
        ? Task.CompletedTask
        : BackgroundTurns.RunAsync(store, clock, () => Never, async (session, ct) =>
            {
                await ScanAllAsync(session, ct);
                return false;
            }, interval, ex => LogFailed(logger, ex), stoppingToken);

    /// <summary>One scheduled turn: every plant to scan (the configured ones, else those with confirmations in the history).</summary>
    public async Task<IReadOnlyList<ScheduledScan>> ScanAllAsync(StoreSession session, CancellationToken ct)
    {
        var to = session.Clock.GetUtcNow();
        var plants = options.ShopFloorScanPlants is { Count: > 0 } configured ? configured : await PlantsAsync(session, to - options.ShopFloorScanHistory, to, ct);
        var scans = new List<ScheduledScan>(plants.Count);
        foreach (var plant in plants)
            scans.Add(await ScanAsync(session, plant, to, ct));
        return scans;
    }

    /// <summary>Scans one plant up to <paramref name="to"/>, reporting anomalies from its position on, and moves the position.</summary>
    public async Task<ScheduledScan> ScanAsync(StoreSession session, string plant, DateTimeOffset to, CancellationToken ct)
    {
        var from = to - options.ShopFloorScanHistory;
        var position = await PositionAsync(session.Read(PositionSql, plant), ct);
        var since = position is { } p && p > from ? p : from;
        if (since >= to)
            return new ScheduledScan(plant, since, to, null, Skipped: true);
        var scan = new ShopFloorScan(plant, from, to, since, Flow: options.ShopFloorScanFlow, Requester: options.ShopFloorScanFlow is null ? null : "takt.assist");
        var (events, streams) = await shopFloor.ReadAsync(store, scan, ct);
        await using var tx = await session.BeginAsync(ct);
        if (tx.Engine == StoreEngine.Postgres)
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext($1))", ct, "takt.assist.shop-floor-scan:" + plant);
        var locked = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE" : "";
        if (await PositionAsync(tx.Command(PositionSql + locked, plant), ct) != position)
            return new ScheduledScan(plant, since, to, null, Skipped: true); // rolled back on dispose: another node scanned it
        var report = await shopFloor.ScanAsync(tx, scan, events, streams, ct);
        if (report.IsRejected)
        {
            LogRefused(logger, plant, string.Join("; ", report.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")));
            return new ScheduledScan(plant, since, to, null, Refused: report.Violations);
        }

        if (position is null)
            tx.Stage("INSERT INTO assist_scan_position (plant, scanned_to_us, scanned_at_us) VALUES ($1, $2, $3)", plant, to.ToUnixMicroseconds(), tx.Clock.GetUtcNow().ToUnixMicroseconds());
        else
            tx.Stage("UPDATE assist_scan_position SET scanned_to_us = $1, scanned_at_us = $2 WHERE plant = $3", to.ToUnixMicroseconds(), tx.Clock.GetUtcNow().ToUnixMicroseconds(), plant);
        await tx.CommitAsync(ct);
        return new ScheduledScan(plant, since, to, report.Value);
    }

    /// <summary>A plant's position (the end of its last scheduled scan), null before the first.</summary>
    public static async Task<DateTimeOffset?> PositionAsync(TaktStore store, TimeProvider clock, string plant, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        return await PositionAsync(session.Read(PositionSql, plant), ct);
    }

    private const string PositionSql = "SELECT scanned_to_us FROM assist_scan_position WHERE plant = $1";

    private static async Task<DateTimeOffset?> PositionAsync(System.Data.Common.DbCommand command, CancellationToken ct) =>
        await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Instants.FromUnixMicroseconds(Convert.ToInt64(value, CultureInfo.InvariantCulture)) : null;

    private static async Task<IReadOnlyList<string>> PlantsAsync(StoreSession session, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var plants = new List<string>();
        await using var reader = await session.Read(
            "SELECT DISTINCT plant FROM intel_event WHERE type = $1 AND plant IS NOT NULL AND occurred_at_us >= $2 AND occurred_at_us < $3 ORDER BY plant",
            EventTypes.OperationConfirmed, from.ToUnixMicroseconds(), to.ToUnixMicroseconds()).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            plants.Add(reader.GetString(0));
        return plants;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduled shop-floor anomaly scan of {Plant} was refused: {Violations}")]
    private static partial void LogRefused(ILogger logger, string plant, string violations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduled shop-floor anomaly scan failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
