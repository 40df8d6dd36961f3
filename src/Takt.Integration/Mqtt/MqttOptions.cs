using System.Globalization;

namespace Takt.Integration.Mqtt;

/// <summary>The shop-floor MQTT broker Takt subscribes to. Off while <see cref="Host"/> is not set.</summary>
public sealed class MqttOptions
{
    /// <summary>Broker host name or address; null or empty turns the MQTT intake off (the default).</summary>
    public string? Host { get; set; }

    /// <summary>Broker port. Default 1883.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>User name at the broker, if it asks for one.</summary>
    public string? Username { get; set; }

    /// <summary>Password at the broker.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The MQTT client id. It names the persistent session in which the broker keeps messages while Takt is away,
    /// so it must stay the same across restarts, and differ between server nodes. Default <c>takt</c>.
    /// </summary>
    public string ClientId { get; set; } = "takt";

    /// <summary>First topic level: events arrive on <c>{prefix}/{plant}/{line}/{event}</c>. Default <c>takt</c>.</summary>
    public string TopicPrefix { get; set; } = "takt";

    /// <summary>How long the broker keeps the session (and queued messages) while Takt is disconnected. Default 7 days.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>First reconnect delay; doubles each failed attempt (±20 % jitter). Default 0.5 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest reconnect delay. Default 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most messages committed together (group commit through the ingest pipeline). Default 200.</summary>
    public int MaxBatch { get; set; } = 200;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    /// <summary>Dead letters go to <c>{prefix}/deadletter/{plant}/{line}/{event}</c>.</summary>
    public string DeadLetterPrefix => TopicPrefix + "/deadletter";

    /// <summary>Reads <c>host</c>, <c>host:port</c> or <c>mqtt://[user:password@]host[:port]</c> (the <c>--mqtt</c> option).</summary>
    public static MqttOptions Parse(string broker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(broker);
        var uri = new Uri(broker.Contains("://", StringComparison.Ordinal) ? broker : "mqtt://" + broker);
        var options = new MqttOptions { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port <= 0 ? 1883 : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            options.Username = Uri.UnescapeDataString(parts[0]);
            options.Password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }

        return options;
    }

    public override string ToString() => $"mqtt://{Host}:{Port.ToString(CultureInfo.InvariantCulture)} as {ClientId}";
}
