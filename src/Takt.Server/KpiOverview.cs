using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Intelligence;
using Takt.Store;

namespace Takt.Server;

/// <summary>A KPI's value in one period starting on <c>Start</c>; null when the period had no cases.</summary>
public sealed record KpiTrendPoint(DateOnly Start, double? Value, long Cases);

/// <summary>
/// One figure of a KPI (DESIGN §5): its value for one key (<c>By</c> is plant, plant/role, company or client), the
/// measure (rate, p50, p95 …) and unit, the cases it is computed over; <c>PeriodApplied</c> false when the module
/// computes it over all its data (the period does not narrow it); <c>Trend</c> the value per period, oldest first,
/// for the KPIs whose data carries time in the module's interface.
/// </summary>
public sealed record KpiFigure(string Kpi, string By, string Key, string Measure, double? Value, string Unit, long Cases, bool PeriodApplied, IReadOnlyList<KpiTrendPoint> Trend);

/// <summary>All eight KPIs of DESIGN §5 for [From, To) and one plant or all; trends by <c>Period</c> (day, week, month).</summary>
public sealed record KpiReport(DateTimeOffset? From, DateTimeOffset? To, string? Plant, string Period, int Periods, IReadOnlyList<string> Kpis, IReadOnlyList<KpiFigure> Figures);

/// <summary>
/// <c>GET /api/v1/kpis</c>: the eight KPIs of DESIGN §5 composed from the modules that own their data, through their
/// interfaces (no KPI is computed twice): the process log (production-to-posting latency), planning (schedule change
/// cycle time), inventory (accuracy), payables (invoice exception and touchless rates), orchestration (approval
/// turnaround, standardized resolution rate), the ledger close (readiness) and the integration gateway (failure
/// frequency). Trends are the same interface asked per period: latency and integration failures per day, week or
/// month; close readiness per ledger period (month); invoice exception and touchless rates per month received;
/// schedule change cycle time, inventory accuracy, approval turnaround and standardized resolution rate per month
/// (the disruption occurred, the line was counted, the approval decided, the exception occurred).
/// </summary>
public static class KpiOverview
{
    public const int MaxPeriods = 24;

    public static IReadOnlyList<string> Names { get; } =
    [
        "production-to-posting-latency", "schedule-change-cycle-time", "inventory-accuracy", "invoice-exception-rate", "touchless-rate",
        "approval-turnaround", "close-readiness", "integration-failure-frequency", "standardized-resolution-rate",
    ];

    /// <summary>What to report: the period [From, To) (open ends allowed), one plant or all, trend periods of <paramref name="Period"/> length, <paramref name="Periods"/> of them ending with the one that holds To (or now).</summary>
    public sealed record Query(DateTimeOffset? From, DateTimeOffset? To, string? Plant, HotspotPeriod Period, int Periods);

