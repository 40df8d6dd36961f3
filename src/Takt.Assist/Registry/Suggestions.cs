using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Assist.Registry;

/// <summary>A feature's share in one suggestion: how much it moved the score of the suggested answer.</summary>
public sealed record FeatureContribution(string Feature, double Contribution);

/// <summary>What a model suggests about a subject, before it is recorded.</summary>
public sealed record SuggestionDraft(string Kind, string? Plant, string SubjectType, string SubjectId, JsonNode Inputs, JsonNode Output, double Confidence, IReadOnlyList<FeatureContribution> Explanation);

/// <summary>A recorded suggestion.</summary>
/// <param name="PersonOnly">True: shown to a person only; nothing acts on it by itself.</param>
/// <param name="PersonOnlyReason">Why it is shown to a person only.</param>
/// <param name="Outcome"><c>accepted</c>, <c>overridden</c> or <c>rejected</c> once a person decided; null before.</param>
public sealed record Suggestion(string Id, string Kind, string ModelId, int ModelVersion, string? Plant, string SubjectType, string SubjectId, JsonNode Inputs, JsonNode Output,
    double Confidence, IReadOnlyList<FeatureContribution> Explanation, bool PersonOnly, string? PersonOnlyReason, DateTimeOffset CreatedAt,
    string? Outcome, string? DecidedBy, DateTimeOffset? DecidedAt, JsonNode? DecidedValue);

/// <summary>A person's decision on a suggestion.</summary>
/// <param name="Outcome"><c>accepted</c>, <c>overridden</c> (with <paramref name="Value"/>, what the person chose instead) or <c>rejected</c>.</param>
public sealed record SuggestionDecision(string Outcome, string DecidedBy, JsonNode? Value = null);

/// <summary>
/// The record of every suggestion (docs/assist.md): model and version, inputs, output, confidence, explanation,
/// whether it may act by itself, and what a person decided.
/// </summary>
public sealed class SuggestionLog(AssistOptions options)
{
    private const string Columns = "id, kind, model_id, model_version, plant, subject_type, subject_id, inputs, output, confidence, explanation, person_only, person_only_reason, created_at_us, outcome, decided_by, decided_at_us, decided_value";

    /// <summary>Why a suggestion of <paramref name="model"/> must go to a person, or null when it may act by itself.</summary>
    public string? PersonOnlyReason(ModelVersion model, string? plant, double confidence)
    {
        if (model.State != "approved")
            return $"model version {model.Id} is not approved";
        if (model.ApprovalScope is { } scope && scope != "*" && !string.Equals(scope, plant, StringComparison.Ordinal))
            return $"model version {model.Id} is approved for {scope} only";
        if (!(confidence >= options.MinConfidence))
            return $"confidence {confidence:0.000} is below {options.MinConfidence:0.00}";
        return null;
    }

    /// <summary>Records a suggestion in the caller's transaction.</summary>
    public async Task<Suggestion> RecordAsync(StoreTransaction tx, ModelVersion model, SuggestionDraft draft, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var reason = PersonOnlyReason(model, draft.Plant, draft.Confidence);
        var confidence = Math.Round(draft.Confidence, 6);
        IReadOnlyList<FeatureContribution> explanation = [.. draft.Explanation.Select(c => c with { Contribution = Math.Round(c.Contribution, 6) })];
        await tx.ExecuteAsync("INSERT INTO assist_suggestion (id, kind, model_id, model_version, plant, subject_type, subject_id, inputs, output, confidence, explanation, person_only, person_only_reason, created_at_us) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", ct,
            id, draft.Kind, model.Id, (long)model.Version, draft.Plant, draft.SubjectType, draft.SubjectId, draft.Inputs.ToJsonString(), draft.Output.ToJsonString(),
            confidence, JsonSerializer.Serialize(explanation, ModelRegistry.Json), reason is null ? 0L : 1L, reason, now.ToUnixMicroseconds());
        return new Suggestion(id, draft.Kind, model.Id, model.Version, draft.Plant, draft.SubjectType, draft.SubjectId, draft.Inputs, draft.Output, confidence, explanation,
            reason is not null, reason, now, null, null, null, null);
    }

