using System.Security.Cryptography;
using System.Text;

namespace Takt.Integration.Access;

/// <summary>
/// API keys: <c>takt_&lt;key id&gt;_&lt;secret&gt;</c>, where the key id (16 hex digits) finds the row and the secret
/// is 32 random bytes (base64url). Only the SHA-256 of the whole key is stored; the key is shown once.
/// </summary>
internal static partial class ApiKeys
{
    private const string Prefix = "takt_";
    private const int KeyIdLength = 16;

    public static (string KeyId, string Key, string Sha256) New()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdLength / 2));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = $"{Prefix}{keyId}_{secret}";
        return (keyId, key, Hash(key));
    }

    /// <summary>The key id of a well-formed key; null otherwise.</summary>
    public static string? KeyIdOf(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length < Prefix.Length + KeyIdLength + 2 || key[Prefix.Length + KeyIdLength] != '_')
            return null;
        var keyId = key.Substring(Prefix.Length, KeyIdLength);
        return keyId.All(char.IsAsciiHexDigitLower) ? keyId : null;
    }

    /// <summary>A whole key anywhere in a text (to keep keys out of stored responses).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("takt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", System.Text.RegularExpressions.RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    public static partial System.Text.RegularExpressions.Regex Pattern();

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Compares hashes in constant time.</summary>
    public static bool Matches(string key, string storedSha256) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(storedSha256));
}
