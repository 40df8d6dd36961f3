using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary>
/// <c>Idempotency-Key</c> on state-changing POSTs (DESIGN §6), per client. The first request with a key reserves
/// it, runs, and — when it succeeded (2xx) — stores its status and body; a repeat with the same method, path and
/// body gets that response again (<c>Idempotent-Replayed: true</c>) and changes nothing; a repeat with another
/// body is 422 <c>idempotency-key.reused</c>; one that arrives while the first still runs is 409
/// <c>idempotency-key.in-progress</c>. A failed request (4xx, 5xx) releases its key: like a rejected request it
/// leaves nothing behind, and the corrected request may use the same key. Keys expire after
/// <see cref="AccessOptions.IdempotencyKeyLifetime"/> (24 h by default). <c>POST /api/v1/events</c> is exempt:
/// CloudEvents (source, id) makes it idempotent already.
/// </summary>
internal sealed class IdempotencyKeys(RequestDelegate next, TaktStore store, AccessClock clock, AccessOptions options)
{
    public const string Header = "Idempotency-Key";
    private const string Field = "/headers/" + Header;

    public async Task InvokeAsync(HttpContext http)
    {
        var access = http.GetEndpoint()?.Metadata.GetMetadata<EndpointAccess>();
        var client = http.Features.Get<AccessDecision>()?.Client;
        if (access is not { IdempotencyKey: true } || client is null || !HttpMethods.IsPost(http.Request.Method))
        {
            await next(http);
            return;
        }

        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            await RespondAsync(http, Problem.Malformed([new Violation(Field, "idempotency-key.required", $"A POST that changes state needs an {Header} header: a unique value per request (a UUID), sent again unchanged on a retry.")]));
            return;
        }

        if (key.Length > 255 || key.Any(c => c is < '!' or > '~'))
        {
            await RespondAsync(http, Problem.Malformed([new Violation(Field, "idempotency-key.invalid", $"An {Header} is 1 to 255 visible ASCII characters.")]));
            return;
        }

        var body = await ReadBodyAsync(http.Request, options.MaxIdempotentBodyBytes, http.RequestAborted);
        if (body is null)
        {
            await RespondAsync(http, Problem.TooLarge(new Violation("", "payload.too-large", $"The body exceeds {options.MaxIdempotentBodyBytes} bytes.")));
            return;
        }

        http.Request.Body = new MemoryStream(body, writable: false);
        var path = http.Request.Path.Value + http.Request.QueryString.Value;
        var hash = Hash(http.Request.Method, path, body);
        var now = clock.Now;
        var ct = http.RequestAborted;

