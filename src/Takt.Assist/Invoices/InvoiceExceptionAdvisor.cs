using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Assist.Registry;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Assist.Invoices;

/// <summary>The classifier's suggestion for one exception, as recorded.</summary>
/// <param name="Route">The suggested route (role, plant, cost center), or null when the model knows no route for the category.</param>
public sealed record InvoiceAdvice(Suggestion Suggestion, string Category, double Confidence, ExceptionRoute? Route, IReadOnlyDictionary<string, double> Probabilities);

/// <summary>
/// What the exception routing does with a suggestion: the rule's route stays unless the suggestion may act by itself
/// (approved model, plant in its scope, confidence at or above the threshold).
/// </summary>
/// <param name="Route">The route to use.</param>
/// <param name="ChangedByModel">True when <paramref name="Route"/> is the model's, not the rule's.</param>
/// <param name="Suggestion">The recorded suggestion; null when no model is registered yet.</param>
public sealed record RouteAdvice(ExceptionRoute Route, bool ChangedByModel, Suggestion? Suggestion);

/// <summary>The hook payables' exception routing calls (docs/assist.md): advice only, recorded, never a posting or an approval.</summary>
public interface IInvoiceExceptionAdvisor
{
    /// <summary>Classifies the exception in the caller's transaction, records the suggestion and says which route to use.</summary>
    Task<RouteAdvice> AdviseAsync(StoreTransaction transaction, InvoiceExceptionCase exception, ExceptionRoute ruleRoute, CancellationToken ct);
}

/// <summary>Trains, serves and records the invoice exception classifier.</summary>
public sealed class InvoiceExceptionAdvisor(AssistOptions options, SuggestionLog suggestions) : IInvoiceExceptionAdvisor, IDisposable
{
    private readonly ConcurrentDictionary<string, InvoiceClassifier> loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim coldStart = new(1, 1);

    /// <summary>A trained and registered version, with how long the fit took.</summary>
    public sealed record TrainingResult(ModelVersion Model, TimeSpan FitTime);

