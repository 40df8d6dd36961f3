using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Store;

namespace Takt.Assist.Anomalies;

/// <summary>A scan of the shop-floor events a plant posted (operation confirmations in the process log).</summary>
/// <param name="From">Start of the history read (the detectors' reference).</param>
/// <param name="To">End of the history read (exclusive).</param>
/// <param name="Since">Report only anomalies at or after this instant (a periodic scan reads a longer history than it reports).</param>
/// <param name="WorkCenter">One work center, or all of the plant's.</param>
/// <param name="Flow">A flow to open per work center with anomalies, for a person.</param>
public sealed record ShopFloorScan(string Plant, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset? Since = null, string? WorkCenter = null, string? Flow = null, string? Requester = null);

/// <summary>What a shop-floor scan found, per work center with enough confirmations.</summary>
/// <param name="Events">Operation confirmations read.</param>
/// <param name="TooShort">Work centers with fewer confirmations than the detectors need (not scanned).</param>
public sealed record ShopFloorReport(string Plant, int Events, IReadOnlyList<AnomalyReport> WorkCenters, IReadOnlyList<string> TooShort);

/// <summary>
/// Production anomaly detection over posted shop-floor events (docs/assist.md): each operation confirmation of a work
/// center is a point of its stream — scrap rate (scrap ÷ (good + scrap)) and machine seconds per unit (machine time ÷
/// (good + scrap), as the stream's cycle time) — compared with the work center's own history by the spike and
/// level-shift detectors. Each anomaly is recorded as a suggestion naming the metric, its value, the baseline and the
/// robust deviation, with an advisory event; nothing else changes.
/// </summary>
public sealed class ShopFloorAnomalies(IIntelligence intelligence, AnomalyService anomalies)
{
    public static IReadOnlyList<Violation> Check(ShopFloorScan? scan)
    {
        if (scan is null)
            return [new Violation("", "assist.body-required", "Send the scan as JSON.")];
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(scan.Plant))
            errors.Add(new Violation("/plant", "assist.plant-required", "Name the plant."));
        if (scan.From is null)
            errors.Add(new Violation("/from", "assist.from-required", "Give the start of the history to read."));
        if (scan.To is null)
            errors.Add(new Violation("/to", "assist.to-required", "Give the end of the history to read."));
        if (scan.From is not { } from || scan.To is not { } to)
            return errors;
        if (to <= from)
            errors.Add(new Violation("/to", "assist.range-order", "to is after from."));
        else if (to - from > TimeSpan.FromDays(366))
            errors.Add(new Violation("/to", "assist.range-too-long", "A scan reads at most 366 days of history."));
        if (scan.Since is { } since && (since < from || since > to))
            errors.Add(new Violation("/since", "assist.since-outside-range", "since lies between from and to."));
        return errors;
    }

    /// <summary>The plant's operation confirmations in the range, as streams per work center (time order).</summary>
    public async Task<(int Events, IReadOnlyDictionary<string, List<StreamPoint>> Streams)> ReadAsync(TaktStore store, ShopFloorScan scan, CancellationToken ct)
    {
        var streams = new SortedDictionary<string, List<StreamPoint>>(StringComparer.Ordinal);
        var count = 0;
        string? after = null;
        do
        {
            var page = await intelligence.EventsAsync(store, new ProcessLogRange(scan.From, scan.To, scan.Plant), EventTypes.OperationConfirmed, after, 1_000, ct);
            foreach (var e in page.Events)
            {
                var confirmed = e.Data.Deserialize<OperationConfirmed>(EventTypes.Json);
                if (confirmed is null || (scan.WorkCenter is { Length: > 0 } only && confirmed.WorkCenter != only))
                    continue;
                count++;
                var units = confirmed.GoodQuantity.Value + (confirmed.ScrapQuantity?.Value ?? 0);
                if (units <= 0)
                    continue;
                var seconds = confirmed.MachineTime is { } m ? Seconds(m) : null;
                var point = new StreamPoint(e.OccurredAt, (double)((confirmed.ScrapQuantity?.Value ?? 0) / units), seconds is { } s ? (double)(s / units) : null);
                if (!streams.TryGetValue(confirmed.WorkCenter, out var list))
                    streams[confirmed.WorkCenter] = list = [];
                list.Add(point);
            }

            after = page.Next;
        }
        while (after is not null && count < 200_000);
        return (count, streams.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
    }

    /// <summary>Scans each work center's stream in the caller's transaction (suggestions and advisory events recorded there).</summary>
    public async Task<Outcome<ShopFloorReport>> ScanAsync(StoreTransaction tx, ShopFloorScan scan, int events, IReadOnlyDictionary<string, List<StreamPoint>> streams, CancellationToken ct)
    {
        var reports = new List<AnomalyReport>();
        var tooShort = new List<string>();
        foreach (var (workCenter, points) in streams)
        {
            if (points.Count < AnomalyService.MinimumPoints)
            {
                tooShort.Add(workCenter);
                continue;
            }

            var ordered = points.OrderBy(p => p.At).ToList();
            var report = await anomalies.ScanAsync(tx, new AnomalyScan(scan.Plant, workCenter, ordered, scan.Since, scan.Flow, scan.Requester), ct);
            if (report.IsRejected)
                return report.Violations.ToArray();
            reports.Add(report.Value);
        }

        return new ShopFloorReport(scan.Plant, events, reports, tooShort);
    }

    private static decimal? Seconds(QuantityValue time) => time.Unit switch
    {
        "SEC" => time.Value,
        "MIN" => time.Value * 60,
        "HUR" => time.Value * 3_600,
        _ => null,
    };
}
