using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Assist.Registry;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Assist.Anomalies;

/// <summary>One measurement of a work center (per shift, hour or day); a metric not measured is null.</summary>
/// <param name="ScrapRate">Scrapped ÷ produced quantity (0..1).</param>
/// <param name="CycleTimeSeconds">Mean cycle time.</param>
/// <param name="DowntimeMinutes">Unplanned downtime in the period.</param>
public sealed record StreamPoint(DateTimeOffset At, double? ScrapRate = null, double? CycleTimeSeconds = null, double? DowntimeMinutes = null);

/// <summary>A stream to scan.</summary>
/// <param name="Points">In time order; at least 40.</param>
/// <param name="Since">Report anomalies at or after this instant only (earlier points are history); all when null.</param>
/// <param name="Flow">A published flow standard to open for a person when anomalies are found (one instance per scan).</param>
/// <param name="Requester">Who asked for the scan (the flow's requester).</param>
public sealed record AnomalyScan(string Plant, string WorkCenter, IReadOnlyList<StreamPoint> Points, DateTimeOffset? Since = null, string? Flow = null, string? Requester = null);

/// <summary>What a scan found: each anomaly recorded as a suggestion and published as an advisory event.</summary>
public sealed record AnomalyReport(string Plant, string WorkCenter, string Model, int Points, IReadOnlyList<Suggestion> Anomalies, string? FlowInstance);

/// <summary>Scans work-center streams for spikes, level shifts and multivariate anomalies (docs/assist.md).</summary>
public sealed class AnomalyService(SuggestionLog suggestions, IIntelligence intelligence, Outbox outbox, IOrchestration orchestration, AssistOptions options)
{
    public const string Algorithm = "spike: median/MAD z > 5 on 30 trailing points; level shift: CUSUM k=1σ h=8σ (reference 50 points); multivariate: ml.net randomized PCA, reconstruction error > 6 × median";
    public const string Source = "/takt/assist";
    public const int MinimumPoints = 40;

    private static readonly string[] Metrics = ["scrapRate", "cycleTimeSeconds", "downtimeMinutes"];

    public static IReadOnlyList<Violation> Check(AnomalyScan? scan)
    {
        if (scan is null)
            return [new Violation("", "assist.body-required", "Send the stream as JSON.")];
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(scan.Plant))
            errors.Add(new Violation("/plant", "assist.plant-required", "Name the plant."));
        if (string.IsNullOrWhiteSpace(scan.WorkCenter))
            errors.Add(new Violation("/workCenter", "assist.work-center-required", "Name the work center."));
        if (scan.Points is null || scan.Points.Count < MinimumPoints)
            return [.. errors, new Violation("/points", "assist.stream-too-short", $"A stream has at least {MinimumPoints} points (the detectors need a reference).")];
        if (scan.Points.Count > 100_000)
            errors.Add(new Violation("/points", "assist.stream-too-long", "A stream has at most 100,000 points per scan."));
        for (var i = 0; i < scan.Points.Count; i++)
        {
            var p = scan.Points[i];
            if (i > 0 && p.At < scan.Points[i - 1].At)
                errors.Add(new Violation($"/points/{i}/at", "assist.stream-order", "Points are in time order."));
            if (p.ScrapRate is { } s && (!double.IsFinite(s) || s is < 0 or > 1))
                errors.Add(new Violation($"/points/{i}/scrapRate", "assist.scrap-rate-range", "scrapRate is a share between 0 and 1."));
            if (p.CycleTimeSeconds is { } c && (!double.IsFinite(c) || c < 0))
                errors.Add(new Violation($"/points/{i}/cycleTimeSeconds", "assist.value-negative", "cycleTimeSeconds is 0 or more."));
            if (p.DowntimeMinutes is { } d && (!double.IsFinite(d) || d < 0))
                errors.Add(new Violation($"/points/{i}/downtimeMinutes", "assist.value-negative", "downtimeMinutes is 0 or more."));
            if (errors.Count >= 20)
                break;
        }

