namespace Takt.Contracts.Events;

/// <summary>
/// <c>takt.assist.anomaly-detected.v1</c>: an advisory event. A detector found an unusual point in a work center's stream
/// (scrap rate, cycle time, downtime); it was recorded as a suggestion. It changes nothing by itself: a person (or a
/// flow opened for one) decides.
/// </summary>
/// <param name="Suggestion">The recorded suggestion's id (also the CloudEvents <c>subject</c>).</param>
/// <param name="Plant">Plant code.</param>
/// <param name="WorkCenter">Work center code.</param>
/// <param name="Metric"><c>scrapRate</c>, <c>cycleTimeSeconds</c>, <c>downtimeMinutes</c>, or <c>all</c> for a multivariate anomaly.</param>
/// <param name="Kind"><c>spike</c>, <c>level-shift</c> or <c>multivariate</c>.</param>
/// <param name="At">When the unusual point was measured.</param>
/// <param name="Value">The measured value (for multivariate: the PCA anomaly score).</param>
/// <param name="Baseline">The expected value (recent median or reference level).</param>
/// <param name="Score">How unusual: robust z-score, or the CUSUM statistic in standard deviations (signed).</param>
/// <param name="Model">The model version that found it.</param>
/// <param name="PersonOnly">True when the suggestion is shown to a person only (model not approved or confidence low).</param>
/// <param name="Since">For a level shift: when the new level started.</param>
public sealed record AnomalyDetected(
    string Suggestion,
    string Plant,
    string WorkCenter,
    string Metric,
    string Kind,
    DateTimeOffset At,
    double Value,
    double Baseline,
    double Score,
    string Model,
    bool PersonOnly,
    DateTimeOffset? Since = null);
