using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Mqtt;

/// <summary>A rejected inbound message, as <c>GET /api/v1/integration-log</c> lists it.</summary>
public sealed record IntegrationLogEntry(
    string Id,
    DateTimeOffset LoggedAt,
    string Channel,
    string? Client,
    string? Plant,
    string? Topic,
    string? EventSource,
    string? EventId,
    string? EventType,
    int Status,
    string Rule,
    Problem Problem,
    string Payload,
    string PayloadEncoding);

/// <summary>
/// The integration log: every message rejected on a channel where nobody waits for an answer (MQTT), with the
/// reason. An HTTP client gets its problem in the response instead, and its rejected request changes nothing.
/// </summary>
internal static class IntegrationLog
{
    public sealed record Rejected(string Channel, string? Client, string? Plant, string Topic, string? Source, string? Id, string? Type, Problem Problem, ReadOnlyMemory<byte> Payload);

    /// <summary>Records a rejection; the same message (channel, topic, payload) delivered again is recorded once.</summary>
    public static async Task RecordAsync(TaktStore store, TimeProvider clock, Rejected entry, CancellationToken ct)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes($"{entry.Channel}\n{entry.Topic}\n"), .. entry.Payload.Span]));
        var (payload, encoding) = Text(entry.Payload);
        await using var session = await store.OpenSessionAsync(clock, ct, background: true);
        await using var tx = await session.BeginAsync(ct);
        tx.Stage(
            "INSERT INTO integration_log (id, logged_at_us, channel, client, plant, topic, event_source, event_id, event_type, status, rule, problem, payload, payload_encoding) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
            key, clock.GetUtcNow().ToUnixMicroseconds(), entry.Channel, entry.Client, entry.Plant, entry.Topic, entry.Source, entry.Id, entry.Type,
            entry.Problem.Status, entry.Problem.Errors.Count > 0 ? entry.Problem.Errors[0].Rule : entry.Problem.Type, JsonSerializer.Serialize(entry.Problem, Problem.Json), payload, encoding);
        await tx.CommitAsync(ct, recordCommit: false);
    }

    /// <summary>The payload as text when it is UTF-8, else as base64.</summary>
    public static (string Text, string Encoding) Text(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload.Span), "utf-8");
        }
        catch (DecoderFallbackException)
        {
            return (Convert.ToBase64String(payload.Span), "base64");
        }
    }

    public static void Map(RouteGroupBuilder api) => api.MapGet("/integration-log", async (TaktStore store, string? channel, int? limit, CancellationToken ct) =>
            Results.Ok(await ListAsync(store, channel, Math.Clamp(limit ?? 100, 1, 1000), ct)))
        .Produces<IReadOnlyList<IntegrationLogEntry>>(200)
        .WithName("ListIntegrationLog")
        .WithSummary("Inbound messages rejected where nobody waits for an answer (MQTT), newest first, with the problem.");

    private static async Task<IReadOnlyList<IntegrationLogEntry>> ListAsync(TaktStore store, string? channel, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Id, long At, string Channel, string? Client, string? Plant, string? Topic, string? Source, string? EventId, string? Type, long Status, string Rule, string Problem, string Payload, string Encoding)>(
            new CommandDefinition(
                "SELECT id, logged_at_us, channel, client, plant, topic, event_source, event_id, event_type, status, rule, problem, payload, payload_encoding " +
                $"FROM integration_log WHERE (CAST(@channel AS text) IS NULL OR channel = @channel) ORDER BY logged_at_us DESC, id LIMIT {limit}",
                new { channel }, cancellationToken: ct));
        return [.. rows.Select(r => new IntegrationLogEntry(r.Id, Instants.FromUnixMicroseconds(r.At), r.Channel, r.Client, r.Plant, r.Topic, r.Source, r.EventId, r.Type,
            (int)r.Status, r.Rule, JsonSerializer.Deserialize<Problem>(r.Problem, Problem.Json)!, r.Payload, r.Encoding))];
    }
}
