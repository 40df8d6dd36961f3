using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Assist.Registry;
using Takt.Contracts;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Assist.Planning;

/// <summary>A person's open task with its predicted impact and what makes it up.</summary>
/// <param name="Rank">1 = most impact.</param>
/// <param name="Impact">The score of <see cref="RiskAndPriority.PriorityAlgorithm"/>.</param>
/// <param name="ValueAtRisk">The largest money value among the flow's variables (0 when it has none).</param>
/// <param name="CustomerDueAt">The customer order due date the flow names (variable <c>customerDueAt</c>), if any.</param>
/// <param name="Explanation">The impact's terms in words, e.g. "value at risk 4.68 + SLA 9.37".</param>
public sealed record InboxEntry(int Rank, double Impact, decimal ValueAtRisk, DateTimeOffset? CustomerDueAt, IReadOnlyList<FeatureContribution> Drivers, string Explanation, TaskView Task);

/// <summary>A person's inbox sorted by predicted impact, and the recorded prioritization suggestion.</summary>
public sealed record ImpactInboxView(string User, string? Plant, IReadOnlyList<InboxEntry> Items, Suggestion? Suggestion);

/// <summary>
/// The task inbox sorted by predicted impact (docs/assist.md): each open task of a person (approvals, invoice
/// exception resolutions, quality and integration tasks — everything that waits on a person is a flow task) is an
/// open item with the flow's largest money variable as value at risk, the flow's customer due date
/// (<c>customerDueAt</c>, an ISO 8601 instant; anything else is no date), <c>customerOrder</c> naming a customer order and the task's SLA. The ranking is a
/// prioritization suggestion, recorded once per distinct order; it only sorts, it decides nothing.
/// </summary>
public sealed class ImpactInbox(IOrchestration flows, SuggestionLog suggestions)
{
    /// <summary>Ranks the person's open tasks and records the order (a new suggestion only when it differs from the last one recorded for that inbox).</summary>
    public async Task<ImpactInboxView> RankAsync(TaktStore store, TimeProvider clock, string user, string? plant, Func<string, bool>? maySee, CancellationToken ct)
    {
        var tasks = (await flows.InboxAsync(store, user, plant, ct)).Where(t => maySee?.Invoke(t.Plant) ?? true).ToList();
        var instances = new Dictionary<string, InstanceView>(StringComparer.Ordinal);
        foreach (var id in tasks.Select(t => t.InstanceId).Distinct(StringComparer.Ordinal))
        {
            if (await flows.InstanceAsync(store, id, ct) is { } instance)
                instances[id] = instance;
        }

        var items = new List<OpenItem>(tasks.Count);
        var facts = new Dictionary<string, (decimal Value, DateTimeOffset? Due)>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            var variables = instances.GetValueOrDefault(task.InstanceId)?.Variables;
            var value = ValueAtRisk(variables);
            var due = CustomerDueAt(variables);
            facts[task.Id] = (value, due);
            items.Add(new OpenItem(task.Id, Kind(task), task.Plant, value, due, task.DueAt, IsCustomerOrder(variables)));
        }