    public static RouteGroupBuilder MapKpiOverview(this RouteGroupBuilder api)
    {
        api.MapGet("/kpis", async (IServiceProvider services, string? from, string? to, string? plant, string? period, string? periods, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                var query = Parse(from, to, plant, period, periods, errors);
                return errors.Count > 0
                    ? Results.Json(Problem.Malformed(errors), Problem.Json, Problem.ContentType, 400)
                    : Results.Json(await ReadAsync(services, query!, ct), Problem.Json);
            })
            .WithName("KpiOverview")
            .WithSummary("The eight KPIs of DESIGN §5 for [from, to) and one plant or all, each by plant (or role, company, client), with trends per day, week or month (?period=, default month; ?periods=, default 6).")
            .Produces<KpiReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    /// <summary>The query from its text, or null with the violations (field as JSON Pointer, rule) added to <paramref name="errors"/>.</summary>
    public static Query? Parse(string? from, string? to, string? plant, string? period, string? periods, ICollection<Violation> errors)
    {
        var start = ProcessLogQueryText.Time(from, "/query/from", errors);
        var end = ProcessLogQueryText.Time(to, "/query/to", errors);
        if (start is not null && end is not null && start >= end)
            errors.Add(new Violation("/query/to", "query.range-invalid", $"'to' ({to}) must be after 'from' ({from})."));
        var length = HotspotPeriod.Month;
        if (!string.IsNullOrEmpty(period) && !ProcessLogQueryText.TryParsePeriod(period, out length))
            errors.Add(new Violation("/query/period", "query.period-unknown", $"'period' is day, week or month; '{period}' is not."));
        var count = 6;
        if (!string.IsNullOrEmpty(periods) && !(int.TryParse(periods, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= MaxPeriods))
            errors.Add(new Violation("/query/periods", "query.periods-invalid", $"'periods' is a whole number from 1 to {MaxPeriods}; '{periods}' is not."));
        return errors.Count > 0 ? null : new Query(start, end, string.IsNullOrEmpty(plant) ? null : plant, length, count);
    }

    public static async Task<KpiReport> ReadAsync(IServiceProvider services, Query query, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var figures = new List<KpiFigure>();
        var windows = Windows(query.To ?? clock.GetUtcNow(), query.Period, query.Periods);
        bool Mine(string plant) => query.Plant is null || plant == query.Plant;
        var end = query.To is { } t ? t.AddTicks(-1) : clock.GetUtcNow();

        // Production-to-posting latency: the process log, by plant, for the period and each trend period.
        var intelligence = services.GetRequiredService<IIntelligence>();
        var latency = await intelligence.ProductionToPostingLatencyAsync(store, query.From, query.To, ct);
        var latencyTrend = new List<(DateOnly Start, IReadOnlyList<LatencyPercentiles> Rows)>();
        foreach (var w in windows)
            latencyTrend.Add((w.Start, await intelligence.ProductionToPostingLatencyAsync(store, w.From, w.To, ct)));
        foreach (var row in latency.Where(r => Mine(r.Plant)))
        {
            foreach (var (measure, pick) in new (string, Func<LatencyPercentiles, double>)[] { ("p50", r => r.P50), ("p95", r => r.P95), ("p99", r => r.P99) })
            {
                figures.Add(new KpiFigure("production-to-posting-latency", "plant", row.Plant, measure, pick(row), "ms", row.Count, true,
                    [.. latencyTrend.Select(t => t.Rows.FirstOrDefault(r => r.Plant == row.Plant) is { } r ? new KpiTrendPoint(t.Start, pick(r), r.Count) : new KpiTrendPoint(t.Start, null, 0))]));
            }
        }

        // Monthly trends of the KPIs kept in module tables: the module's query asked per calendar month (UTC), the
        // months ending with the one that holds the end, whatever the period length asked (as the invoice rates).
        var months = MonthsEndingAt(end, query.Periods);
        static (DateTimeOffset From, DateTimeOffset To) MonthRange(DateOnly m) =>
            (new DateTimeOffset(m.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), new DateTimeOffset(m.AddMonths(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        async Task<Func<string, Func<TRow, (double? Value, long Cases)>, IReadOnlyList<KpiTrendPoint>>> MonthlyAsync<TRow>(
            Func<DateTimeOffset, DateTimeOffset, Task<IReadOnlyList<TRow>>> read, Func<TRow, string> key)
        {
            var perMonth = new List<(DateOnly Month, IReadOnlyList<TRow> Rows)>();
            foreach (var m in months)
            {
                var (from, to) = MonthRange(m);
                perMonth.Add((m, await read(from, to)));
            }

            return (k, pick) => [.. perMonth.Select(p => p.Rows.FirstOrDefault(r => key(r) == k) is { } r && pick(r) is { Cases: > 0 } v
                ? new KpiTrendPoint(p.Month, v.Value, v.Cases)
                : new KpiTrendPoint(p.Month, null, 0))];
        }

        // Schedule change cycle time: planning, per plant; trend by the month the disruption occurred.
        var plants = (await services.GetRequiredService<Takt.MasterData.IMasterData>().PlantsAsync(store, ct)).Where(p => Mine(p.Code)).OrderBy(p => p.Code, StringComparer.Ordinal).ToList();
        foreach (var plant in plants)
        {
            var planning = await Takt.Planning.PlanningKpiQuery.KpisAsync(store, clock, plant.Code, ct);
            var cycleTrend = await MonthlyAsync<Takt.Planning.PlanningKpis>(
                async (from, to) => [await Takt.Planning.PlanningKpiQuery.KpisAsync(store, clock, plant.Code, ct, from, to)], _ => plant.Code);
            figures.Add(new KpiFigure("schedule-change-cycle-time", "plant", plant.Code, "p50", planning.CycleTimeP50Seconds, "s", planning.Disruptions, false, cycleTrend(plant.Code, r => (r.CycleTimeP50Seconds, r.Disruptions))));
            figures.Add(new KpiFigure("schedule-change-cycle-time", "plant", plant.Code, "p95", planning.CycleTimeP95Seconds, "s", planning.Disruptions, false, cycleTrend(plant.Code, r => (r.CycleTimeP95Seconds, r.Disruptions))));
        }

        // Inventory accuracy: inventory counts, per plant; trend by the month a line was counted.
        var accuracyTrend = await MonthlyAsync((from, to) => Takt.Inventory.Counts.InventoryKpis.AccuracyAsync(store, query.Plant, ct, from, to), r => r.Plant);
        foreach (var row in await Takt.Inventory.Counts.InventoryKpis.AccuracyAsync(store, query.Plant, ct))
            figures.Add(new KpiFigure("inventory-accuracy", "plant", row.Plant, "rate", row.Accuracy, "ratio", row.CountedLines, false, accuracyTrend(row.Plant, r => (r.Accuracy, r.CountedLines))));

        // Invoice exception rate and touchless rate: payables, per plant.
        // Their trend is payables' own rows by plant and month received (months, whatever the period length asked).
        var payables = await services.GetRequiredService<Takt.Payables.Matching.IInvoiceMatching>().KpisAsync(store, query.Plant, ct);
        var invoiceMonths = MonthsEndingAt(end, query.Periods);
        IReadOnlyList<KpiTrendPoint> InvoiceTrend(string plant, Func<Takt.Payables.Matching.PayablesKpiRow, double> pick) =>
            [.. invoiceMonths.Select(m => (payables.Periods ?? []).FirstOrDefault(r => r.Key == plant && r.Period == m.ToString("yyyy-MM", CultureInfo.InvariantCulture)) is { Invoices: > 0 } r
                ? new KpiTrendPoint(m, pick(r), r.Invoices)
                : new KpiTrendPoint(m, null, 0))];
        foreach (var row in payables.Plants)
        {
            figures.Add(new KpiFigure("invoice-exception-rate", "plant", row.Key, "rate", row.ExceptionRate, "ratio", row.Invoices, false, InvoiceTrend(row.Key, r => r.ExceptionRate)));
            figures.Add(new KpiFigure("touchless-rate", "plant", row.Key, "rate", row.TouchlessRate, "ratio", row.Invoices, false, InvoiceTrend(row.Key, r => r.TouchlessRate)));
        }

        // Approval turnaround and standardized resolution rate: orchestration, by plant and role / by plant; trends by
        // the month an approval was decided / an exception occurred.
        var orchestration = services.GetRequiredService<Takt.Orchestration.IOrchestration>();
        var turnaroundTrend = await MonthlyAsync((from, to) => orchestration.ApprovalTurnaroundAsync(store, query.Plant, ct, from, to), r => r.Plant + "/" + r.Role);
        foreach (var row in await orchestration.ApprovalTurnaroundAsync(store, query.Plant, ct))
        {
            var key = row.Plant + "/" + row.Role;
            figures.Add(new KpiFigure("approval-turnaround", "plant/role", key, "p50", row.P50Hours, "h", row.Decided, false, turnaroundTrend(key, r => (r.P50Hours, r.Decided))));
            figures.Add(new KpiFigure("approval-turnaround", "plant/role", key, "p90", row.P90Hours, "h", row.Decided, false, turnaroundTrend(key, r => (r.P90Hours, r.Decided))));
        }

        // Close readiness: the ledger close, per company of the plants, for the ledger period (month) of the end and the months before.
        var close = services.GetRequiredService<Takt.Ledger.ILedgerClose>();
        foreach (var company in plants.Select(p => p.Company.Code).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var trend = new List<KpiTrendPoint>();
            Takt.Ledger.CloseStatus? current = null;
            foreach (var month in months)
            {
                current = await close.StatusAsync(store, company, (month.Year * 100) + month.Month, ct);
                trend.Add(new KpiTrendPoint(month, (double)current.Readiness, current.Applicable));
            }

            figures.Add(new KpiFigure("close-readiness", "company", company, "share", (double)current!.Readiness, "ratio", current.Applicable, true, trend));
        }

        // Integration failure frequency: the gateway's audit log, per client (not per plant), for the period and each trend period.
        if (services.GetService<Takt.Integration.Access.AuditLog>() is { } audit)
            await audit.FlushAsync(ct);
        var integration = await Takt.Integration.Health.IntegrationHealth.ReadAsync(store, query.From, query.To, ct);
        var integrationTrend = new List<(DateOnly Start, IReadOnlyList<Takt.Integration.Health.ClientHealth> Rows)>();
        foreach (var w in windows)
            integrationTrend.Add((w.Start, await Takt.Integration.Health.IntegrationHealth.ReadAsync(store, w.From, w.To, ct)));
        foreach (var row in integration)
        {
            figures.Add(new KpiFigure("integration-failure-frequency", "client", row.ClientId, "per-1000", row.FailuresPer1000, "per 1,000", row.Exchanges, true,
                [.. integrationTrend.Select(p => p.Rows.FirstOrDefault(r => r.ClientId == row.ClientId) is { Exchanges: > 0 } r ? new KpiTrendPoint(p.Start, r.FailuresPer1000, r.Exchanges) : new KpiTrendPoint(p.Start, null, 0))]));
        }

        var resolutionTrend = await MonthlyAsync((from, to) => orchestration.ResolutionRateAsync(store, query.Plant, ct, from, to), r => r.Plant);
        foreach (var row in await orchestration.ResolutionRateAsync(store, query.Plant, ct))
            figures.Add(new KpiFigure("standardized-resolution-rate", "plant", row.Plant, "rate", row.Rate, "ratio", row.Exceptions, false, resolutionTrend(row.Plant, r => (r.Rate, r.Exceptions))));

        return new KpiReport(query.From, query.To, query.Plant, query.Period.ToString().ToLowerInvariant(), query.Periods, Names, figures);
    }

    /// <summary>The first days of the <paramref name="count"/> months ending with the one that holds <paramref name="end"/>, oldest first.</summary>
    private static IReadOnlyList<DateOnly> MonthsEndingAt(DateTimeOffset end, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new DateOnly(end.UtcDateTime.Year, end.UtcDateTime.Month, 1).AddMonths(i - count + 1))];

    /// <summary>The <paramref name="count"/> periods ending with the one that holds the instant just before <paramref name="end"/>, oldest first.</summary>
    internal static IReadOnlyList<(DateOnly Start, DateTimeOffset From, DateTimeOffset To)> Windows(DateTimeOffset end, HotspotPeriod period, int count)
    {
        var last = ProcessLogQueryText.PeriodStart(end.AddTicks(-1), period);
        DateOnly Step(DateOnly d, int n) => period switch
        {
            HotspotPeriod.Day => d.AddDays(n),
            HotspotPeriod.Week => d.AddDays(7 * n),
            _ => d.AddMonths(n),
        };
        static DateTimeOffset At(DateOnly d) => new(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return [.. Enumerable.Range(0, count).Select(i => Step(last, i - count + 1)).Select(s => (s, At(s), At(Step(s, 1))))];
    }
}
