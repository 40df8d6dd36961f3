using System.Text.Json;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Assist.Registry;

/// <summary>Kinds of suggestion, each served by its own line of model versions.</summary>
public static class AssistKinds
{
    public const string InvoiceExceptions = "invoice-exceptions";
    public const string ProductionAnomalies = "production-anomalies";
    public const string DemandForecast = "demand-forecast";
    public const string DisruptionRisk = "disruption-risk";
    public const string Prioritization = "prioritization";

    public static IReadOnlyList<string> All { get; } = [InvoiceExceptions, ProductionAnomalies, DemandForecast, DisruptionRisk, Prioritization];
}

/// <summary>Holdout metrics of a model version; null where a kind has no such measure.</summary>
/// <param name="Brier">Multiclass Brier score (mean squared error of the class probabilities; 0 is perfect).</param>
/// <param name="ExpectedCalibrationError">|confidence − accuracy| over 10 confidence bins, weighted by bin size.</param>
public sealed record ModelMetrics(double? Accuracy = null, double? MacroF1 = null, double? Brier = null, double? ExpectedCalibrationError = null,
    IReadOnlyDictionary<string, double>? PerClassF1 = null, double? MeanAbsoluteError = null);

/// <summary>A feature's permutation importance: the drop in macro-F1 when its values are shuffled across the sample.</summary>
public sealed record FeatureImportance(string Feature, double MacroF1Drop);

/// <summary>A registered model version.</summary>
/// <param name="State"><c>candidate</c> (suggestions are shown to a person only), <c>approved</c> (by a person, for <paramref name="ApprovalScope"/>) or <c>retired</c>.</param>
/// <param name="ApprovalScope"><c>*</c> for every plant, or one plant code.</param>
/// <param name="Source"><c>generated</c> (cold start) or <c>resolved-exceptions</c> (the log), or the method for rule-based kinds.</param>
public sealed record ModelVersion(string Id, string Kind, int Version, string State, string Algorithm, string Source, string TrainedBy, DateTimeOffset TrainedAt,
    long TrainingRows, long HoldoutRows, ModelMetrics Metrics, IReadOnlyList<FeatureImportance> Importance, string? ApprovedBy, DateTimeOffset? ApprovedAt, string? ApprovalScope,
    TrainingSet? TrainingSet = null);

/// <summary>What a model version was trained on (training and holdout rows together).</summary>
/// <param name="FromLog">Resolved exceptions from the exception log.</param>
/// <param name="Generated">Generated rows (the cold start, or topping up a small log).</param>
/// <param name="LogWeight">How many generated rows one log row weighed in the fit.</param>
/// <param name="Labels">Rows per label (category).</param>
/// <param name="LogExamples">The log's rows (newest 500): which exception, the label its resolution gave and how.</param>
public sealed record TrainingSet(int FromLog, int Generated, double LogWeight, IReadOnlyDictionary<string, int> Labels, IReadOnlyList<TrainingExample> LogExamples);

/// <summary>One resolved exception a model version learned from.</summary>
/// <param name="Resolution">How it was resolved (so how its label is known).</param>
/// <param name="Holdout">True when it was held out for the evaluation rather than fitted.</param>
public sealed record TrainingExample(string Subject, string Plant, string Category, string Role, string Resolution, bool Holdout);

/// <summary>A person's approval of a model version: from then on its confident suggestions in the scope may act.</summary>
public sealed record ModelApproval(string Approver, string Scope = "*");

