using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Text;
using Takt.Assist.Registry;

namespace Takt.Assist.Invoices;

/// <summary>One classification: the category with its probability, every category's probability and why.</summary>
/// <param name="Explanation">Feature contributions to the chosen category's score relative to the average category (largest first).</param>
public sealed record InvoiceClassification(string Category, double Confidence, IReadOnlyDictionary<string, double> Probabilities, IReadOnlyList<FeatureContribution> Explanation);

/// <summary>A trained classifier with its holdout evaluation.</summary>
public sealed record TrainedInvoiceClassifier(InvoiceClassifier Classifier, ModelMetrics Metrics, IReadOnlyList<FeatureImportance> Importance, int TrainingRows, int HoldoutRows, TimeSpan FitTime);

/// <summary>
/// The invoice exception classifier: ML.NET multiclass maximum entropy (SDCA) on the bag of words of the line
/// descriptions and eight numeric features standardized on the training data. Explanations are the linear model's own
/// terms: (weight of the class − mean weight of all classes) × standardized value, i.e. each feature's push towards the
/// suggested category compared with an average case (linear SHAP values), grouped per input feature.
/// </summary>
public sealed class InvoiceClassifier
{
    public const string Algorithm = "ml.net SdcaMaximumEntropy (FeaturizeText(description) + 8 standardized numeric features)";

    /// <summary>The numeric features in the order they enter the feature vector (the description's words follow).</summary>
    public static readonly string[] NumericFeatures = ["priceDeviation", "quantityDeviation", "receiptMissing", "sameAmountRecent", "taxRateDelta", "supplierExceptionRate", "invoiceValue", "noPurchaseOrder"];

    public const string DescriptionFeature = "description";

    private readonly MLContext ml;
    private readonly ITransformer model;
    private readonly PredictionEngine<Row, Prediction> engine;
    private readonly string[] classes;
    private readonly float[][] centeredWeights;
    private readonly int numericCount;
    private readonly Lock gate = new();

    private InvoiceClassifier(MLContext ml, ITransformer model, RouteTable routes)
    {
        this.ml = ml;
        this.model = model;
        Routes = routes;
        engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        var scoreColumn = engine.OutputSchema["Score"];
        VBuffer<ReadOnlyMemory<char>> names = default;
        scoreColumn.GetSlotNames(ref names);
        classes = [.. names.DenseValues().Select(n => n.ToString())];
        // A version saved before a numeric feature was added has fewer of them: its slots after those are the description's.
        numericCount = Math.Min(NumericFeatures.Length, (engine.OutputSchema["Numeric"].Type as VectorDataViewType)?.Size ?? NumericFeatures.Length);
        var predictor = model is IEnumerable<ITransformer> chain
            ? chain.OfType<MulticlassPredictionTransformer<MaximumEntropyModelParameters>>().Single()
            : throw new InvalidOperationException("The invoice model is not a transformer chain.");
        VBuffer<float>[] weights = [];
        predictor.Model.GetWeights(ref weights, out var numClasses);
        var dense = weights.Select(w => w.DenseValues().ToArray()).ToArray();
        var length = dense[0].Length;
        var mean = new float[length];
        foreach (var w in dense)
        {
            for (var j = 0; j < length; j++)
                mean[j] += w[j] / numClasses;
        }

        centeredWeights = [.. dense.Select(w => w.Select((v, j) => v - mean[j]).ToArray())];
    }

    /// <summary>Who resolved each category at each plant in the training history (majority), and which cost center.</summary>
    public RouteTable Routes { get; }

    public IReadOnlyList<string> Classes => classes;

