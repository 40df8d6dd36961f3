using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;

namespace Takt.Server;

/// <summary>
/// The AsyncAPI 3.0 description of Takt's event channels, generated from the event registry: CloudEvents in
/// over HTTP (<c>POST /api/v1/events</c>) and MQTT (<c>takt/{plant}/{line}/{event}/{client}</c>, rejects on
/// <c>takt/deadletter/{plant}/{line}/{event}/{client}</c>), and out as signed webhooks. Each message's payload is the
/// type's JSON Schema (the same documents as <c>contracts/events/</c>) inside the CloudEvents envelope.
/// </summary>
public static class AsyncApiDocument
{
    public static string Generate()
    {
        var inbound = EventTypes.All.Values.Where(t => t.Inbound).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var outbound = EventTypes.All.Values.Where(t => !t.Inbound).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

        var messages = new JsonObject();
        var schemas = new JsonObject();
        foreach (var type in EventTypes.All.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var key = Key(type.Name);
            schemas[key] = JsonNode.Parse(EventSchemas.Document(type.Name));
            messages[key] = new JsonObject
            {
                ["name"] = type.Name,
                ["title"] = type.Name,
                ["summary"] = type.Inbound ? "Accepted from plant systems." : "Published by Takt.",
                ["contentType"] = "application/cloudevents+json",
                ["payload"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("specversion", "id", "source", "type", "time", "data"),
                    ["properties"] = new JsonObject
                    {
                        ["specversion"] = new JsonObject { ["const"] = "1.0" },
                        ["id"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                        ["source"] = new JsonObject { ["type"] = "string", ["format"] = "uri-reference" },
                        ["type"] = new JsonObject { ["const"] = type.Name },
                        ["time"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                        ["subject"] = new JsonObject { ["type"] = "string" },
                        ["datacontenttype"] = new JsonObject { ["const"] = "application/json" },
                        ["data"] = new JsonObject { ["$ref"] = $"#/components/schemas/{key}" },
                    },
                },
            };
        }

        var document = new JsonObject
        {
            ["asyncapi"] = "3.0.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Takt events",
                ["version"] = "1",
                ["description"] = "Shop-floor events into Takt and business events out of it, as CloudEvents 1.0. Inbound events are validated (envelope, schema, meaning) and idempotent by (source, id); outbound webhooks are signed (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature = v1,base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\") and delivered at least once, so receivers dedupe by webhook-id.",
            },
            ["defaultContentType"] = "application/cloudevents+json",
            ["channels"] = new JsonObject
            {
                ["httpIntake"] = new JsonObject
                {
                    ["address"] = "/api/v1/events",
                    ["title"] = "HTTP intake",
                    ["description"] = "POST one event (structured or binary mode) or a batch (application/cloudevents-batch+json). Answers carry each event's effects or an RFC 9457 problem.",
                    ["messages"] = Refs(inbound),
                    ["bindings"] = new JsonObject { ["http"] = new JsonObject { ["method"] = "POST" } },
                },
                ["mqttIntake"] = new JsonObject
                {
                    ["address"] = "takt/{plant}/{line}/{event}/{client}",
                    ["title"] = "MQTT intake",
                    ["description"] = "QoS 1, persistent session. The last level is the publishing client: it logs in to the broker as its client id, and the broker's ACL (takt clients mqtt-broker) lets it publish only under its own name. The topic's plant must be the event's data.plant, and the client needs the scope events:production:write and that plant, as over HTTP. A message is acknowledged after its event committed or was rejected.",
                    ["parameters"] = Parameters(),
                    ["messages"] = Refs(inbound),
                },
                ["mqttDeadLetter"] = new JsonObject
                {
                    ["address"] = "takt/deadletter/{plant}/{line}/{event}/{client}",
                    ["title"] = "MQTT dead letters",
                    ["description"] = "Rejected MQTT messages: the original and the problem detail; each client may read its own.",
                    ["parameters"] = Parameters(),
                },
                ["webhook"] = new JsonObject
                {
                    ["address"] = null,
                    ["title"] = "Webhook deliveries",
                    ["description"] = "POSTed to each subscription's URL (POST /api/v1/webhooks), filtered by event type and plant; in log order for ordered subscriptions.",
                    ["messages"] = Refs(outbound),
                    ["bindings"] = new JsonObject { ["http"] = new JsonObject { ["method"] = "POST" } },
                },
            },
            ["operations"] = new JsonObject
            {
                ["receiveOverHttp"] = Operation("receive", "httpIntake", inbound),
                ["receiveOverMqtt"] = Operation("receive", "mqttIntake", inbound),
                ["sendWebhook"] = Operation("send", "webhook", outbound),
            },
            ["components"] = new JsonObject { ["messages"] = messages, ["schemas"] = schemas },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Key(string type) => type.Replace('.', '_').Replace('-', '_');

    private static JsonObject Refs(IEnumerable<EventType> types)
    {
        var refs = new JsonObject();
        foreach (var type in types)
            refs[Key(type.Name)] = new JsonObject { ["$ref"] = $"#/components/messages/{Key(type.Name)}" };
        return refs;
    }

    private static JsonObject Operation(string action, string channel, IEnumerable<EventType> types) => new()
    {
        ["action"] = action,
        ["channel"] = new JsonObject { ["$ref"] = $"#/channels/{channel}" },
        ["messages"] = new JsonArray([.. types.Select(t => (JsonNode)new JsonObject { ["$ref"] = $"#/channels/{channel}/messages/{Key(t.Name)}" })]),
    };

    private static JsonObject Parameters() => new()
    {
        ["plant"] = new JsonObject { ["description"] = "Plant code, e.g. PA01." },
        ["line"] = new JsonObject { ["description"] = "Line or cell at the plant." },
        ["event"] = new JsonObject { ["description"] = "Short event name, e.g. operation-confirmed." },
        ["client"] = new JsonObject { ["description"] = "The registered client that publishes, its MQTT user name, e.g. mes-pa01." },
    };
}
