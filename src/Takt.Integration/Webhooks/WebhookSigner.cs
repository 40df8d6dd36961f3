using System.Security.Cryptography;
using System.Text;

namespace Takt.Integration.Webhooks;

/// <summary>
/// Signatures in the Standard Webhooks form (https://www.standardwebhooks.com): headers <c>webhook-id</c>,
/// <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c> = space-separated <c>v1,&lt;base64
/// HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c>, one per valid secret (two while a rotation's grace period
/// runs). Secrets are <c>whsec_</c> + base64 of 32 random bytes; the key is the decoded bytes.
/// </summary>
public static partial class WebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    private const string Prefix = "whsec_";

    public static string NewSecret() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A whole secret anywhere in a text, also as JSON writes it ('+' escaped), to keep secrets out of stored responses.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"whsec_(?:[A-Za-z0-9/=]|\\u002B|\+){40,}", System.Text.RegularExpressions.RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    public static partial System.Text.RegularExpressions.Regex Pattern();

    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }

    /// <summary>The header value: one signature per secret.</summary>
    public static string Header(IEnumerable<string> secrets, string id, long timestamp, string body) =>
        string.Join(' ', secrets.Select(s => Sign(s, id, timestamp, body)));

    /// <summary>What a receiver does: any listed signature made with its secret (compared in constant time).</summary>
    public static bool Verify(string secret, string id, long timestamp, string body, string header)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body));
        return header.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(candidate => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), expected));
    }
}