/// <summary>Model versions: registered as candidates, approved by a person (never by the system that trained them).</summary>
public static class ModelRegistry
{
    /// <summary>Actors that are systems, not people: they may train, never approve.</summary>
    public static readonly IReadOnlySet<string> SystemActors = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "takt", "takt.assist", "system", "demo" };

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private const string Columns = "id, kind, version, state, algorithm, source, trained_by, trained_at_us, training_rows, holdout_rows, metrics, importance, approved_by, approved_at_us, approval_scope, training_set";

    /// <summary>Registers the next version of a kind as a candidate (with the serialized model, if any).</summary>
    public static async Task<ModelVersion> RegisterAsync(StoreTransaction tx, string kind, string algorithm, string source, string trainedBy, long trainingRows, long holdoutRows,
        ModelMetrics metrics, IReadOnlyList<FeatureImportance> importance, byte[]? model, CancellationToken ct, TrainingSet? trainingSet = null)
    {
        var last = await tx.Command("SELECT MAX(version) FROM assist_model WHERE kind = $1", kind).ExecuteScalarAsync(ct);
        var version = last is null or DBNull ? 1 : checked((int)Convert.ToInt64(last, System.Globalization.CultureInfo.InvariantCulture) + 1);
        var now = tx.Clock.GetUtcNow();
        var id = $"{kind}@{version}";
        await tx.ExecuteAsync("INSERT INTO assist_model (id, kind, version, state, algorithm, source, trained_by, trained_at_us, training_rows, holdout_rows, metrics, importance, model, training_set) " +
            "VALUES ($1, $2, $3, 'candidate', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", ct,
            id, kind, (long)version, algorithm, source, trainedBy, now.ToUnixMicroseconds(), trainingRows, holdoutRows,
            JsonSerializer.Serialize(metrics, Json), JsonSerializer.Serialize(importance, Json), model, trainingSet is null ? null : JsonSerializer.Serialize(trainingSet, Json));
        return new ModelVersion(id, kind, version, "candidate", algorithm, source, trainedBy, now, trainingRows, holdoutRows, metrics, importance, null, null, null, trainingSet);
    }

    /// <summary>
    /// A person approves a candidate for a scope; the kind's previously approved version is retired. The trainer and
    /// system actors cannot approve (a model never promotes itself).
    /// </summary>
    public static async Task<Outcome<ModelVersion>> ApproveAsync(StoreTransaction tx, string id, ModelApproval approval, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(approval.Approver))
            return new Violation("/approver", "assist.approver-required", "Name the person who approves the model version.");
        if (SystemActors.Contains(approval.Approver.Trim()))
            return new Violation("/approver", "assist.approver-not-a-person", $"'{approval.Approver}' is a system; a person approves a model version.");
        if (string.IsNullOrWhiteSpace(approval.Scope) || (approval.Scope != "*" && !System.Text.RegularExpressions.Regex.IsMatch(approval.Scope, "^[A-Z0-9]{2,10}$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1))))
            return new Violation("/scope", "assist.scope-invalid", "scope is * (every plant) or one plant code such as PA01.");
        var model = await FindAsync(tx, id, ct);
        if (model is null)
            return new Violation("/id", "assist.model-unknown", $"Model version '{id}' does not exist.");
        if (model.State != "candidate")
            return new Violation("/id", "assist.model-not-candidate", $"Model version '{id}' is {model.State}; only a candidate is approved.");
        if (string.Equals(model.TrainedBy, approval.Approver.Trim(), StringComparison.OrdinalIgnoreCase))
            return new Violation("/approver", "assist.approver-is-trainer", $"{approval.Approver} trained '{id}'; another person approves it.");
        var now = tx.Clock.GetUtcNow();
        await tx.ExecuteAsync("UPDATE assist_model SET state = 'retired' WHERE kind = $1 AND state = 'approved'", ct, model.Kind);
        await tx.ExecuteAsync("UPDATE assist_model SET state = 'approved', approved_by = $2, approved_at_us = $3, approval_scope = $4 WHERE id = $1", ct,
            id, approval.Approver.Trim(), now.ToUnixMicroseconds(), approval.Scope);
        return model with { State = "approved", ApprovedBy = approval.Approver.Trim(), ApprovedAt = now, ApprovalScope = approval.Scope };
    }

    public static async Task<ModelVersion?> FindAsync(StoreTransaction tx, string id, CancellationToken ct) =>
        (await ReadAsync(tx, $"SELECT {Columns} FROM assist_model WHERE id = $1", ct, id)) is [var first, ..] ? first : null;

    public static Task<IReadOnlyList<ModelVersion>> ListAsync(StoreTransaction tx, string? kind, CancellationToken ct) =>
        kind is null
            ? ReadAsync(tx, $"SELECT {Columns} FROM assist_model ORDER BY kind, version", ct)
            : ReadAsync(tx, $"SELECT {Columns} FROM assist_model WHERE kind = $1 ORDER BY version", ct, kind);

    /// <summary>The version that serves a kind: the approved one, else the newest candidate; null when none is registered.</summary>
    public static async Task<ModelVersion?> ServingAsync(StoreTransaction tx, string kind, CancellationToken ct)
    {
        var versions = await ListAsync(tx, kind, ct);
        return versions.LastOrDefault(v => v.State == "approved") ?? versions.LastOrDefault(v => v.State == "candidate");
    }

    /// <summary>
    /// For kinds served by a fixed method (robust statistics, a regression fitted per request, a scoring rule): the
    /// serving version, registering version 1 of the method as a candidate the first time.
    /// </summary>
    public static async Task<ModelVersion> EnsureMethodAsync(StoreTransaction tx, string kind, string algorithm, CancellationToken ct) =>
        await ServingAsync(tx, kind, ct) ?? await RegisterAsync(tx, kind, algorithm, "method", "takt.assist", 0, 0, new ModelMetrics(), [], null, ct);

    public static async Task<byte[]?> ModelBytesAsync(StoreTransaction tx, string id, CancellationToken ct) =>
        await tx.Command("SELECT model FROM assist_model WHERE id = $1", id).ExecuteScalarAsync(ct) as byte[];

    private static async Task<IReadOnlyList<ModelVersion>> ReadAsync(StoreTransaction tx, string sql, CancellationToken ct, params object?[] args)
    {
        var list = new List<ModelVersion>();
        await using var reader = await tx.Command(sql, args).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ModelVersion(reader.GetString(0), reader.GetString(1), checked((int)reader.GetInt64(2)), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                Instants.FromUnixMicroseconds(reader.GetInt64(7)), reader.GetInt64(8), reader.GetInt64(9),
                JsonSerializer.Deserialize<ModelMetrics>(reader.GetString(10), Json)!, JsonSerializer.Deserialize<List<FeatureImportance>>(reader.GetString(11), Json)!,
                reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : Instants.FromUnixMicroseconds(reader.GetInt64(13)), reader.IsDBNull(14) ? null : reader.GetString(14),
                reader.IsDBNull(15) ? null : JsonSerializer.Deserialize<TrainingSet>(reader.GetString(15), Json)));
        }

        return list;
    }
}
