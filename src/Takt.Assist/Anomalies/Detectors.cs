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
/// Level shifts: a two-sided CUSUM on points standardized against the level of a reference window (its median) at the
/// start of each segment and the stream's noise (1.4826 MAD of successive differences ÷ √2, which level shifts and
/// single spikes hardly move). z is clipped at ±4 and spikes are left out, so one outlier cannot raise an alarm. After
/// an alarm the next segment's reference starts right after the alarm point. k = 1σ tunes it to shifts of 2σ and more
/// (and keeps the level's estimation error from adding up to false alarms).
/// </summary>
public static class LevelShiftDetector
{
    public static IReadOnlyList<Anomaly> Detect(string metric, IReadOnlyList<double> values, int reference = 50, double k = 1.0, double h = 8.0, double spikeThreshold = 5.0)
    {
        var found = new List<Anomaly>();
        var data = values.ToArray();
        if (data.Length < reference + 2)
            return found;
        var differences = new double[data.Length - 1];
        for (var i = 1; i < data.Length; i++)
            differences[i - 1] = data[i] - data[i - 1];
        var sigma = Math.Max(Robust.Location(differences, 0).Sigma / Math.Sqrt(2), Robust.Floor(Robust.Median(data)));
        var start = 0;
        while (start + reference < data.Length)
        {
            var level = Robust.Median(data.AsSpan(start, reference));
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
                    found.Add(new Anomaly(i, metric, "level-shift", data[i], level, Math.Round(up > h ? up : -down, 3), up > h ? upSince : downSince));
                    alarm = i;
                    break;
                }
            }

            if (alarm < 0)
                break;
            start = alarm + 1;
        }

        return found;
    }
}

/// <summary>
/// Multivariate anomalies: the metrics are standardized and projected on their first principal components (ML.NET's
/// randomized PCA); a point's score is its distance from that subspace (the reconstruction error). A point scoring
/// more than <c>ratio</c> times the stream's median score breaks the usual relation between the metrics. (ML.NET's
/// RandomizedPca anomaly trainer divides the error by the point's own norm, which flags points near the mean; hence
/// the error is computed here from the projection.)
/// </summary>
public static class MultivariateDetector
{
    public static IReadOnlyList<Anomaly> Detect(IReadOnlyList<float[]> rows, int seed, double ratio = 6.0)
    {
        if (rows.Count < 40 || rows[0].Length < 2)
            return [];
        var dimensions = rows[0].Length;
        var rank = Math.Max(1, dimensions - 2);
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), schema);
        var standardized = ml.Transforms.NormalizeMeanVariance("Standardized", nameof(Row.Features), fixZero: false).Fit(data).Transform(data);
        var projected = ml.Transforms.ProjectToPrincipalComponents("Projection", "Standardized", rank: rank, seed: seed).Fit(standardized).Transform(standardized);
        var x = projected.GetColumn<float[]>("Standardized").ToList();
        var p = projected.GetColumn<float[]>("Projection").ToList();
        var scores = x.Select((v, i) => Math.Sqrt(Math.Max(0, v.Sum(a => (double)a * a) - p[i].Sum(a => (double)a * a)))).ToArray();
        var median = Math.Max(Robust.Median(scores), 1e-9);
        var found = new List<Anomaly>();
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > ratio * median)
                found.Add(new Anomaly(i, "all", "multivariate", Math.Round(scores[i], 6), Math.Round(median, 6), Math.Round(scores[i] / median, 3)));
        }

        return found;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}