    /// <summary>
    /// Trains on resolved exceptions: the last <paramref name="holdoutShare"/> of the rows are the holdout. A row from the
    /// exception log weighs <paramref name="logWeight"/> generated rows (in the fit and in the route table).
    /// </summary>
    public static TrainedInvoiceClassifier Train(IReadOnlyList<ResolvedInvoiceException> history, int seed, int importanceRows, double holdoutShare = 0.2, double logWeight = 1)
    {
        if (history.Count < 50)
            throw new ArgumentException("Training needs at least 50 resolved exceptions.", nameof(history));
        var split = history.Count - (int)Math.Max(10, history.Count * holdoutShare);
        var training = history.Take(split).ToList();
        var holdout = history.Skip(split).ToList();
        var context = new MLContext(seed);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var text = new TextFeaturizingEstimator.Options
        {
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 2, UseAllLengths = true },
            CharFeatureExtractor = null,
            Norm = TextFeaturizingEstimator.NormFunction.L2,
        };
        var pipeline = context.Transforms.Conversion.MapValueToKey("Label")
            .Append(context.Transforms.Text.FeaturizeText("DescriptionFeatures", text, nameof(Row.Description)))
            .Append(context.Transforms.Concatenate("Numeric", nameof(Row.PriceDeviation), nameof(Row.QuantityDeviation), nameof(Row.ReceiptMissing), nameof(Row.SameAmountRecent),
                nameof(Row.TaxRateDelta), nameof(Row.SupplierExceptionRate), nameof(Row.InvoiceValue), nameof(Row.NoPurchaseOrder)))
            .Append(context.Transforms.NormalizeMeanVariance("Numeric", fixZero: false))
            .Append(context.Transforms.Concatenate("Features", "Numeric", "DescriptionFeatures"))
            .Append(context.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features", nameof(Row.Weight)))
            .Append(context.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var fitted = pipeline.Fit(context.Data.LoadFromEnumerable(training.Select(r => Weighted(ToRow(r.Case, r.Category), r.FromLog ? (float)logWeight : 1f))));
        stopwatch.Stop();
        var classifier = new InvoiceClassifier(context, fitted, RouteTable.From(training, logWeight));
        var metrics = classifier.Evaluate(holdout);
        var importance = classifier.PermutationImportance(holdout.Take(importanceRows).ToList(), seed);
        return new TrainedInvoiceClassifier(classifier, metrics, importance, training.Count, holdout.Count, stopwatch.Elapsed);
    }

    /// <summary>Classifies one case (thread-safe; ML.NET's prediction engine is not, so calls queue).</summary>
    public InvoiceClassification Classify(InvoiceExceptionCase @case)
    {
        Prediction prediction;
        lock (gate)
            prediction = engine.Predict(ToRow(@case));
        var best = Array.IndexOf(prediction.Score, prediction.Score.Max());
        var probabilities = classes.Select((c, k) => (c, (double)prediction.Score[k])).ToDictionary(p => p.c, p => Math.Round(p.Item2, 6), StringComparer.Ordinal);
        return new InvoiceClassification(classes[best], prediction.Score[best], probabilities, Explain(centeredWeights[best], prediction.Features, numericCount));
    }

    /// <summary>Accuracy, macro-F1, Brier score and expected calibration error on labelled cases.</summary>
    public ModelMetrics Evaluate(IReadOnlyList<ResolvedInvoiceException> holdout)
    {
        var predictions = Score(holdout.Select(h => h.Case));
        return Metrics(holdout.Select(h => h.Category).ToList(), predictions);
    }

    /// <summary>Permutation feature importance on a sample: each input feature's values are shuffled in turn and the macro-F1 drop measured.</summary>
    public IReadOnlyList<FeatureImportance> PermutationImportance(IReadOnlyList<ResolvedInvoiceException> sample, int seed)
    {
        if (sample.Count == 0)
            return [];
        var truth = sample.Select(s => s.Category).ToList();
        var baseline = Metrics(truth, Score(sample.Select(s => s.Case))).MacroF1 ?? 0;
        var result = new List<FeatureImportance>();
        foreach (var feature in NumericFeatures.Append(DescriptionFeature))
        {
            var random = new Random(seed);
            var order = Enumerable.Range(0, sample.Count).OrderBy(_ => random.Next()).ToArray();
            var permuted = sample.Select((s, i) => Permute(s.Case, sample[order[i]].Case, feature));
            var f1 = Metrics(truth, Score(permuted)).MacroF1 ?? 0;
            result.Add(new FeatureImportance(feature, Math.Round(baseline - f1, 4)));
        }

        return [.. result.OrderByDescending(r => r.MacroF1Drop)];
    }

    /// <summary>The model and its route table as bytes (for the registry).</summary>
    public byte[] Save()
    {
        using var zip = new MemoryStream();
        ml.Model.Save(model, null, zip);
        var routes = JsonSerializer.SerializeToUtf8Bytes(Routes.Entries, ModelRegistry.Json);
        using var output = new MemoryStream();
        output.Write(BitConverter.GetBytes(routes.Length));
        output.Write(routes);
        output.Write(zip.ToArray());
        return output.ToArray();
    }

    public static InvoiceClassifier Load(byte[] bytes, int seed)
    {
        var length = BitConverter.ToInt32(bytes, 0);
        var routes = JsonSerializer.Deserialize<List<RouteTable.Entry>>(Encoding.UTF8.GetString(bytes, 4, length), ModelRegistry.Json)!;
        var context = new MLContext(seed);
        using var zip = new MemoryStream(bytes, 4 + length, bytes.Length - 4 - length);
        return new InvoiceClassifier(context, context.Model.Load(zip, out _), new RouteTable(routes));
    }

    private List<(string Label, float[] Probabilities)> Score(IEnumerable<InvoiceExceptionCase> cases)
    {
        var scored = model.Transform(ml.Data.LoadFromEnumerable(cases.Select(ToRow)));
        return [.. ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).Select(p => (p.PredictedLabel, p.Score))];
    }