        await using (var connection = await store.OpenConnectionAsync(ct))
        {
            var earlier = await FindAsync(connection, client.ClientId, key, ct);
            if (earlier is not null && earlier.ExpiresAtUs <= now.ToUnixMicroseconds())
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM integration_idempotency WHERE client_id = @clientId AND idempotency_key = @key AND expires_at_us <= @now",
                    new { clientId = client.ClientId, key, now = now.ToUnixMicroseconds() }, cancellationToken: ct));
                earlier = null;
            }

            if (earlier is null)
            {
                try
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO integration_idempotency (client_id, idempotency_key, method, path, request_sha256, created_at_us, expires_at_us)
                        VALUES (@clientId, @key, @method, @path, @hash, @now, @expires)
                        """,
                        new { clientId = client.ClientId, key, method = http.Request.Method, path, hash, now = now.ToUnixMicroseconds(), expires = (now + options.IdempotencyKeyLifetime).ToUnixMicroseconds() },
                        cancellationToken: ct));
                }
                catch (System.Data.Common.DbException ex) when (Unique.IsViolation(ex))
                {
                    earlier = await FindAsync(connection, client.ClientId, key, ct);
                }
            }

            if (earlier is not null)
            {
                await AnswerRepeatAsync(http, key, hash, earlier);
                return;
            }
        }

        await RunAndStoreAsync(http, client.ClientId, key);
    }

    private async Task RunAndStoreAsync(HttpContext http, string clientId, string key)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        var stored = false;
        try
        {
            await next(http);
            if (http.Response.StatusCode is >= 200 and < 300)
            {
                await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE integration_idempotency SET status = @status, content_type = @contentType, body = @body WHERE client_id = @clientId AND idempotency_key = @key",
                    new { status = http.Response.StatusCode, contentType = http.Response.ContentType, body = WithoutSecrets(buffer.ToArray()), clientId, key }));
                stored = true;
            }
        }
        finally
        {
            http.Response.Body = original;
            if (!stored)
                await ReleaseAsync(clientId, key);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    private async Task ReleaseAsync(string clientId, string key)
    {
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM integration_idempotency WHERE client_id = @clientId AND idempotency_key = @key AND status IS NULL",
            new { clientId, key }));
    }

    private static async Task AnswerRepeatAsync(HttpContext http, string key, string hash, Stored earlier)
    {
        if (earlier.RequestSha256 != hash)
        {
            await RespondAsync(http, Problem.RuleViolated([new Violation(Field, "idempotency-key.reused",
                $"{Header} '{key}' was used at {Instants.FromUnixMicroseconds(earlier.CreatedAtUs):O} for {earlier.Method} {earlier.Path} with another body; a key stands for one request. Send a new key for a new request.")]));
            return;
        }

        if (earlier.Status is not { } status)
        {
            await RespondAsync(http, Problem.Conflict(new Violation(Field, "idempotency-key.in-progress",
                $"The first request with {Header} '{key}' is still running; retry later with the same key to get its response.")));
            return;
        }

        http.Response.StatusCode = (int)status;
        http.Response.ContentType = earlier.ContentType;
        http.Response.Headers["Idempotent-Replayed"] = "true";
        await http.Response.WriteAsync(earlier.Body ?? "", http.RequestAborted);
    }

    /// <summary>
    /// The response as stored: API keys and MQTT passwords (shown once, kept only as hashes) and webhook secrets
    /// (kept once, with their subscription) are replaced by a note, so the stored response of a key registration,
    /// rotation, MQTT login or webhook subscription holds no secret. A replay therefore shows none: a client that
    /// lost the first answer rotates the key or secret (or issues a new password).
    /// </summary>
    internal static string WithoutSecrets(byte[] body) =>
        Webhooks.WebhookSigner.Pattern().Replace(
            Mqtt.MqttCredentials.Pattern().Replace(ApiKeys.Pattern().Replace(Encoding.UTF8.GetString(body), SecretNotKept), SecretNotKept),
            SecretNotKept);

    public const string SecretNotKept = "(shown once and not kept; rotate the key if the first answer was lost)";

    private static async Task<Stored?> FindAsync(System.Data.Common.DbConnection connection, string clientId, string key, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(
            """
            SELECT method AS Method, path AS Path, request_sha256 AS RequestSha256, status AS Status, content_type AS ContentType, body AS Body,
                   created_at_us AS CreatedAtUs, expires_at_us AS ExpiresAtUs
            FROM integration_idempotency WHERE client_id = @clientId AND idempotency_key = @key
            """,
            new { clientId, key },
            cancellationToken: ct));

    private static string Hash(string method, string path, byte[] body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{method}\n{path}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static Task RespondAsync(HttpContext http, Problem problem)
    {
        http.Response.StatusCode = problem.Status;
        return http.Response.WriteAsJsonAsync(problem, Problem.Json, Problem.ContentType, http.RequestAborted);
    }

    private sealed class Stored
    {
        public string Method { get; set; } = "";
        public string Path { get; set; } = "";
        public string RequestSha256 { get; set; } = "";
        public long? Status { get; set; }
        public string? ContentType { get; set; }
        public string? Body { get; set; }
        public long CreatedAtUs { get; set; }
        public long ExpiresAtUs { get; set; }
    }
}
