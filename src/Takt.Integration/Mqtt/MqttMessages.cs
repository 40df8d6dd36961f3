using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Mqtt;

/// <summary>Where a message came from: <c>{prefix}/{plant}/{line}/{event}</c>.</summary>
internal sealed record ShopFloorTopic(string Topic, string Plant, string Line, string Event)
{
    public static ShopFloorTopic Parse(string topic, string prefix)
    {
        var levels = topic.Split('/');
        return levels.Length == 4 && levels[0] == prefix
            ? new ShopFloorTopic(topic, levels[1], levels[2], levels[3])
            : new ShopFloorTopic(topic, "", "", "");
    }

    public bool IsValid => Plant.Length > 0 && Line.Length > 0 && Event.Length > 0;

    /// <summary><c>{prefix}/deadletter/{plant}/{line}/{event}</c>: the same place, under the dead-letter branch.</summary>
    public string DeadLetterTopic(MqttOptions options) =>
        IsValid ? $"{options.DeadLetterPrefix}/{Plant}/{Line}/{Event}" : $"{options.DeadLetterPrefix}/{Topic.Replace('#', '_').Replace('+', '_')}";
}

/// <summary>What the MQTT intake decided about one message before (or instead of) the pipeline.</summary>
internal sealed record Inspected(ShopFloorTopic Topic, ValidatedEvent? Event, Problem? Problem, string? Source, string? Id, string? Type);

/// <summary>
/// The checks a shop-floor MQTT message passes: the same as <c>POST /api/v1/events</c> in structured mode
/// (<see cref="EventValidation"/>), plus the topic's: the plant in the topic is the event's plant (a device that may
/// publish for Plant A — the broker's ACL grants topics per plant — cannot post for Plant B), and the event level
/// names the event's type.
/// </summary>
internal static class MqttMessages
{
    public static Inspected Inspect(string topicName, byte[] payload, MqttOptions options, IngestOptions ingest, EventValidation validation)
    {
        var topic = ShopFloorTopic.Parse(topicName, options.TopicPrefix);
        if (!topic.IsValid)
            return Rejected(topic, Problem.Malformed([new Violation("", "mqtt.topic-invalid", $"'{topicName}' is not {options.TopicPrefix}/<plant>/<line>/<event>.")]));
        if (payload.Length > ingest.MaxBodyBytes)
            return Rejected(topic, Problem.TooLarge(new Violation("", "payload.too-large", $"The message exceeds {ingest.MaxBodyBytes} bytes.")));
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            return Rejected(topic, Problem.Malformed([new Violation("", "json.malformed", "The payload is not JSON: send a CloudEvent in structured mode.")]));
        }

        using (document)
        {
            var (source, id) = EventValidation.Identify(document.RootElement);
            var type = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var validated = validation.FromStructured(document.RootElement);
            if (validated.IsRejected)
                return new Inspected(topic, null, Problem.Malformed(validated.Violations), source, id, type);

            var e = validated.Value.Event;
            var named = e.Type.Split('.') is [.., var name, _] ? name : e.Type;
            if (named != topic.Event)
            {
                return new Inspected(topic, null, Problem.Malformed([new Violation("/type", "mqtt.event-mismatch",
                    $"The topic's event level is '{topic.Event}', the event is a {e.Type}: publish it on {options.TopicPrefix}/{topic.Plant}/{topic.Line}/{named}.")]), source, id, type);
            }

            var plant = JsonNode.Parse(e.DataJson)?["plant"]?.GetValue<string>();
            if (plant != topic.Plant)
            {
                return new Inspected(topic, null, Problem.RuleViolated([new Violation("/data/plant", "mqtt.plant-mismatch",
                    $"The topic is for plant '{topic.Plant}', the event for plant '{plant}': a plant's devices post for their own plant only.")]), source, id, type);
            }

            return new Inspected(topic, validated.Value, null, source, id, type);
        }
    }

    /// <summary>The dead letter: the original message and why it was refused (RFC 9457).</summary>
    public static byte[] DeadLetter(Inspected message, Problem problem, byte[] bytes, DateTimeOffset at)
    {
        var letter = new JsonObject
        {
            ["topic"] = message.Topic.Topic,
            ["rejectedAt"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["problem"] = JsonSerializer.SerializeToNode(problem, Problem.Json),
        };
        JsonNode? original = null;
        try
        {
            original = JsonNode.Parse(bytes);
        }
        catch (JsonException)
        {
            // Not JSON: carried as text (or base64) below.
        }

        if (original is not null)
        {
            letter["payload"] = original;
        }
        else
        {
            var (text, encoding) = IntegrationLog.Text(bytes);
            letter["payload"] = text;
            letter["payloadEncoding"] = encoding;
        }

        return JsonSerializer.SerializeToUtf8Bytes(letter);
    }

    private static Inspected Rejected(ShopFloorTopic topic, Problem problem) => new(topic, null, problem, null, null, null);
}
