using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Assist.Registry;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Assist.Planning;

/// <summary>A work center's recent machine and order history.</summary>
/// <param name="DowntimeMinutesLast7Days">Unplanned downtime in the last 7 days.</param>
/// <param name="DowntimeMinutesWeeklyAverage">Average unplanned downtime per week over the 4 weeks before.</param>
/// <param name="AnomaliesLast7Days">Anomalies found in its streams in the last 7 days.</param>
/// <param name="LoadPercent">Planned load over capacity for the coming days (100 = full).</param>
/// <param name="LateOrders">Orders on it already behind schedule.</param>
/// <param name="DaysSinceMaintenance">Days since its last preventive maintenance.</param>
/// <param name="MaintenanceIntervalDays">Its preventive maintenance interval.</param>
public sealed record WorkCenterSignals(string WorkCenter, string Plant, double DowntimeMinutesLast7Days, double DowntimeMinutesWeeklyAverage, int AnomaliesLast7Days,
    double LoadPercent, int LateOrders, double DaysSinceMaintenance, double MaintenanceIntervalDays);

/// <summary>A work center's risk of a disruption in the coming days, with what drives it.</summary>
/// <param name="Risk">Probability-like score 0..1.</param>
public sealed record WorkCenterRisk(string WorkCenter, string Plant, double Risk, IReadOnlyList<FeatureContribution> Drivers, Suggestion Suggestion);

/// <summary>An open exception, quality issue or task to rank.</summary>
/// <param name="ValueAtRisk">What is at stake in the company currency (blocked invoice, order value, scrap cost).</param>
/// <param name="DueAt">The customer order due date it affects, if any.</param>
/// <param name="SlaDueAt">When its service level runs out, if it has one.</param>
public sealed record OpenItem(string Id, string Kind, string Plant, decimal ValueAtRisk, DateTimeOffset? DueAt = null, DateTimeOffset? SlaDueAt = null, bool CustomerOrder = false);

/// <param name="Rank">1 = most impact.</param>
public sealed record RankedItem(int Rank, string Id, string Kind, string Plant, double Impact, IReadOnlyList<FeatureContribution> Drivers);

public sealed record Prioritization(IReadOnlyList<RankedItem> Items, Suggestion Suggestion);

/// <summary>
/// Disruption risk per work center (a transparent logistic score of downtime trend, anomalies, load, lateness and
/// maintenance due) and exception prioritization (impact = value at risk × urgency of due date and SLA).
/// </summary>
public sealed class RiskAndPriority(SuggestionLog suggestions)
{
    public const string RiskAlgorithm = "logistic score: −3 + 1.2·downtime trend + 0.35·anomalies + 2·(load−100%) + 0.3·late orders + 1.5·maintenance overdue share";
    public const string PriorityAlgorithm = "impact = log10(1 + value at risk) × (1 + urgency(due date) + urgency(SLA)) × 1.5 for customer orders; urgency 3 overdue, 2 < 24 h, 1 < 72 h, 0.5 < 7 d";

    public static IReadOnlyList<Violation> Check(IReadOnlyList<WorkCenterSignals>? signals)
    {
        if (signals is null || signals.Count == 0)
            return [new Violation("", "assist.work-centers-required", "Send at least one work center's signals.")];
        var errors = new List<Violation>();
        for (var i = 0; i < signals.Count && errors.Count < 20; i++)
        {
            var s = signals[i];
            if (string.IsNullOrWhiteSpace(s.WorkCenter))
                errors.Add(new Violation($"/{i}/workCenter", "assist.work-center-required", "Name the work center."));
            if (string.IsNullOrWhiteSpace(s.Plant))
                errors.Add(new Violation($"/{i}/plant", "assist.plant-required", "Name the plant."));
            foreach (var (name, value) in new[] { ("downtimeMinutesLast7Days", s.DowntimeMinutesLast7Days), ("downtimeMinutesWeeklyAverage", s.DowntimeMinutesWeeklyAverage), ("loadPercent", s.LoadPercent), ("daysSinceMaintenance", s.DaysSinceMaintenance), ("anomaliesLast7Days", s.AnomaliesLast7Days), ("lateOrders", s.LateOrders) })
            {
                if (!double.IsFinite(value) || value < 0)
                    errors.Add(new Violation($"/{i}/{name}", "assist.value-negative", $"{name} is 0 or more."));
            }

            if (!double.IsFinite(s.MaintenanceIntervalDays) || s.MaintenanceIntervalDays <= 0)
                errors.Add(new Violation($"/{i}/maintenanceIntervalDays", "assist.interval-positive", "maintenanceIntervalDays is more than 0."));
        }

        return errors;
    }

    public static IReadOnlyList<Violation> Check(IReadOnlyList<OpenItem>? items)
    {
        if (items is null || items.Count == 0)
            return [new Violation("", "assist.items-required", "Send at least one open item.")];
        var errors = new List<Violation>();
        for (var i = 0; i < items.Count && errors.Count < 20; i++)
        {
            if (string.IsNullOrWhiteSpace(items[i].Id))
                errors.Add(new Violation($"/{i}/id", "assist.id-required", "Name the item (its id)."));
            if (string.IsNullOrWhiteSpace(items[i].Plant))
                errors.Add(new Violation($"/{i}/plant", "assist.plant-required", "Name the plant."));
            if (items[i].ValueAtRisk < 0)
                errors.Add(new Violation($"/{i}/valueAtRisk", "assist.value-negative", "valueAtRisk is 0 or more."));
        }

        if (items.Count > 10_000)
            errors.Add(new Violation("", "assist.items-too-many", "At most 10,000 items per request."));
        return errors;
    }