        return errors;
    }

    /// <summary>The anomalies of a stream, without recording anything (the detectors alone).</summary>
    public IReadOnlyList<Anomaly> Find(IReadOnlyList<StreamPoint> points)
    {
        var found = new List<Anomaly>();
        foreach (var metric in Metrics)
        {
            var values = points.Select(p => Value(p, metric)).ToList();
            if (values.Count(v => v is not null) < MinimumPoints)
                continue;
            // Gaps carry the last value forward so indexes stay those of the points.
            var filled = new double[values.Count];
            double last = values.First(v => v is not null)!.Value;
            for (var i = 0; i < values.Count; i++)
                filled[i] = last = values[i] ?? last;
            found.AddRange(SpikeDetector.Detect(metric, filled));
            found.AddRange(LevelShiftDetector.Detect(metric, filled));
        }

        var complete = points.Select((p, i) => (p, i)).Where(x => x.p.ScrapRate is not null && x.p.CycleTimeSeconds is not null && x.p.DowntimeMinutes is not null).ToList();
        if (complete.Count >= MinimumPoints)
        {
            var rows = complete.Select(x => new[] { (float)x.p.ScrapRate!.Value, (float)x.p.CycleTimeSeconds!.Value, (float)x.p.DowntimeMinutes!.Value }).ToList();
            // A point that is already a spike on one metric is reported as that; multivariate adds the rest.
            var known = found.Select(a => a.Index).ToHashSet();
            found.AddRange(MultivariateDetector.Detect(rows, options.Seed).Select(a => a with { Index = complete[a.Index].i }).Where(a => !known.Contains(a.Index)));
        }

        return [.. found.OrderBy(a => a.Index).ThenBy(a => a.Metric, StringComparer.Ordinal)];
    }

    /// <summary>Scans a stream; each anomaly becomes a suggestion, a process-log event and an advisory outbox event, in the caller's transaction.</summary>
    public async Task<Outcome<AnomalyReport>> ScanAsync(StoreTransaction tx, AnomalyScan scan, CancellationToken ct)
    {
        var errors = Check(scan);
        if (errors.Count > 0)
            return errors.ToArray();
        var model = await ModelRegistry.EnsureMethodAsync(tx, AssistKinds.ProductionAnomalies, Algorithm, ct);
        var recorded = new List<Suggestion>();
        foreach (var anomaly in Find(scan.Points).Where(a => scan.Since is null || scan.Points[a.Index].At >= scan.Since))
        {
            var at = scan.Points[anomaly.Index].At;
            DateTimeOffset? since = anomaly.Since is { } s ? scan.Points[s].At : null;
            // Confidence: how far past the alarm line the score is (1 at twice the line).
            var line = anomaly.Kind switch { "spike" => 5.0, "level-shift" => 8.0, _ => 6.0 };
            var confidence = Math.Clamp(Math.Abs(anomaly.Score) / (2 * line), 0, 1);
            var output = new JsonObject { ["kind"] = anomaly.Kind, ["metric"] = anomaly.Metric, ["at"] = at, ["value"] = anomaly.Value, ["baseline"] = anomaly.Baseline, ["score"] = anomaly.Score, ["since"] = since };
            var inputs = new JsonObject { ["workCenter"] = scan.WorkCenter, ["points"] = scan.Points.Count, ["from"] = scan.Points[0].At, ["to"] = scan.Points[^1].At, ["index"] = anomaly.Index };
            var suggestion = await suggestions.RecordAsync(tx, model, new SuggestionDraft(AssistKinds.ProductionAnomalies, scan.Plant, "work-center", scan.WorkCenter, inputs, output, confidence,
                [new FeatureContribution(anomaly.Metric, anomaly.Score)]), ct);
            recorded.Add(suggestion);
            var data = new AnomalyDetected(suggestion.Id, scan.Plant, scan.WorkCenter, anomaly.Metric, anomaly.Kind, at, anomaly.Value, anomaly.Baseline, anomaly.Score, model.Id, suggestion.PersonOnly, since);
            var json = JsonSerializer.Serialize(data, EventTypes.Json);
            var now = tx.Clock.GetUtcNow();
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.AnomalyDetected, Source, suggestion.Id, scan.Plant, now, json));
            intelligence.Append(tx, new ProcessEventDraft(EventTypes.AnomalyDetected, Source, suggestion.Id, scan.Plant, at, json, 0,
                [new ObjectLink("work-center", scan.WorkCenter, "observed"), new ObjectLink("plant", scan.Plant, "at"), new ObjectLink("suggestion", suggestion.Id, "recorded-as")]));
        }

        string? instance = null;
        if (scan.Flow is { Length: > 0 } flow && recorded.Count > 0)
        {
            var first = recorded[0];
            var started = await orchestration.StartAsync(tx, new StartFlow(flow, scan.Plant, string.IsNullOrWhiteSpace(scan.Requester) ? "takt.assist" : scan.Requester,
                new JsonObject { ["workCenter"] = scan.WorkCenter, ["anomalies"] = recorded.Count, ["suggestion"] = first.Id, ["summary"] = Summary(recorded) }), ct);
            if (started.IsRejected)
                return started.Violations.Select(v => v with { Field = "/flow" }).ToArray();
            instance = started.Value.Id;
        }

        return new AnomalyReport(scan.Plant, scan.WorkCenter, model.Id, scan.Points.Count, recorded, instance);
    }

    private static string Summary(List<Suggestion> recorded) =>
        string.Join("; ", recorded.Take(5).Select(s => $"{s.Output["kind"]} in {s.Output["metric"]} at {s.Output["at"]}")) + (recorded.Count > 5 ? $"; {recorded.Count - 5} more" : "");

    private static double? Value(StreamPoint p, string metric) => metric switch
    {
        "scrapRate" => p.ScrapRate,
        "cycleTimeSeconds" => p.CycleTimeSeconds,
        _ => p.DowntimeMinutes,
    };
}
