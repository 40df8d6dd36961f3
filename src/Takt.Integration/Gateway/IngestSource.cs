namespace Takt.Integration.Gateway;

/// <summary>
/// Who sent events into the gateway: the channel (an adapter's name, <c>mqtt</c>) and the client. Adapters and
/// the MQTT intake take it as a parameter so that the registered client (issue 4: clients, scopes, plant
/// restrictions) can be attached where the request is authenticated, without changing how events are mapped.
/// </summary>
/// <param name="Channel">The adapter or transport, e.g. <c>b2mml-v0401-production-performance</c>, <c>mqtt</c>.</param>
/// <param name="Client">The registered client, once clients exist; null until then.</param>
public sealed record IngestSource(string Channel, string? Client = null);
