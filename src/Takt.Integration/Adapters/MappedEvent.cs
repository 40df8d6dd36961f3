using System.Globalization;
using System.Text.Json.Nodes;
using Takt.Contracts;

namespace Takt.Integration.Adapters;

/// <summary>
/// A canonical event an adapter made from one part of a plant document (a B2MML MaterialActual, a CSV line),
/// before the gateway checks it, with where it came from: a violation found in the CloudEvent
/// (<c>/data/quantity/unit</c>) is reported at the part of the document it came from (<c>/lines/7/unit</c>).
/// </summary>
/// <param name="Type">CloudEvents type.</param>
/// <param name="Id">Deterministic CloudEvents id: the same document gives the same ids, so re-posting it is idempotent.</param>
/// <param name="Time">When it happened (the event's CloudEvents time).</param>
/// <param name="Subject">CloudEvents subject (the production order).</param>
/// <param name="Data">The event's data.</param>
/// <param name="Origin">The document part it came from, e.g. <c>/SyncProductionPerformance/DataArea[1]/…/MaterialActual[1]</c>.</param>
/// <param name="Fields">CloudEvent pointers (<c>/data/item</c>, <c>/time</c>) to the document parts that gave them.</param>
internal sealed record MappedEvent(
    string Type,
    string Id,
    DateTimeOffset Time,
    string? Subject,
    JsonObject Data,
    string Origin,
    IReadOnlyDictionary<string, string> Fields)
{
    public JsonObject ToCloudEvent(string source)
    {
        var cloudEvent = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Id,
            ["source"] = source,
            ["type"] = Type,
            ["time"] = Time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
            ["datacontenttype"] = "application/json",
            ["data"] = Data.DeepClone(),
        };
        if (Subject is not null)
            cloudEvent["subject"] = Subject;
        return cloudEvent;
    }

    /// <summary>The violation, pointing into the document instead of into the CloudEvent.</summary>
    public Violation Locate(Violation violation)
    {
        string? best = null;
        foreach (var key in Fields.Keys)
        {
            var matches = violation.Field == key || violation.Field.StartsWith(key + "/", StringComparison.Ordinal);
            if (matches && (best is null || key.Length > best.Length))
                best = key;
        }

        return violation with { Field = best is null ? Origin : Fields[best] + violation.Field[best.Length..] };
    }
}

/// <summary>A part of a document that maps to no canonical event, and why (reported, never silently dropped).</summary>
/// <param name="Origin">Where in the document.</param>
/// <param name="Reason">Why it was not mapped.</param>
public sealed record IgnoredPart(string Origin, string Reason);

/// <summary>What an adapter made of a document.</summary>
/// <param name="Key">The document's identity: <c>bod:…</c> (its BODID) or <c>sha256:…</c> of its bytes.</param>
/// <param name="Events">The canonical events, in document order.</param>
/// <param name="Ignored">The parts that map to no event.</param>
internal sealed record MappedDocument(string Key, IReadOnlyList<MappedEvent> Events, IReadOnlyList<IgnoredPart> Ignored);