    private ModelMetrics Metrics(List<string> truth, List<(string Label, float[] Probabilities)> predictions)
    {
        var correct = 0;
        double brier = 0;
        var bins = new (int Count, double Confidence, int Correct)[10];
        for (var i = 0; i < truth.Count; i++)
        {
            var (label, p) = predictions[i];
            var hit = label == truth[i];
            correct += hit ? 1 : 0;
            for (var k = 0; k < classes.Length; k++)
                brier += Math.Pow(p[k] - (classes[k] == truth[i] ? 1 : 0), 2);
            var confidence = p.Max();
            var bin = Math.Min(9, (int)(confidence * 10));
            bins[bin] = (bins[bin].Count + 1, bins[bin].Confidence + confidence, bins[bin].Correct + (hit ? 1 : 0));
        }

        var perClass = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var c in truth.Union(predictions.Select(p => p.Label)).Order(StringComparer.Ordinal))
        {
            var tp = truth.Where((t, i) => t == c && predictions[i].Label == c).Count();
            var fp = truth.Where((t, i) => t != c && predictions[i].Label == c).Count();
            var fn = truth.Where((t, i) => t == c && predictions[i].Label != c).Count();
            perClass[c] = tp == 0 ? 0 : Math.Round(2.0 * tp / ((2.0 * tp) + fp + fn), 4);
        }

