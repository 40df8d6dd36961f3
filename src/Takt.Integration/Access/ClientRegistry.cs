using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary>An API key of a client, without its secret.</summary>
public sealed record ClientKey(string KeyId, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A registered client. <see cref="Plants"/> is <c>["*"]</c> for every plant.</summary>
public sealed record RegisteredClient(
    string Id,
    string Name,
    string Owner,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Plants,
    int LatencyObjectiveMs,
    int RateLimitPerMinute,
    int RateLimitBurst,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    IReadOnlyList<ClientKey> Keys,
    DateTimeOffset? MqttCredentialIssuedAt = null)
{
    public const string AllPlants = "*";

    [System.Text.Json.Serialization.JsonIgnore]
    public bool AllPlantsAllowed => Plants.Contains(AllPlants);
}

/// <summary>What registers a client; missing limits take the server's defaults.</summary>
public sealed record NewClient(
    string? Id,
    string? Name,
    string? Owner,
    IReadOnlyList<string>? Scopes,
    IReadOnlyList<string>? Plants,
    int? LatencyObjectiveMs = null,
    int? RateLimitPerMinute = null,
    int? RateLimitBurst = null,
    int? KeyExpiresInDays = null);

/// <summary>A new API key. <see cref="ApiKey"/> is shown this once; only its hash is stored.</summary>
public sealed record IssuedKey(string ClientId, string KeyId, string ApiKey, DateTimeOffset? ExpiresAt);

public sealed record ClientRegistered(RegisteredClient Client, IssuedKey Key);

/// <summary>
/// The caller of a request, as its credential proved it: its id, the credential (the key id, or
/// <c>jwt:&lt;jti&gt;</c> for an access token), scopes, plants (<c>*</c>: all) and rate limits.
/// </summary>
public sealed record ClientIdentity(string ClientId, string Credential, IReadOnlySet<string> Scopes, IReadOnlyList<string> Plants, int RateLimitPerMinute, int RateLimitBurst)
{
    public bool AllPlantsAllowed => Plants.Contains(RegisteredClient.AllPlants);

    public bool MayAccessPlant(string plant) => AllPlantsAllowed || Plants.Contains(plant);
}

/// <summary>
/// Registered clients and their API keys (the API, the CLI and the bootstrap call these directly). Each change
/// is one transaction; a rejected change writes nothing.
/// </summary>
public static partial class ClientRegistry
{
    public const string AdminClientId = "admin";

    /// <summary>Registers a client and issues its first key.</summary>
    public static async Task<Outcome<ClientRegistered>> RegisterAsync(TaktStore store, TimeProvider clock, AccessOptions options, NewClient request, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var key = await RegisterAsync(connection, tx, clock, options, request, ct);
        if (key.IsRejected)
            return Outcome<ClientRegistered>.FromViolations(key.Violations);
        await tx.CommitAsync(ct);
        return new ClientRegistered((await GetAsync(store, request.Id!, ct))!, key.Value);
    }

    /// <summary>Registers a client and issues its first key in the caller's store transaction (plant onboarding: all or nothing).</summary>
    public static Task<Outcome<IssuedKey>> RegisterAsync(StoreTransaction transaction, TimeProvider clock, AccessOptions options, NewClient request, CancellationToken ct) =>
        RegisterAsync(transaction.Connection, transaction.Transaction, clock, options, request, ct);

    private static async Task<Outcome<IssuedKey>> RegisterAsync(DbConnection connection, DbTransaction tx, TimeProvider clock, AccessOptions options, NewClient request, CancellationToken ct)
    {
        var violations = Validate(request);
        if (violations.Count > 0)
            return violations.ToArray();
        var now = clock.GetUtcNow();
        var scopes = request.Scopes!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var plants = request.Plants!.Contains(RegisteredClient.AllPlants) ? [RegisteredClient.AllPlants] : request.Plants!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM integration_client WHERE id = @id", new { id = request.Id }, tx, cancellationToken: ct)) > 0)
            return new Violation("/id", "client.id-taken", $"A client '{request.Id}' is already registered; choose another id.");
        try
        {
            await InsertClientAsync();
        }
        catch (DbException ex) when (Unique.IsViolation(ex))
        {
            return new Violation("/id", "client.id-taken", $"A client '{request.Id}' is already registered; choose another id.");
        }

        return await IssueKeyAsync(connection, tx, request.Id!, now, request.KeyExpiresInDays, ct);

        Task<int> InsertClientAsync() => connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO integration_client (id, name, owner, scopes, plants, latency_objective_ms, rate_limit_per_minute, rate_limit_burst, status, created_at_us)
            VALUES (@id, @name, @owner, @scopes, @plants, @latency, @perMinute, @burst, 'active', @now)
            """,
            new
            {
                id = request.Id,
                name = request.Name!.Trim(),
                owner = request.Owner!.Trim(),
                scopes = string.Join(' ', scopes),
                plants = plants is [RegisteredClient.AllPlants] ? null : string.Join(' ', plants),
                latency = request.LatencyObjectiveMs ?? options.DefaultLatencyObjectiveMs,
                perMinute = request.RateLimitPerMinute ?? options.DefaultRateLimitPerMinute,
                burst = request.RateLimitBurst ?? options.DefaultRateLimitBurst,
                now = now.ToUnixMicroseconds(),
            },
            tx,
            cancellationToken: ct));
    }

    /// <summary>
    /// Issues a new key. The client's other keys stop working after <paramref name="grace"/> (at once when
    /// zero), so callers can switch over without an outage; keys that expire earlier keep their expiry.
    /// </summary>
    public static async Task<Outcome<IssuedKey>> RotateAsync(TaktStore store, TimeProvider clock, string clientId, TimeSpan grace, int? expiresInDays, CancellationToken ct)
    {
        if (grace < TimeSpan.Zero || grace > TimeSpan.FromDays(30))
            return new Violation("/graceMinutes", "rotation.grace-invalid", "The grace period is 0 to 43,200 minutes (30 days).");
        if (expiresInDays is < 1 or > 3650)
            return new Violation("/expiresInDays", "key.expiry-invalid", "A key expires in 1 to 3,650 days, or never (omit it).");
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT status FROM integration_client WHERE id = @clientId", new { clientId }, tx, cancellationToken: ct));
        if (status is null)
            return Unknown(clientId);
        if (status == "revoked")
            return new Violation("", "client.revoked", $"Client '{clientId}' is revoked; register a new client instead.");
        var now = clock.GetUtcNow();
        var until = (now + grace).ToUnixMicroseconds();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE integration_client_key SET expires_at_us = @until WHERE client_id = @clientId AND revoked_at_us IS NULL AND (expires_at_us IS NULL OR expires_at_us > @until)",
            new { clientId, until }, tx, cancellationToken: ct));
        var key = await IssueKeyAsync(connection, tx, clientId, now, expiresInDays, ct);
        await tx.CommitAsync(ct);
        return key;
    }

    /// <summary>Revokes one key, or (no key id) the client and all its keys.</summary>
    public static async Task<Outcome<RegisteredClient>> RevokeAsync(TaktStore store, TimeProvider clock, string clientId, string? keyId, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT status FROM integration_client WHERE id = @clientId", new { clientId }, tx, cancellationToken: ct)) is null)
            return Unknown(clientId);
        var now = clock.GetUtcNow().ToUnixMicroseconds();
        if (keyId is not null)
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE integration_client_key SET revoked_at_us = @now WHERE client_id = @clientId AND key_id = @keyId AND revoked_at_us IS NULL",
                new { clientId, keyId, now }, tx, cancellationToken: ct));
            if (changed == 0 && await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM integration_client_key WHERE client_id = @clientId AND key_id = @keyId", new { clientId, keyId }, tx, cancellationToken: ct)) == 0)
                return new Violation("/keyId", "key.unknown", $"Client '{clientId}' has no key '{keyId}'.");
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE integration_client SET status = 'revoked', revoked_at_us = @now WHERE id = @clientId AND status = 'active'",
                new { clientId, now }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE integration_client_key SET revoked_at_us = @now WHERE client_id = @clientId AND revoked_at_us IS NULL",
                new { clientId, now }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return (await GetAsync(store, clientId, ct))!;
    }

    public static async Task<RegisteredClient?> GetAsync(TaktStore store, string clientId, CancellationToken ct) =>
        (await ReadAsync(store, clientId, ct)).SingleOrDefault();

    public static Task<IReadOnlyList<RegisteredClient>> ListAsync(TaktStore store, CancellationToken ct) => ReadAsync(store, null, ct);

    /// <summary>
    /// On a database without clients, registers <c>admin</c> with every scope and plant and returns its key
    /// (printed once by <c>takt run</c>); otherwise null. Safe when several nodes start at once.
    /// </summary>
    public static async Task<IssuedKey?> BootstrapAdminAsync(TaktStore store, TimeProvider clock, AccessOptions options, CancellationToken ct)
    {
        await using (var connection = await store.OpenConnectionAsync(ct))
        {
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM integration_client", cancellationToken: ct)) > 0)
                return null;
        }

        var registered = await RegisterAsync(store, clock, options, new NewClient(
            AdminClientId, "Administrator (bootstrap)", "takt", [.. Scopes.All], [RegisteredClient.AllPlants]), ct);
        return registered.IsRejected ? null : registered.Value.Key; // another node bootstrapped first
    }

    /// <summary>Checks an API key: the client it proves, or the rule it breaks (unknown, revoked, expired).</summary>
    public static async Task<Outcome<ClientIdentity>> AuthenticateKeyAsync(TaktStore store, TimeProvider clock, string apiKey, CancellationToken ct)
    {
        var keyId = ApiKeys.KeyIdOf(apiKey);
        if (keyId is null)
            return new Violation("/headers/X-Api-Key", "api-key.invalid", "The API key is not a Takt key (takt_<key id>_<secret>).");
        await using var connection = await store.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            """
            SELECT k.key_id AS KeyId, k.client_id AS ClientId, k.secret_sha256 AS SecretSha256, k.expires_at_us AS ExpiresAtUs, k.revoked_at_us AS RevokedAtUs,
                   c.status AS Status, c.scopes AS Scopes, c.plants AS Plants, c.rate_limit_per_minute AS RateLimitPerMinute, c.rate_limit_burst AS RateLimitBurst
            FROM integration_client_key k JOIN integration_client c ON c.id = k.client_id
            WHERE k.key_id = @keyId
            """,
            new { keyId },
            cancellationToken: ct));
        // Only the holder of the right secret learns whether a key was revoked or expired.
        if (row is null || !ApiKeys.Matches(apiKey, row.SecretSha256))
            return new Violation("/headers/X-Api-Key", "api-key.invalid", "The API key is not valid.");
        if (row.Status != "active")
            return new Violation("/headers/X-Api-Key", "client.revoked", $"Client '{row.ClientId}' is revoked.");
        if (row.RevokedAtUs is not null)
            return new Violation("/headers/X-Api-Key", "api-key.revoked", $"Key '{row.KeyId}' was revoked; use the client's current key.");
        if (row.ExpiresAtUs is { } expires && expires <= clock.GetUtcNow().ToUnixMicroseconds())
            return new Violation("/headers/X-Api-Key", "api-key.expired", $"Key '{row.KeyId}' expired at {Instants.FromUnixMicroseconds(expires):O}; rotate the client's key.");
        return new ClientIdentity(row.ClientId, row.KeyId, SplitSet(row.Scopes), Split(row.Plants), (int)row.RateLimitPerMinute, (int)row.RateLimitBurst);
    }

    /// <summary>The identity of an active client (for access tokens: scopes narrowed to <paramref name="tokenScopes"/>).</summary>
    public static async Task<ClientIdentity?> ActiveIdentityAsync(TaktStore store, string clientId, string credential, IReadOnlySet<string> tokenScopes, CancellationToken ct)
    {
        var client = await GetAsync(store, clientId, ct);
        if (client is null || client.Status != "active")
            return null;
        return new ClientIdentity(client.Id, credential, client.Scopes.Where(tokenScopes.Contains).ToHashSet(StringComparer.Ordinal), client.Plants, client.RateLimitPerMinute, client.RateLimitBurst);
    }

    private static Violation Unknown(string clientId) => new("/clientId", "client.unknown", $"No client '{clientId}' is registered.");

    private static async Task<IssuedKey> IssueKeyAsync(DbConnection connection, DbTransaction tx, string clientId, DateTimeOffset now, int? expiresInDays, CancellationToken ct)
    {
        var (keyId, key, sha256) = ApiKeys.New();
        DateTimeOffset? expires = expiresInDays is { } days ? now.AddDays(days) : null;
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO integration_client_key (key_id, client_id, secret_sha256, created_at_us, expires_at_us) VALUES (@keyId, @clientId, @sha256, @now, @expires)",
            new { keyId, clientId, sha256, now = now.ToUnixMicroseconds(), expires = expires?.ToUnixMicroseconds() },
            tx,
            cancellationToken: ct));
        return new IssuedKey(clientId, keyId, key, expires);
    }

    private static List<Violation> Validate(NewClient request)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrEmpty(request.Id) || !ClientIdPattern().IsMatch(request.Id))
            violations.Add(new Violation("/id", "client.id-invalid", "A client id is 2 to 64 lowercase letters, digits and hyphens, starting with a letter or digit (e.g. mes-pa01)."));
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            violations.Add(new Violation("/name", "client.name-required", "A client needs a name (at most 200 characters)."));
        if (string.IsNullOrWhiteSpace(request.Owner) || request.Owner.Length > 200)
            violations.Add(new Violation("/owner", "client.owner-required", "A client needs an owner: the person or team answerable for it (at most 200 characters)."));
        if (request.Scopes is not { Count: > 0 })
            violations.Add(new Violation("/scopes", "client.scopes-required", $"A client needs at least one scope: {string.Join(", ", Scopes.All.Order(StringComparer.Ordinal))}."));
        else
        {
            for (var i = 0; i < request.Scopes.Count; i++)
            {
                if (!Scopes.All.Contains(request.Scopes[i]))
                    violations.Add(new Violation($"/scopes/{i}", "client.scope-unknown", $"'{request.Scopes[i]}' is not a Takt scope; see README (Clients and access)."));
            }
        }

        if (request.Plants is not { Count: > 0 })
            violations.Add(new Violation("/plants", "client.plants-required", "Name the plants the client may act for, or [\"*\"] for every plant."));
        else
        {
            for (var i = 0; i < request.Plants.Count; i++)
            {
                if (request.Plants[i] != RegisteredClient.AllPlants && !PlantPattern().IsMatch(request.Plants[i] ?? ""))
                    violations.Add(new Violation($"/plants/{i}", "client.plant-invalid", $"'{request.Plants[i]}' is not a plant code (1 to 20 letters, digits, '-' or '_'), nor '*'."));
            }
        }

        if (request.LatencyObjectiveMs is <= 0 or > 3_600_000)
            violations.Add(new Violation("/latencyObjectiveMs", "client.latency-objective-invalid", "The latency objective is 1 to 3,600,000 ms."));
        if (request.RateLimitPerMinute is <= 0 or > 10_000_000)
            violations.Add(new Violation("/rateLimitPerMinute", "client.rate-limit-invalid", "The rate limit is 1 to 10,000,000 requests per minute."));
        if (request.RateLimitBurst is <= 0 or > 1_000_000)
            violations.Add(new Violation("/rateLimitBurst", "client.rate-limit-invalid", "The burst is 1 to 1,000,000 requests."));
        if (request.KeyExpiresInDays is < 1 or > 3650)
            violations.Add(new Violation("/keyExpiresInDays", "key.expiry-invalid", "A key expires in 1 to 3,650 days, or never (omit it)."));
        return violations;
    }

    private static async Task<IReadOnlyList<RegisteredClient>> ReadAsync(TaktStore store, string? clientId, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var clients = (await connection.QueryAsync<ClientRow>(new CommandDefinition(
            """
            SELECT id AS Id, name AS Name, owner AS Owner, scopes AS Scopes, plants AS Plants, latency_objective_ms AS LatencyObjectiveMs,
                   rate_limit_per_minute AS RateLimitPerMinute, rate_limit_burst AS RateLimitBurst, status AS Status,
                   created_at_us AS CreatedAtUs, revoked_at_us AS RevokedAtUs, mqtt_issued_at_us AS MqttIssuedAtUs
            FROM integration_client WHERE CAST(@clientId AS text) IS NULL OR id = @clientId ORDER BY id
            """,
            new { clientId },
            cancellationToken: ct))).ToList();
        var keys = (await connection.QueryAsync<KeyListRow>(new CommandDefinition(
            """
            SELECT client_id AS ClientId, key_id AS KeyId, created_at_us AS CreatedAtUs, expires_at_us AS ExpiresAtUs, revoked_at_us AS RevokedAtUs
            FROM integration_client_key WHERE CAST(@clientId AS text) IS NULL OR client_id = @clientId ORDER BY created_at_us, key_id
            """,
            new { clientId },
            cancellationToken: ct))).ToLookup(k => k.ClientId, StringComparer.Ordinal);
        return [.. clients.Select(c => new RegisteredClient(
            c.Id, c.Name, c.Owner, [.. c.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)], Split(c.Plants),
            (int)c.LatencyObjectiveMs, (int)c.RateLimitPerMinute, (int)c.RateLimitBurst, c.Status,
            Instants.FromUnixMicroseconds(c.CreatedAtUs), c.RevokedAtUs is { } r ? Instants.FromUnixMicroseconds(r) : null,
            [.. keys[c.Id].Select(k => new ClientKey(k.KeyId, Instants.FromUnixMicroseconds(k.CreatedAtUs),
                k.ExpiresAtUs is { } e ? Instants.FromUnixMicroseconds(e) : null, k.RevokedAtUs is { } kr ? Instants.FromUnixMicroseconds(kr) : null))],
            c.MqttIssuedAtUs is { } m ? Instants.FromUnixMicroseconds(m) : null))];
    }

    private static string[] Split(string? plants) =>
        plants is null ? [RegisteredClient.AllPlants] : plants.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static HashSet<string> SplitSet(string scopes) => scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex ClientIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,20}$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex PlantPattern();

    private sealed class KeyRow
    {
        public string KeyId { get; set; } = "";
        public string ClientId { get; set; } = "";
        public string SecretSha256 { get; set; } = "";
        public long? ExpiresAtUs { get; set; }
        public long? RevokedAtUs { get; set; }
        public string Status { get; set; } = "";
        public string Scopes { get; set; } = "";
        public string? Plants { get; set; }
        public long RateLimitPerMinute { get; set; }
        public long RateLimitBurst { get; set; }
    }

    private sealed class ClientRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string Owner { get; set; } = "";
        public string Scopes { get; set; } = "";
        public string? Plants { get; set; }
        public long LatencyObjectiveMs { get; set; }
        public long RateLimitPerMinute { get; set; }
        public long RateLimitBurst { get; set; }
        public string Status { get; set; } = "";
        public long CreatedAtUs { get; set; }
        public long? RevokedAtUs { get; set; }
        public long? MqttIssuedAtUs { get; set; }
    }

    private sealed class KeyListRow
    {
        public string ClientId { get; set; } = "";
        public string KeyId { get; set; } = "";
        public long CreatedAtUs { get; set; }
        public long? ExpiresAtUs { get; set; }
        public long? RevokedAtUs { get; set; }
    }
}
