using Takt.Assist.Anomalies;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>The detectors on generated streams with injected spikes and a level shift (fixed seeds).</summary>
public sealed class AnomalyDetectorTests
{
    private static readonly int[] Spikes = [80, 170, 260, 420, 530];

    private static double Gaussian(Random random) => Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    /// <summary>Cycle time ~ N(100, 2); spikes of ±12σ at <see cref="Spikes"/>; from point 300 the level is 3σ higher.</summary>
    private static double[] Stream(int seed)
    {
        var random = new Random(seed);
        var values = new double[600];
        for (var i = 0; i < values.Length; i++)
            values[i] = 100 + (2 * Gaussian(random)) + (i >= 300 ? 6 : 0);
        foreach (var (index, n) in Spikes.Select((s, n) => (s, n)))
            values[index] += n % 2 == 0 ? 24 : -24;
        return values;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void finds_every_injected_spike_with_at_most_two_false_alarms(int seed)
    {
        var found = SpikeDetector.Detect("cycleTimeSeconds", Stream(seed));
        Assert.All(Spikes, s => Assert.Contains(found, a => a.Index == s));
        var falseAlarms = found.Where(a => !Spikes.Contains(a.Index)).ToList();
        Assert.True(falseAlarms.Count <= 2, $"false alarms at {string.Join(", ", falseAlarms.Select(a => a.Index))}");
        Assert.All(found.Where(a => Spikes.Contains(a.Index)), a => Assert.True(Math.Abs(a.Score) > 8));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void finds_the_level_shift_within_fifteen_points_and_ignores_the_spikes(int seed)
    {
        var found = LevelShiftDetector.Detect("cycleTimeSeconds", Stream(seed));
        var shift = Assert.Single(found, a => a.Index >= 300);
        Assert.InRange(shift.Index, 300, 315);
        Assert.InRange(shift.Since!.Value, 290, 312);
        Assert.True(shift.Score > 0, "upward shift");
        Assert.InRange(shift.Baseline, 98.5, 101.5);
        Assert.DoesNotContain(found, a => a.Index < 300); // no false alarm before the shift, spikes included
    }

    [Fact]
    public void a_calm_stream_raises_no_level_shift_and_at_most_one_spike()
    {
        var random = new Random(99);
        var values = Enumerable.Range(0, 2_000).Select(_ => 0.02 + (0.002 * Gaussian(random))).ToArray();
        Assert.Empty(LevelShiftDetector.Detect("scrapRate", values));
        Assert.True(SpikeDetector.Detect("scrapRate", values).Count <= 1);
    }

    [Fact]
    public void randomized_pca_finds_a_point_that_breaks_the_correlation_of_the_metrics()
    {
        // Scrap, cycle time and downtime move together with a common factor u; point 250 has high cycle time but low
        // scrap and downtime: each value alone is within ±2σ of its metric, together they are off the usual plane.
        var random = new Random(5);
        var rows = new List<float[]>();
        for (var i = 0; i < 400; i++)
        {
            var u = Gaussian(random);
            rows.Add([(float)(0.02 + (0.004 * u) + (0.0004 * Gaussian(random))), (float)(100 + (4 * u) + (0.4 * Gaussian(random))), (float)(10 + (2 * u) + (0.2 * Gaussian(random)))]);
        }

        rows[250] = [0.02f - 0.008f, 100f + 8f, 10f - 4f];
        var found = MultivariateDetector.Detect(rows, seed: 15);
        Assert.Contains(found, a => a.Index == 250);
        Assert.True(found.Count <= 3, $"{found.Count} found: {string.Join(", ", found.Select(a => a.Index))}");
        Assert.DoesNotContain(SpikeDetector.Detect("scrapRate", rows.Select(r => (double)r[0]).ToList()), a => a.Index == 250);
    }
}