        var ece = bins.Where(b => b.Count > 0).Sum(b => (double)b.Count / truth.Count * Math.Abs((b.Confidence / b.Count) - ((double)b.Correct / b.Count)));
        return new ModelMetrics(Math.Round((double)correct / truth.Count, 4), Math.Round(perClass.Values.Average(), 4), Math.Round(brier / truth.Count, 4), Math.Round(ece, 4), perClass);
    }

    private static IReadOnlyList<FeatureContribution> Explain(float[] weights, float[] features, int numeric)
    {
        var contributions = new double[numeric + 1];
        for (var j = 0; j < features.Length && j < weights.Length; j++)
            contributions[Math.Min(j, numeric)] += weights[j] * features[j];
        return [.. NumericFeatures.Take(numeric).Append(DescriptionFeature).Select((f, i) => new FeatureContribution(f, Math.Round(contributions[i], 6)))
            .OrderByDescending(c => Math.Abs(c.Contribution))];
    }

    private static InvoiceExceptionCase Permute(InvoiceExceptionCase row, InvoiceExceptionCase donor, string feature) => feature switch
    {
        "priceDeviation" => row with { PriceDeviation = donor.PriceDeviation },
        "quantityDeviation" => row with { QuantityDeviation = donor.QuantityDeviation },
        "receiptMissing" => row with { ReceiptMissing = donor.ReceiptMissing },
        "sameAmountRecent" => row with { SameAmountRecent = donor.SameAmountRecent },
        "taxRateDelta" => row with { TaxRateDelta = donor.TaxRateDelta },
        "supplierExceptionRate" => row with { SupplierExceptionRate = donor.SupplierExceptionRate },
        "invoiceValue" => row with { InvoiceValue = donor.InvoiceValue },
        "noPurchaseOrder" => row with { NoPurchaseOrder = donor.NoPurchaseOrder },
        _ => row with { Description = donor.Description },
    };

    private static Row Weighted(Row row, float weight)
    {
        row.Weight = weight;
        return row;
    }

    private static Row ToRow(ResolvedInvoiceException resolved) => ToRow(resolved.Case, resolved.Category);

    private static Row ToRow(InvoiceExceptionCase c) => ToRow(c, "");

    private static Row ToRow(InvoiceExceptionCase c, string label) => new()
    {
        Description = c.Description,
        // Deviations enter as magnitudes: an over- and an under-delivery are the same exception for a linear model.
        PriceDeviation = (float)Math.Abs(c.PriceDeviation),
        QuantityDeviation = (float)Math.Abs(c.QuantityDeviation),
        ReceiptMissing = c.ReceiptMissing ? 1f : 0f,
        SameAmountRecent = c.SameAmountRecent,
        TaxRateDelta = (float)c.TaxRateDelta,
        SupplierExceptionRate = (float)c.SupplierExceptionRate,
        InvoiceValue = (float)Math.Log10(1 + (double)Math.Abs(c.InvoiceValue)),
        NoPurchaseOrder = c.NoPurchaseOrder ? 1f : 0f,
        Label = label,
        Weight = 1f,
    };

    /// <summary>ML.NET's input row.</summary>
    public sealed class Row
    {
        public string Description { get; set; } = "";

        public float PriceDeviation { get; set; }

        public float QuantityDeviation { get; set; }

        public float ReceiptMissing { get; set; }

        public float SameAmountRecent { get; set; }

        public float TaxRateDelta { get; set; }

        public float SupplierExceptionRate { get; set; }

        public float InvoiceValue { get; set; }

        public float NoPurchaseOrder { get; set; }

        public string Label { get; set; } = "";

        /// <summary>The example's weight in the fit (a log row weighs more while generated history tops the log up).</summary>
        public float Weight { get; set; } = 1f;
    }

    /// <summary>ML.NET's output row.</summary>
    public sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";

        public float[] Score { get; set; } = [];

        public float[] Features { get; set; } = [];
    }
}

/// <summary>The route each category took at each plant in the training history (the most frequent resolver).</summary>
public sealed class RouteTable(IReadOnlyList<RouteTable.Entry> entries)
{
    /// <param name="Plant">A plant, or <c>*</c> for the category at every plant.</param>
    public sealed record Entry(string Category, string Plant, string Role, string CostCenter, int Count);

    public IReadOnlyList<Entry> Entries => entries;

    /// <summary>The weighted majority route per category and plant (a log row weighs <paramref name="logWeight"/> generated ones).</summary>
    public static RouteTable From(IEnumerable<ResolvedInvoiceException> history, double logWeight = 1)
    {
        var rows = history.ToList();
        var perPlant = rows.GroupBy(r => (r.Category, r.Case.Plant)).Select(g => Majority(g.Key.Category, g.Key.Plant, g, logWeight));
        var overall = rows.GroupBy(r => r.Category).Select(g => Majority(g.Key, "*", g, logWeight));
        return new RouteTable([.. perPlant.Concat(overall).OrderBy(e => e.Category, StringComparer.Ordinal).ThenBy(e => e.Plant, StringComparer.Ordinal)]);
    }

    /// <summary>The route for a category at a plant; the case's own cost center wins when it has one.</summary>
    public ExceptionRoute? RouteFor(string category, string plant, string? costCenter)
    {
        var entry = entries.FirstOrDefault(e => e.Category == category && e.Plant == plant) ?? entries.FirstOrDefault(e => e.Category == category && e.Plant == "*");
        return entry is null ? null : new ExceptionRoute(entry.Role, plant, costCenter ?? entry.CostCenter);
    }

    private static Entry Majority(string category, string plant, IEnumerable<ResolvedInvoiceException> group, double logWeight)
    {
        var list = group.ToList();
        double Weight(IEnumerable<ResolvedInvoiceException> rows) => rows.Sum(r => r.FromLog ? logWeight : 1);
        var role = list.GroupBy(r => r.ResolvedBy.Role).OrderByDescending(Weight).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var costCenter = list.GroupBy(r => r.ResolvedBy.CostCenter).OrderByDescending(Weight).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        return new Entry(category, plant, role, costCenter, list.Count);
    }
}
