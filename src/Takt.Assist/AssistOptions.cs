namespace Takt.Assist;

/// <summary>How far suggestions may go by themselves (docs/assist.md).</summary>
public sealed class AssistOptions
{
    /// <summary>Below this confidence (0..1) a suggestion is shown to a person only, even from an approved model.</summary>
    public double MinConfidence { get; set; } = 0.80;

    /// <summary>Generated resolved exceptions the cold-start invoice model trains on (at demo seed or on first use).</summary>
    public int ColdStartRows { get; set; } = 4_000;

    /// <summary>Rows of the holdout sample permutation feature importance runs on at training time.</summary>
    public int ImportanceSampleRows { get; set; } = 600;

    /// <summary>From this many resolved exceptions in the log on, the invoice classifier trains on the log alone (below: topped up with generated history).</summary>
    public int LogOnlyRows { get; set; } = 2_000;

    /// <summary>While generated history tops the log up, each resolved exception from the log weighs this many generated ones.</summary>
    public double LogWeight { get; set; } = 20;

    /// <summary>The seed of generated history and of training (same seed, same model).</summary>
    public int Seed { get; set; } = 15;

    /// <summary>How often the scheduled shop-floor anomaly scan runs (real time); null: off.</summary>
    public TimeSpan? ShopFloorScanInterval { get; set; }

    /// <summary>The history each scheduled scan reads per work center (the detectors' reference), at most 366 days.</summary>
    public TimeSpan ShopFloorScanHistory { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The plants the scheduled scan covers; empty: every plant with operation confirmations in the history.</summary>
    public IReadOnlyList<string> ShopFloorScanPlants { get; set; } = [];

    /// <summary>A flow the scheduled scan opens per work center with anomalies, for a person; null: none (suggestions only).</summary>
    public string? ShopFloorScanFlow { get; set; }
}
