namespace Takt.Integration.Access;

/// <summary>Authentication, token, rate-limit and idempotency settings of the API.</summary>
public sealed class AccessOptions
{
    /// <summary>The <c>iss</c> of issued access tokens, and the only issuer accepted. Default <c>takt</c>.</summary>
    public string Issuer { get; set; } = "takt";

    /// <summary>The <c>aud</c> of issued access tokens, and the only audience accepted. Default <c>takt-api</c>.</summary>
    public string Audience { get; set; } = "takt-api";

    /// <summary>How long an OAuth2 access token is valid. Default 15 minutes.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Clock skew tolerated when checking a token's lifetime. Default 30 seconds.</summary>
    public TimeSpan TokenClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an <c>Idempotency-Key</c> and its stored response are kept. Default 24 hours.</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Largest request body an idempotent POST may have (it is hashed and kept in memory). Default 1 MiB.</summary>
    public int MaxIdempotentBodyBytes { get; set; } = 1 << 20;

    /// <summary>Sustained requests per minute of a new client, unless it is registered with its own. Default 6,000.</summary>
    public int DefaultRateLimitPerMinute { get; set; } = 6000;

    /// <summary>Requests a new client may send at once (token bucket size), unless registered with its own. Default 600.</summary>
    public int DefaultRateLimitBurst { get; set; } = 600;

    /// <summary>Token requests per minute from one remote address (the endpoint is anonymous). Default 120.</summary>
    public int TokenRequestsPerMinute { get; set; } = 120;

    /// <summary>Latency objective of a new client when none is given, in milliseconds. Default 1,000.</summary>
    public int DefaultLatencyObjectiveMs { get; set; } = 1000;

    /// <summary>
    /// The clock of credentials, tokens, idempotency keys and the audit log; null uses the server's clock.
    /// Tests set a <c>FakeTimeProvider</c> here to expire keys without waiting.
    /// </summary>
    public TimeProvider? Clock { get; set; }
}