    /// <summary>A person decides on a suggestion (once).</summary>
    public static async Task<Outcome<Suggestion>> DecideAsync(StoreTransaction tx, string id, SuggestionDecision decision, CancellationToken ct)
    {
        if (decision.Outcome is not ("accepted" or "overridden" or "rejected"))
            return new Violation("/outcome", "assist.outcome-unknown", "outcome is accepted, overridden or rejected.");
        if (string.IsNullOrWhiteSpace(decision.DecidedBy))
            return new Violation("/decidedBy", "assist.decider-required", "Name the person who decided.");
        if (ModelRegistry.SystemActors.Contains(decision.DecidedBy.Trim()))
            return new Violation("/decidedBy", "assist.decider-not-a-person", $"'{decision.DecidedBy}' is a system; a person decides on a suggestion.");
        if (decision.Outcome == "overridden" && decision.Value is null)
            return new Violation("/value", "assist.override-value-required", "An overridden suggestion names what the person chose instead.");
        var suggestion = await FindAsync(tx, id, ct);
        if (suggestion is null)
            return new Violation("/id", "assist.suggestion-unknown", $"Suggestion '{id}' does not exist.");
        if (suggestion.Outcome is not null)
            return new Violation("/id", "assist.suggestion-decided", $"Suggestion '{id}' was {suggestion.Outcome} by {suggestion.DecidedBy} already.");
        var now = tx.Clock.GetUtcNow();
        await tx.ExecuteAsync("UPDATE assist_suggestion SET outcome = $2, decided_by = $3, decided_at_us = $4, decided_value = $5 WHERE id = $1", ct,
            id, decision.Outcome, decision.DecidedBy.Trim(), now.ToUnixMicroseconds(), decision.Value?.ToJsonString());
        return suggestion with { Outcome = decision.Outcome, DecidedBy = decision.DecidedBy.Trim(), DecidedAt = now, DecidedValue = decision.Value?.DeepClone() };
    }

    public static async Task<Suggestion?> FindAsync(StoreTransaction tx, string id, CancellationToken ct) =>
        (await ReadAsync(tx, $"SELECT {Columns} FROM assist_suggestion WHERE id = $1", ct, id)) is [var first, ..] ? first : null;

    /// <summary>Newest first, optionally of one kind and plant.</summary>
    public static Task<IReadOnlyList<Suggestion>> ListAsync(StoreTransaction tx, string? kind, string? plant, int limit, CancellationToken ct) =>
        ReadAsync(tx, $"SELECT {Columns} FROM assist_suggestion WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR plant = $2) ORDER BY created_at_us DESC, id DESC LIMIT $3", ct,
            kind ?? "", plant ?? "", (long)limit);

    private static async Task<IReadOnlyList<Suggestion>> ReadAsync(StoreTransaction tx, string sql, CancellationToken ct, params object?[] args)
    {
        var list = new List<Suggestion>();
        await using var reader = await tx.Command(sql, args).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Suggestion(reader.GetString(0), reader.GetString(1), reader.GetString(2), checked((int)reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5), reader.GetString(6), JsonNode.Parse(reader.GetString(7))!, JsonNode.Parse(reader.GetString(8))!, reader.GetDouble(9),
                JsonSerializer.Deserialize<List<FeatureContribution>>(reader.GetString(10), ModelRegistry.Json)!, reader.GetInt64(11) != 0, reader.IsDBNull(12) ? null : reader.GetString(12),
                Instants.FromUnixMicroseconds(reader.GetInt64(13)), reader.IsDBNull(14) ? null : reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15),
                reader.IsDBNull(16) ? null : Instants.FromUnixMicroseconds(reader.GetInt64(16)), reader.IsDBNull(17) ? null : JsonNode.Parse(reader.GetString(17))));
        }

        return list;
    }
}
