using Microsoft.ML;
using Microsoft.ML.Data;

namespace Takt.Assist.Anomalies;

/// <summary>An unusual point of a stream.</summary>
/// <param name="Kind"><c>spike</c> (one point far from its recent median), <c>level-shift</c> (CUSUM: the level moved and stays) or <c>multivariate</c> (the metrics together are unusual).</param>
/// <param name="Baseline">What was expected: the recent median (spike), the reference level (level shift) or 0 (multivariate).</param>
/// <param name="Score">Robust z-score (spike), CUSUM statistic in σ (level shift) or robust z of the PCA score (multivariate).</param>
/// <param name="Since">For a level shift: the first point of the new level (where the cumulative sum last left zero).</param>
public sealed record Anomaly(int Index, string Metric, string Kind, double Value, double Baseline, double Score, int? Since = null);

/// <summary>Robust statistics: median and median absolute deviation.</summary>
public static class Robust
{
    public static double Median(ReadOnlySpan<double> values)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        var n = copy.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? copy[n / 2] : (copy[(n / 2) - 1] + copy[n / 2]) / 2;
    }

    /// <summary>1.4826 × MAD: σ for normal data, not moved by a few outliers; never below <paramref name="floor"/>.</summary>
    public static (double Median, double Sigma) Location(ReadOnlySpan<double> values, double floor)
    {
        var median = Median(values);
        var deviations = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
            deviations[i] = Math.Abs(values[i] - median);
        return (median, Math.Max(1.4826 * Median(deviations), floor));
    }

    /// <summary>σ floor: a constant stream has MAD 0; a tiny relative floor keeps rounding noise from being an anomaly.</summary>
    public static double Floor(double median) => 1e-9 + (1e-3 * Math.Abs(median));
}

/// <summary>Spikes: a point whose robust z-score against the trailing window's median/MAD exceeds the threshold.</summary>
public static class SpikeDetector
{
    public static IReadOnlyList<Anomaly> Detect(string metric, IReadOnlyList<double> values, int window = 30, double threshold = 5.0, int warmup = 10)
    {
        var found = new List<Anomaly>();
        var data = values.ToArray();
        for (var i = warmup; i < data.Length; i++)
        {
            var from = Math.Max(0, i - window);
            var (median, sigma) = Robust.Location(data.AsSpan(from, i - from), Robust.Floor(Robust.Median(data.AsSpan(from, i - from))));
            var z = (data[i] - median) / sigma;
            if (Math.Abs(z) > threshold)
                found.Add(new Anomaly(i, metric, "spike", data[i], median, Math.Round(z, 3)));
        }

        return found;
    }
}

/// <summary>
/// Level shifts: a two-sided CUSUM on points standardized against a reference window (median, 1.4826 MAD) at the start
/// of each segment; z is clipped at ±4 and spikes are left out, so a single outlier cannot raise an alarm. After an
/// alarm a new segment (and reference) starts.
/// </summary>
public static class LevelShiftDetector
{
    public static IReadOnlyList<Anomaly> Detect(string metric, IReadOnlyList<double> values, int reference = 30, double k = 0.5, double h = 8.0, double spikeThreshold = 5.0)
    {
        var found = new List<Anomaly>();
        var data = values.ToArray();
        var start = 0;
        while (start + reference < data.Length)
        {
            var (level, sigma) = Robust.Location(data.AsSpan(start, reference), Robust.Floor(Robust.Median(data.AsSpan(start, reference))));
            double up = 0, down = 0;
            int upSince = start + reference, downSince = start + reference;
            var alarm = -1;
            for (var i = start + reference; i < data.Length; i++)
            {
                var raw = (data[i] - level) / sigma;
                if (Math.Abs(raw) > spikeThreshold * 2)
                    continue; // a spike, not a level
                var z = Math.Clamp(raw, -4, 4);
                if (up == 0)
                    upSince = i;
                if (down == 0)
                    downSince = i;
                up = Math.Max(0, up + z - k);
                down = Math.Max(0, down - z - k);
                if (up > h || down > h)
                {
                    var since = up > h ? upSince : downSince;
                    found.Add(new Anomaly(i, metric, "level-shift", data[i], level, Math.Round(up > h ? up : -down, 3), since));
                    alarm = since;
                    break;
                }
            }

            if (alarm < 0)
                break;
            start = alarm; // the new level is the next segment's reference (alarm > start: progress)
        }

        return found;
    }
}

/// <summary>
/// Multivariate anomalies: ML.NET's randomized PCA on the metrics (standardized), trained on the stream itself; a point
/// whose reconstruction score is far above the stream's usual scores (robust z over the threshold) is unusual.
/// </summary>
public static class MultivariateDetector
{
    public static IReadOnlyList<Anomaly> Detect(IReadOnlyList<float[]> rows, int seed, double threshold = 8.0)
    {
        if (rows.Count < 40 || rows[0].Length < 2)
            return [];
        var dimensions = rows[0].Length;
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), schema);
        var pipeline = ml.Transforms.NormalizeMeanVariance(nameof(Row.Features))
            .Append(ml.AnomalyDetection.Trainers.RandomizedPca(nameof(Row.Features), rank: dimensions - 1, seed: seed));
        var scored = pipeline.Fit(data).Transform(data);
        var scores = scored.GetColumn<float>("Score").Select(s => (double)s).ToArray();
        var (median, sigma) = Robust.Location(scores, Robust.Floor(Robust.Median(scores)));
        var found = new List<Anomaly>();
        for (var i = 0; i < scores.Length; i++)
        {
            var z = (scores[i] - median) / sigma;
            if (z > threshold)
                found.Add(new Anomaly(i, "all", "multivariate", scores[i], median, Math.Round(z, 3)));
        }

        return found;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}
