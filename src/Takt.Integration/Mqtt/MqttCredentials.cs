using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Takt.Contracts;
using Takt.Integration.Access;
using Takt.Store;

namespace Takt.Integration.Mqtt;

/// <summary>A client's MQTT login: the user is the client id; <see cref="Password"/> is shown this once.</summary>
public sealed record MqttCredential(string ClientId, string Username, string Password, DateTimeOffset IssuedAt);

/// <summary>The broker's files, generated from the registry: a mosquitto <c>password_file</c> and <c>acl_file</c>.</summary>
public sealed record MqttBrokerFiles(string PasswordFile, string AclFile, int Clients);

/// <summary>
/// MQTT identity per client (docs/mqtt.md). A registered client logs in to the broker as its id with a password
/// of its own; the broker's ACL lets every user publish only on topics that end in its own user name
/// (<c>{prefix}/{plant}/{line}/{event}/{client}</c>) and read only its own dead letters, so the last topic level
/// names the client the broker authenticated, and no client can publish as another. Takt then decides what that
/// client may do (scope, plants, revocation) from the registry, as for HTTP. Only a hash is kept, in the form
/// mosquitto's <c>password_file</c> reads (PBKDF2-SHA512, as <c>mosquitto_passwd</c> writes it), so the broker's
/// files can be generated from the registry at any time without knowing a password.
/// </summary>
public static partial class MqttCredentials
{
    private const string PasswordPrefix = "taktmqtt_";

    // mosquitto_passwd's defaults (mosquitto 2.0: $7$, 101 iterations, 12-byte salt, 64-byte hash). The password is
    // 32 random bytes, so the iteration count protects nothing a guess could find anyway.
    private const int Iterations = 101;
    private const int SaltBytes = 12;

    /// <summary>Issues a new MQTT password for an active client; the previous one stops working once the broker's files are regenerated.</summary>
    public static async Task<Outcome<MqttCredential>> IssueAsync(TaktStore store, TimeProvider clock, string clientId, CancellationToken ct)
    {
        var password = PasswordPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT status FROM integration_client WHERE id = @clientId", new { clientId }, tx, cancellationToken: ct));
        if (status is null)
            return new Violation("/clientId", "client.unknown", $"No client '{clientId}' is registered.");
        if (status != "active")
            return new Violation("/clientId", "client.revoked", $"Client '{clientId}' is revoked; register a new client instead.");
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE integration_client SET mqtt_password_hash = @hash, mqtt_issued_at_us = @now WHERE id = @clientId",
            new { clientId, hash = Hash(password), now = now.ToUnixMicroseconds() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new MqttCredential(clientId, clientId, password, now);
    }

    /// <summary>
    /// The broker's password file and ACL for every active client with an MQTT credential, plus the intake's own
    /// user (<paramref name="intakeUser"/>, which reads the shop-floor topics and writes dead letters).
    /// </summary>
    public static async Task<Outcome<MqttBrokerFiles>> BrokerFilesAsync(TaktStore store, string intakeUser, string intakePassword, string topicPrefix, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var clients = (await connection.QueryAsync<(string Id, string Hash)>(new CommandDefinition(
            "SELECT id, mqtt_password_hash FROM integration_client WHERE status = 'active' AND mqtt_password_hash IS NOT NULL ORDER BY id",
            cancellationToken: ct))).ToList();
        if (clients.Any(c => c.Id == intakeUser))
            return new Violation("/intakeUser", "mqtt.intake-user-taken", $"'{intakeUser}' is a registered client's MQTT user; give the intake another user name.");
        if (string.IsNullOrEmpty(intakePassword))
            return new Violation("/intakePassword", "mqtt.intake-password-required", "The intake's broker password is required (TAKT_MQTT_PASSWORD).");
        var passwords = new StringBuilder();
        passwords.Append(CultureInfo.InvariantCulture, $"{intakeUser}:{Hash(intakePassword)}\n");
        foreach (var (id, hash) in clients)
            passwords.Append(CultureInfo.InvariantCulture, $"{id}:{hash}\n");
        return new MqttBrokerFiles(passwords.ToString(), AclFile(intakeUser, topicPrefix), clients.Count);
    }

    /// <summary>
    /// The broker's ACL: the intake reads the shop-floor topics and writes dead letters; every other user (a client,
    /// whose user is its id) publishes only on topics that end in its own name and reads only its own dead letters.
    /// </summary>
    public static string AclFile(string intakeUser, string topicPrefix) => $"""
        # Generated by `takt clients mqtt-broker` from the client registry; regenerate it, do not edit it.
        # The intake: reads the shop-floor topics, writes dead letters.
        user {intakeUser}
        topic read {topicPrefix}/#
        topic write {topicPrefix}/deadletter/#

        # Every client (its user is its id): publishes only on topics that end in its own name, reads only its own dead letters.
        pattern write {topicPrefix}/+/+/+/%u
        pattern read {topicPrefix}/deadletter/+/+/+/%u

        """;

    /// <summary>What the intake needs to know of the clients a batch names: status, scopes, plants, credential.</summary>
    internal sealed record Publisher(string Id, string Status, IReadOnlySet<string> Scopes, IReadOnlyList<string> Plants, bool HasCredential)
    {
        public bool MayAccessPlant(string plant) => Plants.Contains(RegisteredClient.AllPlants) || Plants.Contains(plant);
    }

    internal static async Task<IReadOnlyDictionary<string, Publisher>> PublishersAsync(TaktStore store, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return new Dictionary<string, Publisher>(StringComparer.Ordinal);
        await using var connection = await store.OpenConnectionAsync(ct);
        var found = new Dictionary<string, Publisher>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(100))
        {
            // One query per hundred clients; a batch names a few.
            var names = string.Join(", ", chunk.Select((_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)));
            var parameters = new DynamicParameters();
            for (var i = 0; i < chunk.Length; i++)
                parameters.Add("p" + i.ToString(CultureInfo.InvariantCulture), chunk[i]);
            var rows = await connection.QueryAsync<(string Id, string Status, string Scopes, string? Plants, string? Hash)>(new CommandDefinition(
                $"SELECT id, status, scopes, plants, mqtt_password_hash FROM integration_client WHERE id IN ({names})", parameters, cancellationToken: ct));
            foreach (var r in rows)
            {
                found[r.Id] = new Publisher(
                    r.Id, r.Status, r.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
                    r.Plants is null ? [RegisteredClient.AllPlants] : r.Plants.Split(' ', StringSplitOptions.RemoveEmptyEntries), r.Hash is not null);
            }
        }

        return found;
    }

    /// <summary>A whole MQTT password anywhere in a text (to keep it out of stored responses, like API keys).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("taktmqtt_[A-Za-z0-9_-]{43}", System.Text.RegularExpressions.RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    internal static partial System.Text.RegularExpressions.Regex Pattern();

    /// <summary>mosquitto's <c>$7$</c> form: PBKDF2-HMAC-SHA512 (BCL) over a random salt, base64.</summary>
    internal static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA512, 64);
        return $"$7${Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }
}