        var subject = $"{user}@{plant ?? "*"}";
        var outcome = await store.WriteAsync(clock, async tx => (Outcome<ImpactInboxView>)await RecordAsync(tx, user, plant, subject, tasks, items, facts, ct), ct);
        return outcome.Value;
    }

    private async Task<ImpactInboxView> RecordAsync(StoreTransaction tx, string user, string? plant, string subject, List<TaskView> tasks, List<OpenItem> items,
        Dictionary<string, (decimal Value, DateTimeOffset? Due)> facts, CancellationToken ct)
    {
        {
            var ranked = RiskAndPriority.Rank(items, tx.Clock.GetUtcNow());
            var byId = tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
            var entries = ranked.Select(r => new InboxEntry(r.Rank, r.Impact, facts[r.Id].Value, facts[r.Id].Due, r.Drivers, Explain(r.Drivers), byId[r.Id])).ToList();
            if (entries.Count == 0)
                return new ImpactInboxView(user, plant, entries, null);
            var order = new JsonArray([.. ranked.Select(r => (JsonNode?)JsonValue.Create(r.Id))]);
            var last = await LastAsync(tx, subject, ct);
            if (last is not null && JsonNode.DeepEquals(last.Output["order"], order))
                return new ImpactInboxView(user, plant, entries, last);
            var model = await ModelRegistry.EnsureMethodAsync(tx, AssistKinds.Prioritization, RiskAndPriority.PriorityAlgorithm, ct);
            var plants = items.Select(i => i.Plant).Distinct(StringComparer.Ordinal).ToList();
            var suggestion = await suggestions.RecordAsync(tx, model, new SuggestionDraft(AssistKinds.Prioritization, plants.Count == 1 ? plants[0] : null, "inbox", subject,
                JsonSerializer.SerializeToNode(items, ModelRegistry.Json)!, new JsonObject { ["order"] = order, ["impacts"] = new JsonArray([.. ranked.Select(r => (JsonNode?)JsonValue.Create(r.Impact))]) },
                1.0, ranked[0].Drivers), ct);
            return new ImpactInboxView(user, plant, entries, suggestion);
        }
    }

    /// <summary>The impact's non-zero terms in words.</summary>
    public static string Explain(IReadOnlyList<FeatureContribution> drivers)
    {
        var parts = drivers.Where(d => d.Contribution != 0).Select(d => $"{Words(d.Feature)} {d.Contribution.ToString("0.00", CultureInfo.InvariantCulture)}").ToList();
        return parts.Count == 0 ? "no value at risk, no due date, no SLA" : string.Join(" + ", parts);
    }

    private static string Words(string feature) => feature switch
    {
        "valueAtRisk" => "value at risk",
        "dueDate" => "customer due date",
        "sla" => "SLA",
        "customerOrder" => "customer order",
        _ => feature,
    };

    private static string Kind(TaskView task) => task.Flow switch
    {
        var f when f.StartsWith("invoice-exception", StringComparison.Ordinal) => "invoice-exception",
        var f when f.Contains("quality", StringComparison.Ordinal) => "quality-issue",
        var f when f.Contains("integration", StringComparison.Ordinal) => "integration-exception",
        _ => "task",
    };

    /// <summary>The largest money value (an object with <c>amount</c> and <c>currency</c>) among the variables, as a magnitude.</summary>
    public static decimal ValueAtRisk(JsonObject? variables)
    {
        var value = 0m;
        if (variables is null)
            return value;
        foreach (var (_, node) in variables)
        {
            if (node is JsonObject money && money["amount"] is JsonValue amount && money["currency"] is not null && amount.TryGetValue<decimal>(out var a))
                value = Math.Max(value, Math.Abs(a));
            else if (node is JsonObject money2 && money2["amount"] is JsonValue text && text.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed))
                value = Math.Max(value, Math.Abs(parsed));
        }

        return value;
    }

    /// <summary>A customer order is named (<c>customerOrder</c> other than empty, <c>none</c> or <c>no</c>) or flagged (<c>customerOrder: true</c>).</summary>
    private static bool IsCustomerOrder(JsonObject? variables) => variables?["customerOrder"] is JsonValue v &&
        ((v.TryGetValue<string>(out var s) && s.Trim() is { Length: > 0 } name && !name.Equals("none", StringComparison.OrdinalIgnoreCase) && !name.Equals("no", StringComparison.OrdinalIgnoreCase))
            || (v.TryGetValue<bool>(out var b) && b));

    private static DateTimeOffset? CustomerDueAt(JsonObject? variables) =>
        variables?["customerDueAt"] is JsonValue v && v.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var due) ? due : null;

    private static async Task<Suggestion?> LastAsync(StoreTransaction tx, string subject, CancellationToken ct)
    {
        await using var command = tx.Command("SELECT id FROM assist_suggestion WHERE kind = $1 AND subject_type = 'inbox' AND subject_id = $2 ORDER BY created_at_us DESC, id DESC LIMIT 1",
            AssistKinds.Prioritization, subject);
        return await command.ExecuteScalarAsync(ct) is string id ? await SuggestionLog.FindAsync(tx, id, ct) : null;
    }
}
