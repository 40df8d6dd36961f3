using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Takt.Assist.Registry;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Assist.Planning;

public sealed record DemandPoint(DateOnly Date, double Quantity);

/// <summary>Forecast an item's daily demand at a plant from its history.</summary>
/// <param name="History">Daily demand in date order, at least 56 days (days missing in between count as 0).</param>
/// <param name="HorizonDays">1..90 days after the last history day.</param>
/// <param name="Coverage">The prediction interval's coverage, 0.5..0.98.</param>
public sealed record DemandForecastRequest(string Plant, string Item, string Unit, IReadOnlyList<DemandPoint> History, int HorizonDays = 14, double Coverage = 0.8);

/// <param name="Low">Lower bound of the prediction interval (never below 0).</param>
public sealed record ForecastDay(DateOnly Date, double Forecast, double Low, double High);

/// <summary>The forecast as a planning suggestion.</summary>
/// <param name="HoldoutMeanAbsoluteError">One-step mean absolute error on the last 20 % of the history (fitted without it).</param>
public sealed record DemandForecast(string Plant, string Item, string Unit, double Coverage, double HoldoutMeanAbsoluteError, IReadOnlyList<ForecastDay> Days, Suggestion Suggestion);

/// <summary>
/// Demand forecast per item and plant: ML.NET FastTree regression on lag (1, 7, 14 days), rolling means (7, 28) and
/// calendar features (weekday, month, day of month), fitted per request; the interval comes from the quantiles of the
/// one-step residuals on a holdout, widened by √(days ahead) for later days. Forecasts run day by day, each feeding the next day's lags.
/// </summary>
public sealed class DemandForecaster(SuggestionLog suggestions, AssistOptions options)
{
    public const string Algorithm = "ml.net FastTree regression on lags 1/7/14, means 7/28, weekday/month/day; intervals from holdout residual quantiles × √h";
    private const int Warmup = 28;

    public static IReadOnlyList<Violation> Check(DemandForecastRequest? r)
    {
        if (r is null)
            return [new Violation("", "assist.body-required", "Send the demand history as JSON.")];
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(r.Plant))
            errors.Add(new Violation("/plant", "assist.plant-required", "Name the plant."));
        if (string.IsNullOrWhiteSpace(r.Item))
            errors.Add(new Violation("/item", "assist.item-required", "Name the item."));
        if (string.IsNullOrWhiteSpace(r.Unit))
            errors.Add(new Violation("/unit", "assist.unit-required", "Name the unit of the quantities (e.g. H87)."));
        if (r.HorizonDays is < 1 or > 90)
            errors.Add(new Violation("/horizonDays", "assist.horizon-range", "horizonDays is 1..90."));
        if (!double.IsFinite(r.Coverage) || r.Coverage is < 0.5 or > 0.98)
            errors.Add(new Violation("/coverage", "assist.coverage-range", "coverage is 0.5..0.98 (0.8 = an 80 % interval)."));
        if (r.History is null || r.History.Count < 56)
            return [.. errors, new Violation("/history", "assist.history-too-short", "The history has at least 56 days.")];
        for (var i = 0; i < r.History.Count && errors.Count < 20; i++)
        {
            if (i > 0 && r.History[i].Date <= r.History[i - 1].Date)
                errors.Add(new Violation($"/history/{i}/date", "assist.history-order", "Days are in date order, each once."));
            if (!double.IsFinite(r.History[i].Quantity) || r.History[i].Quantity < 0)
                errors.Add(new Violation($"/history/{i}/quantity", "assist.quantity-negative", "Demand is 0 or more."));
        }