    /// <summary>The score and its terms (without recording).</summary>
    public static (double Risk, IReadOnlyList<FeatureContribution> Drivers) Score(WorkCenterSignals s)
    {
        var trend = Math.Log((1 + s.DowntimeMinutesLast7Days) / (1 + s.DowntimeMinutesWeeklyAverage));
        var overdue = Math.Max(0, (s.DaysSinceMaintenance / s.MaintenanceIntervalDays) - 0.8);
        FeatureContribution[] terms =
        [
            new("downtimeTrend", 1.2 * trend),
            new("anomalies", 0.35 * s.AnomaliesLast7Days),
            new("load", 2 * ((s.LoadPercent / 100) - 1)),
            new("lateOrders", 0.3 * s.LateOrders),
            new("maintenanceDue", 1.5 * overdue),
        ];
        var risk = 1 / (1 + Math.Exp(-(-3 + terms.Sum(t => t.Contribution))));
        return (risk, [.. terms.Select(t => t with { Contribution = Math.Round(t.Contribution, 4) }).OrderByDescending(t => Math.Abs(t.Contribution))]);
    }

    public async Task<Outcome<IReadOnlyList<WorkCenterRisk>>> RiskAsync(StoreTransaction tx, IReadOnlyList<WorkCenterSignals> signals, CancellationToken ct)
    {
        var errors = Check(signals);
        if (errors.Count > 0)
            return errors.ToArray();
        var model = await ModelRegistry.EnsureMethodAsync(tx, AssistKinds.DisruptionRisk, RiskAlgorithm, ct);
        var result = new List<WorkCenterRisk>();
        foreach (var s in signals)
        {
            var (risk, drivers) = Score(s);
            var suggestion = await suggestions.RecordAsync(tx, model, new SuggestionDraft(AssistKinds.DisruptionRisk, s.Plant, "work-center", s.WorkCenter,
                JsonSerializer.SerializeToNode(s, ModelRegistry.Json)!, new JsonObject { ["risk"] = Math.Round(risk, 4) }, Math.Max(risk, 1 - risk), drivers), ct);
            result.Add(new WorkCenterRisk(s.WorkCenter, s.Plant, Math.Round(risk, 4), drivers, suggestion));
        }

        return result.OrderByDescending(r => r.Risk).ToList();
    }

    /// <summary>Ranks items by impact at <paramref name="now"/> (without recording).</summary>
    public static IReadOnlyList<RankedItem> Rank(IReadOnlyList<OpenItem> items, DateTimeOffset now)
    {
        static double Urgency(DateTimeOffset? due, DateTimeOffset now)
        {
            if (due is null)
                return 0;
            var hours = (due.Value - now).TotalHours;
            return hours < 0 ? 3 : hours < 24 ? 2 : hours < 72 ? 1 : hours < 168 ? 0.5 : 0;
        }

        var scored = items.Select(item =>
        {
            var value = Math.Log10(1 + (double)item.ValueAtRisk);
            var due = Urgency(item.DueAt, now);
            var sla = Urgency(item.SlaDueAt, now);
            var customer = item.CustomerOrder ? 1.5 : 1.0;
            var impact = value * (1 + due + sla) * customer;
            // The terms add up to the impact: value alone, what the due date and the SLA add, what a customer order multiplies on top.
            FeatureContribution[] drivers =
            [
                new("valueAtRisk", Math.Round(value, 4)),
                new("dueDate", Math.Round(value * due, 4)),
                new("sla", Math.Round(value * sla, 4)),
                new("customerOrder", Math.Round(impact - (value * (1 + due + sla)), 4)),
            ];
            return (item, impact, drivers);
        }).OrderByDescending(x => x.impact).ThenBy(x => x.item.Id, StringComparer.Ordinal).ToList();
        return [.. scored.Select((x, i) => new RankedItem(i + 1, x.item.Id, x.item.Kind, x.item.Plant, Math.Round(x.impact, 4), x.drivers))];
    }

    public async Task<Outcome<Prioritization>> PrioritizeAsync(StoreTransaction tx, IReadOnlyList<OpenItem> items, CancellationToken ct)
    {
        var errors = Check(items);
        if (errors.Count > 0)
            return errors.ToArray();
        var model = await ModelRegistry.EnsureMethodAsync(tx, AssistKinds.Prioritization, PriorityAlgorithm, ct);
        var ranked = Rank(items, tx.Clock.GetUtcNow());
        var plants = items.Select(i => i.Plant).Distinct(StringComparer.Ordinal).ToList();
        var suggestion = await suggestions.RecordAsync(tx, model, new SuggestionDraft(AssistKinds.Prioritization, plants.Count == 1 ? plants[0] : null, "inbox", plants.Count == 1 ? plants[0] : "*",
            JsonSerializer.SerializeToNode(items, ModelRegistry.Json)!, new JsonObject { ["order"] = new JsonArray([.. ranked.Select(r => (JsonNode?)JsonValue.Create(r.Id))]) }, 1.0,
            ranked.Count > 0 ? ranked[0].Drivers : []), ct);
        return new Prioritization(ranked, suggestion);
    }
}
