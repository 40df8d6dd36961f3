using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using System.Globalization;
using System.Text.RegularExpressions;
using CloudNative.CloudEvents.SystemTextJson;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Integration.Gateway;

/// <summary>An event that passed the envelope and schema checks, with the hash idempotency compares.</summary>
public sealed record ValidatedEvent(InboundEvent Event, string Hash);

/// <summary>
/// The first two of the gateway's three checks: the CloudEvents envelope, then the JSON Schema of the type.
/// (Meaning — plant, order, units, period — is checked by the module that applies the event.)
/// </summary>
public sealed partial class EventValidation(IngestOptions options, TimeProvider clock)
{
    private static readonly JsonEventFormatter Formatter = new();

    /// <summary>The (source, id) of an element, when it has them, for per-event reports.</summary>
    public static (string? Source, string? Id) Identify(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
            ? (StringOrNull(element, "source"), StringOrNull(element, "id"))
            : (null, null);

    /// <summary>A structured-mode event (the whole body, or one element of a batch).</summary>
    public Outcome<ValidatedEvent> FromStructured(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return new Violation("", "cloudevents.object-required", "A CloudEvent in structured mode is a JSON object.");
        var violations = new List<Violation>();
        RequireString(element, "specversion", violations);
        RequireString(element, "id", violations);
        RequireString(element, "source", violations);
        RequireString(element, "type", violations);
        if (violations.Count == 0 && element.GetProperty("specversion").GetString() != "1.0")
            violations.Add(new Violation("/specversion", "cloudevents.specversion-unsupported", "Only CloudEvents specversion 1.0 is accepted."));
        if (element.TryGetProperty("data_base64", out _))
            violations.Add(new Violation("/data_base64", "cloudevents.data-json-required", "Takt events carry JSON data, not data_base64."));
        if (!element.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            violations.Add(new Violation("/data", "cloudevents.data-required", "The event needs data: a JSON object."));
        if (element.TryGetProperty("time", out var time) && (time.ValueKind != JsonValueKind.String || !IsRfc3339(time.GetString()!)))
            violations.Add(new Violation("/time", "cloudevents.time-invalid", "time must be an RFC 3339 timestamp with an offset."));
        if (violations.Count > 0)
            return violations.ToArray();

        // The attributes straight from the parsed element (the SDK's formatter would serialize and parse the
        // whole event again); the SDK still checks each attribute's name and value.
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0);
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (property.Name is "specversion" or "data" || value.ValueKind == JsonValueKind.Null)
                continue;
            try
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.String:
                        cloudEvent.SetAttributeFromString(property.Name, value.GetString()!);
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        cloudEvent[CloudEventAttribute.CreateExtension(property.Name, CloudEventAttributeType.Boolean)] = value.GetBoolean();
                        break;
                    case JsonValueKind.Number when value.TryGetInt32(out var number):
                        cloudEvent[CloudEventAttribute.CreateExtension(property.Name, CloudEventAttributeType.Integer)] = number;
                        break;
                    default:
                        return new Violation("/" + property.Name, "cloudevents.attribute-invalid", $"The CloudEvents attribute '{property.Name}' must be a string, a boolean or a 32-bit integer.");
                }
            }
            catch (ArgumentException ex)
            {
                return new Violation("", "cloudevents.invalid", ex.Message);
            }
        }

        cloudEvent.Data = data;
        return Check(cloudEvent);
    }

    /// <summary>A binary-mode event: attributes in <c>ce-</c> headers, data in the body.</summary>
    public Outcome<ValidatedEvent> FromBinary(IEnumerable<KeyValuePair<string, string?>> headers, ReadOnlyMemory<byte> body, string contentType)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0);
        var violations = new List<Violation>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, raw) in headers)
        {
            if (!name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase) || raw is null)
                continue;
            var attribute = name[3..].ToLowerInvariant();
            var value = Uri.UnescapeDataString(raw);
            seen.Add(attribute);
            if (attribute == "specversion")
            {
                if (value != "1.0")
                    violations.Add(new Violation("/specversion", "cloudevents.specversion-unsupported", "Only CloudEvents specversion 1.0 is accepted (header ce-specversion)."));
                continue;
            }

            try
            {
                cloudEvent.SetAttributeFromString(attribute, value);
            }
            catch (ArgumentException ex)
            {
                violations.Add(new Violation("/" + attribute, attribute == "time" ? "cloudevents.time-invalid" : "cloudevents.attribute-invalid", $"Header ce-{attribute}: {ex.Message}"));
            }
        }

        foreach (var required in new[] { "specversion", "id", "source", "type" })
        {
            if (!seen.Contains(required))
                violations.Add(new Violation("/" + required, "cloudevents.required", $"The ce-{required} header is required in binary mode."));
        }

        if (violations.Count > 0)
            return violations.ToArray();
        cloudEvent.DataContentType = contentType;
        try
        {
            Formatter.DecodeBinaryModeEventData(body, cloudEvent);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException)
        {
            return new Violation("/data", "json.malformed", $"The body is not valid JSON: {ex.Message}");
        }

        return Check(cloudEvent);
    }

    private Outcome<ValidatedEvent> Check(CloudEvent cloudEvent)
    {
        var type = cloudEvent.Type!;
        if (!EventTypes.All.TryGetValue(type, out var eventType))
            return new Violation("/type", "event.type-unknown", $"'{type}' is not a Takt event type; see contracts/events.");
        if (!eventType.Inbound)
            return new Violation("/type", "event.type-not-accepted", $"{type} is published by Takt, not accepted from clients.");
        if (cloudEvent.Time is not { } time)
            return new Violation("/time", "cloudevents.time-required", "Takt needs the event's time: it sets the posting date and the latency KPI.");
        if (time > clock.GetUtcNow() + options.MaxFutureSkew)
            return new Violation("/time", "event.time-in-future", $"The event's time {time:O} lies more than {options.MaxFutureSkew.TotalMinutes} minutes in the future.");
        if (cloudEvent.DataContentType is { } dct && !IsJson(dct))
            return new Violation("/datacontenttype", "cloudevents.datacontenttype-unsupported", $"Data must be JSON; got {dct}.");
        if (cloudEvent.Data is not JsonElement data || data.ValueKind != JsonValueKind.Object)
            return new Violation("/data", "cloudevents.data-required", "The event needs data: a JSON object.");

        var schemaViolations = EventSchemas.Validate(type, data);
        if (schemaViolations.Count > 0)
            return Outcome<ValidatedEvent>.FromViolations(schemaViolations);
        object typed;
        try
        {
            typed = data.Deserialize(eventType.DataType, EventTypes.Json)!;
        }
        catch (JsonException ex)
        {
            return new Violation("/data" + (ex.Path ?? "$")[1..].Replace('.', '/'), "schema.invalid", ex.Message);
        }

        var raw = data.GetRawText();
        var source = cloudEvent.Source!.ToString();
        var id = cloudEvent.Id!;
        var inbound = new InboundEvent(source, id, type, time.ToUniversalTime(), cloudEvent.Subject, typed, raw);
        return new ValidatedEvent(inbound, Hash(type, time, cloudEvent.Subject, raw));
    }

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What idempotency compares: the same (source, id) must carry the same type, time, subject and data.</summary>
    private static string Hash(string type, DateTimeOffset time, string? subject, string data)
    {
        var text = $"{type}\n{time.ToUniversalTime():O}\n{subject}\n{data}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static bool IsRfc3339(string text) =>
        Rfc3339().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex Rfc3339();

    private static void RequireString(JsonElement element, string name, List<Violation> violations)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
            violations.Add(new Violation("/" + name, "cloudevents.required", $"The CloudEvents attribute '{name}' is required (a non-empty string)."));
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