        if (errors.Count == 0 && r.History[^1].Date.DayNumber - r.History[0].Date.DayNumber > 3_650)
            errors.Add(new Violation("/history", "assist.history-too-long", "The history spans at most 10 years."));
        return errors;
    }

    /// <summary>Fits, forecasts and records the suggestion in the caller's transaction.</summary>
    public async Task<Outcome<DemandForecast>> ForecastAsync(StoreTransaction tx, DemandForecastRequest request, CancellationToken ct)
    {
        var errors = Check(request);
        if (errors.Count > 0)
            return errors.ToArray();
        var (days, mae) = Forecast(request, options.Seed);
        var model = await ModelRegistry.EnsureMethodAsync(tx, AssistKinds.DemandForecast, Algorithm, ct);
        var mean = request.History.TakeLast(28).Average(h => h.Quantity);
        // Confidence: 1 − relative holdout error (a forecast as wrong as the mean demand has none).
        var confidence = Math.Clamp(1 - (mae / Math.Max(mean, 1e-9)), 0, 1);
        var inputs = new JsonObject { ["item"] = request.Item, ["unit"] = request.Unit, ["historyDays"] = request.History.Count, ["from"] = request.History[0].Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ["to"] = request.History[^1].Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ["horizonDays"] = request.HorizonDays, ["coverage"] = request.Coverage };
        var output = new JsonObject { ["days"] = JsonSerializer.SerializeToNode(days, ModelRegistry.Json), ["holdoutMeanAbsoluteError"] = mae };
        var suggestion = await suggestions.RecordAsync(tx, model, new SuggestionDraft(AssistKinds.DemandForecast, request.Plant, "item", request.Item, inputs, output, confidence,
            [new FeatureContribution("holdoutMeanAbsoluteError", mae), new FeatureContribution("meanDemand28Days", mean)]), ct);
        return new DemandForecast(request.Plant, request.Item, request.Unit, request.Coverage, mae, days, suggestion);
    }

    /// <summary>The forecast and the one-step holdout MAE, without recording anything.</summary>
    public static (IReadOnlyList<ForecastDay> Days, double HoldoutMae) Forecast(DemandForecastRequest request, int seed)
    {
        var first = request.History[0].Date;
        var series = new double[request.History[^1].Date.DayNumber - first.DayNumber + 1];
        foreach (var p in request.History)
            series[p.Date.DayNumber - first.DayNumber] = p.Quantity;
        var rows = Enumerable.Range(Warmup, series.Length - Warmup).Select(i => Row(series, i, first.AddDays(i))).ToList();
        var holdoutCount = Math.Max(7, rows.Count / 5);
        var ml = new MLContext(seed);
        var fitted = Fit(ml, rows.Take(rows.Count - holdoutCount));
        var engine = ml.Model.CreatePredictionEngine<Features, Prediction>(fitted);
        var residuals = rows.Skip(rows.Count - holdoutCount).Select(r => (double)(r.Label - engine.Predict(r).Score)).Order().ToArray();
        var mae = Math.Round(residuals.Average(Math.Abs), 4);
        var low = Quantile(residuals, (1 - request.Coverage) / 2);
        var high = Quantile(residuals, (1 + request.Coverage) / 2);

        var full = ml.Model.CreatePredictionEngine<Features, Prediction>(Fit(ml, rows));
        var extended = new List<double>(series);
        var days = new List<ForecastDay>();
        for (var h = 1; h <= request.HorizonDays; h++)
        {
            var date = first.AddDays(extended.Count);
            var forecast = Math.Max(0, full.Predict(Row([.. extended], extended.Count, date)).Score);
            extended.Add(forecast);
            var widen = Math.Sqrt(h);
            days.Add(new ForecastDay(date, Math.Round(forecast, 3), Math.Round(Math.Max(0, forecast + (low * widen)), 3), Math.Round(Math.Max(0, forecast + (high * widen)), 3)));
        }

        return (days, mae);
    }

    private static TransformerChain<RegressionPredictionTransformer<Microsoft.ML.Trainers.FastTree.FastTreeRegressionModelParameters>> Fit(MLContext ml, IEnumerable<Features> rows) =>
        ml.Transforms.Concatenate("Features", nameof(Features.Lag1), nameof(Features.Lag7), nameof(Features.Lag14), nameof(Features.Mean7), nameof(Features.Mean28),
                nameof(Features.Weekday), nameof(Features.Month), nameof(Features.DayOfMonth))
            .Append(ml.Regression.Trainers.FastTree(labelColumnName: nameof(Features.Label), numberOfLeaves: 8, numberOfTrees: 100, minimumExampleCountPerLeaf: 5, learningRate: 0.1))
            .Fit(ml.Data.LoadFromEnumerable(rows));

    private static Features Row(double[] series, int i, DateOnly date) => new()
    {
        Lag1 = (float)series[i - 1],
        Lag7 = (float)series[i - 7],
        Lag14 = (float)series[i - 14],
        Mean7 = (float)series.AsSpan(i - 7, 7).ToArray().Average(),
        Mean28 = (float)series.AsSpan(i - 28, 28).ToArray().Average(),
        Weekday = (float)date.DayOfWeek,
        Month = date.Month,
        DayOfMonth = date.Day,
        Label = i < series.Length ? (float)series[i] : 0,
    };

    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(sorted.Length - 1, lower + 1);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
    }

    /// <summary>ML.NET's input row.</summary>
    public sealed class Features
    {
        public float Lag1 { get; set; }

        public float Lag7 { get; set; }

        public float Lag14 { get; set; }

        public float Mean7 { get; set; }

        public float Mean28 { get; set; }

        public float Weekday { get; set; }

        public float Month { get; set; }

        public float DayOfMonth { get; set; }

        public float Label { get; set; }
    }

    /// <summary>ML.NET's output row.</summary>
    public sealed class Prediction
    {
        public float Score { get; set; }
    }
}