    /// <summary>Trains a new candidate version from <paramref name="source"/> and registers it (a person approves it later).</summary>
    public async Task<TrainingResult> TrainAsync(TaktStore store, TimeProvider clock, IResolvedExceptionSource source, int rows, string trainedBy, CancellationToken ct)
    {
        var history = await source.ReadAsync(store, rows, ct);
        var fromLog = history.Count(h => h.FromLog);
        var generated = history.Count - fromLog;
        // While generated history tops up a small log, a resolved exception weighs more than a generated one.
        var logWeight = fromLog > 0 && generated > 0 ? options.LogWeight : 1;
        var trained = await Task.Run(() => InvoiceClassifier.Train(history, options.Seed, options.ImportanceSampleRows, logWeight: logWeight), ct);
        var holdoutFrom = trained.TrainingRows;
        var examples = history.Select((h, i) => (h, i)).Where(p => p.h.FromLog).TakeLast(500)
            .Select(p => new TrainingExample(p.h.Case.Subject, p.h.Case.Plant, p.h.Category, p.h.ResolvedBy.Role, p.h.Resolution!, p.i >= holdoutFrom)).ToList();
        var labels = history.GroupBy(h => h.Category, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var trainingSet = new TrainingSet(fromLog, generated, logWeight, labels, examples);
        var sourceName = fromLog == 0 ? "generated" : generated == 0 ? source.Name : source.Name + "+generated";
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var model = await ModelRegistry.RegisterAsync(tx, AssistKinds.InvoiceExceptions, InvoiceClassifier.Algorithm, sourceName, trainedBy, trained.TrainingRows, trained.HoldoutRows,
            trained.Metrics, trained.Importance, trained.Classifier.Save(), ct, trainingSet);
        await tx.CommitAsync(ct, recordCommit: false);
        loaded[Key(store, model.Id)] = trained.Classifier;
        return new TrainingResult(model, trained.FitTime);
    }

    /// <summary>The cold start: when no invoice model is registered, trains one on generated history (a candidate until a person approves it).</summary>
    public async Task<ModelVersion> EnsureModelAsync(TaktStore store, TimeProvider clock, CancellationToken ct)
    {
        if (await ServingAsync(store, clock, ct) is { } serving)
            return serving;
        await coldStart.WaitAsync(ct);
        try
        {
            return await ServingAsync(store, clock, ct)
                ?? (await TrainAsync(store, clock, new GeneratedInvoiceHistory(options.Seed), options.ColdStartRows, "takt.assist", ct)).Model;
        }
        finally
        {
            coldStart.Release();
        }
    }

    /// <summary>Classifies an exception and records the suggestion in the caller's transaction; null when no model is registered.</summary>
    public async Task<InvoiceAdvice?> ClassifyAsync(StoreTransaction tx, InvoiceExceptionCase exception, CancellationToken ct)
    {
        var model = await ModelRegistry.ServingAsync(tx, AssistKinds.InvoiceExceptions, ct);
        if (model is null)
            return null;
        var classifier = await ClassifierAsync(tx, model, ct);
        var result = classifier.Classify(exception);
        var route = classifier.Routes.RouteFor(result.Category, exception.Plant, exception.CostCenter);
        var output = new JsonObject
        {
            ["category"] = result.Category,
            ["route"] = route is null ? null : JsonSerializer.SerializeToNode(route, ModelRegistry.Json),
            ["probabilities"] = JsonSerializer.SerializeToNode(result.Probabilities, ModelRegistry.Json),
        };
        var suggestion = await suggestions.RecordAsync(tx, model, new SuggestionDraft(AssistKinds.InvoiceExceptions, exception.Plant, "invoice-exception", exception.Subject,
            JsonSerializer.SerializeToNode(exception, ModelRegistry.Json)!, output, result.Confidence, result.Explanation), ct);
        return new InvoiceAdvice(suggestion, result.Category, suggestion.Confidence, route, result.Probabilities);
    }

    public async Task<RouteAdvice> AdviseAsync(StoreTransaction transaction, InvoiceExceptionCase exception, ExceptionRoute ruleRoute, CancellationToken ct)
    {
        var advice = await ClassifyAsync(transaction, exception, ct);
        if (advice is null)
            return new RouteAdvice(ruleRoute, false, null);
        return advice.Suggestion.PersonOnly || advice.Route is null
            ? new RouteAdvice(ruleRoute, false, advice.Suggestion)
            : new RouteAdvice(advice.Route, advice.Route != ruleRoute, advice.Suggestion);
    }

    /// <summary>
    /// Remembers what an exception looked like when it was raised (staged in the caller's transaction, no round trip), so
    /// that once it is resolved the classifier can learn from it, whether or not a model advised on it.
    /// </summary>
    public static void RecordCase(StoreTransaction tx, InvoiceExceptionCase exception) =>
        tx.Stage("INSERT INTO assist_invoice_case (subject, plant, inputs, recorded_at_us) VALUES ($1, $2, $3, $4) ON CONFLICT (subject) DO NOTHING",
            exception.Subject, exception.Plant, JsonSerializer.Serialize(exception, ModelRegistry.Json), tx.Clock.GetUtcNow().ToUnixMicroseconds());

    /// <summary>The recorded cases of these subjects (exception ids), by subject.</summary>
    public static async Task<IReadOnlyDictionary<string, InvoiceExceptionCase>> CasesAsync(StoreTransaction tx, IReadOnlyCollection<string> subjects, CancellationToken ct)
    {
        var found = new Dictionary<string, InvoiceExceptionCase>(StringComparer.Ordinal);
        foreach (var chunk in subjects.Distinct(StringComparer.Ordinal).Chunk(200))
        {
            var parameters = string.Join(", ", chunk.Select((_, i) => "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await using var r = await tx.Command($"SELECT subject, inputs FROM assist_invoice_case WHERE subject IN ({parameters})", [.. chunk]).ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                found[r.GetString(0)] = JsonSerializer.Deserialize<InvoiceExceptionCase>(r.GetString(1), ModelRegistry.Json)!;
        }

        return found;
    }

    /// <summary>Checks a case from the API; violations name the field.</summary>
    public static IReadOnlyList<Violation> Check(InvoiceExceptionCase? c)
    {
        if (c is null)
            return [new Violation("", "assist.body-required", "Send the exception as JSON.")];
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(c.Subject))
            errors.Add(new Violation("/subject", "assist.subject-required", "Name the exception (its id)."));
        if (string.IsNullOrWhiteSpace(c.Plant))
            errors.Add(new Violation("/plant", "assist.plant-required", "Name the plant."));
        if (string.IsNullOrWhiteSpace(c.Supplier))
            errors.Add(new Violation("/supplier", "assist.supplier-required", "Name the supplier."));
        if (c.Description is null)
            errors.Add(new Violation("/description", "assist.description-required", "Give the line descriptions (may be empty text)."));
        foreach (var (name, value) in new[] { ("priceDeviation", c.PriceDeviation), ("quantityDeviation", c.QuantityDeviation), ("taxRateDelta", c.TaxRateDelta) })
        {
            if (!double.IsFinite(value) || Math.Abs(value) > 100)
                errors.Add(new Violation($"/{name}", "assist.deviation-range", $"{name} is a fraction between −100 and 100 (0.12 = 12 %)."));
        }

        if (!double.IsFinite(c.SupplierExceptionRate) || c.SupplierExceptionRate is < 0 or > 1)
            errors.Add(new Violation("/supplierExceptionRate", "assist.rate-range", "supplierExceptionRate is a share between 0 and 1."));
        if (c.SameAmountRecent < 0)
            errors.Add(new Violation("/sameAmountRecent", "assist.count-negative", "sameAmountRecent counts invoices: 0 or more."));
        if (c.InvoiceValue < 0)
            errors.Add(new Violation("/invoiceValue", "assist.value-negative", "invoiceValue is the net amount: 0 or more."));
        return errors;
    }

    private static async Task<ModelVersion?> ServingAsync(TaktStore store, TimeProvider clock, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        return await ModelRegistry.ServingAsync(tx, AssistKinds.InvoiceExceptions, ct);
    }

    private async Task<InvoiceClassifier> ClassifierAsync(StoreTransaction tx, ModelVersion model, CancellationToken ct)
    {
        var key = Key(tx.Session.Store, model.Id);
        if (loaded.TryGetValue(key, out var classifier))
            return classifier;
        var bytes = await ModelRegistry.ModelBytesAsync(tx, model.Id, ct) ?? throw new InvalidOperationException($"Model version {model.Id} has no stored model.");
        return loaded.GetOrAdd(key, _ => InvoiceClassifier.Load(bytes, options.Seed));
    }

    public void Dispose() => coldStart.Dispose();

    private static string Key(TaktStore store, string id) => store.Display + "|" + id;
}
