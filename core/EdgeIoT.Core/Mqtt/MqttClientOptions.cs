namespace EdgeIoT.Core.Mqtt;

/// <summary>
/// Settings of one <see cref="MqttClient"/>. The client copies them at construction, so later changes
/// to this object have no effect.
/// </summary>
public sealed class MqttClientOptions
{
    /// <summary>MQTT allows 65,535 bytes; EdgeIoT identifiers are at most 64 characters.</summary>
    public const int MaxClientIdBytes = 256;

    /// <summary>The protocol's largest payload (a 268,435,455-byte packet minus its headers).</summary>
    public const int MaxPayloadBytesLimit = 256 * 1024 * 1024;

    /// <summary>Half of MQTT's 65,535 packet ids: every unfinished publish holds one.</summary>
    public const int MaxPendingPublishesLimit = 32_768;

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Empty: libmosquitto makes up a random id (only allowed with <see cref="CleanSession"/>).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>libmosquitto 2.0 refuses keepalives below 5 s; 0 (no keepalive) is not allowed here because a
    /// silently dead connection would then never be noticed.</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    public bool CleanSession { get; set; } = true;

    /// <summary>
    /// First delay before retrying a connection. Attempts before the first CONNACK use it as is; the
    /// reconnects libmosquitto makes later count whole seconds (delay × attempt², capped by
    /// <see cref="ReconnectDelayMaxMs"/>), so there it is rounded up to at least one second.
    /// </summary>
    public int ReconnectDelayMinMs { get; set; } = 100;

    /// <summary>Upper bound of the reconnect delay (rounded up to whole seconds, see <see cref="ReconnectDelayMinMs"/>).</summary>
    public int ReconnectDelayMaxMs { get; set; } = 5000;

    /// <summary>QoS 1/2 messages on the wire awaiting acknowledgement; libmosquitto queues the rest.</summary>
    public int MaxInflightMessages { get; set; } = 1000;

    /// <summary>
    /// Publishes handed to libmosquitto and not finished: QoS 0 until written to the socket, QoS 1/2
    /// until acknowledged, including those libmosquitto keeps while disconnected. libmosquitto's queues
    /// have no bound of their own; beyond this one publishing fails.
    /// </summary>
    public int MaxPendingPublishes { get; set; } = 16_384;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Larger inbound messages are dropped and counted; larger outbound payloads are refused.</summary>
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host) || Host.Length > 253 || Host.Contains('\0'))
            throw Invalid(nameof(Host), "must be a host name or address of at most 253 characters");
        Require(Port is >= 1 and <= 65_535, nameof(Port), "must be 1..65535");
        if (ClientId is null || System.Text.Encoding.UTF8.GetByteCount(ClientId) > MaxClientIdBytes
            || ClientId.Any(c => c < 0x20 || c == 0x7F))
            throw Invalid(nameof(ClientId), $"must be at most {MaxClientIdBytes} UTF-8 bytes without control characters");
        Require(ClientId.Length > 0 || CleanSession, nameof(ClientId), "is required when CleanSession is false");
        Require(KeepAliveSeconds is >= 5 and <= 65_535, nameof(KeepAliveSeconds), "must be 5..65535");
        Require(ReconnectDelayMinMs is >= 1 and <= 3_600_000, nameof(ReconnectDelayMinMs), "must be 1..3600000");
        Require(ReconnectDelayMaxMs >= ReconnectDelayMinMs && ReconnectDelayMaxMs <= 3_600_000,
            nameof(ReconnectDelayMaxMs), "must be ReconnectDelayMinMs..3600000");
        Require(MaxInflightMessages is >= 1 and <= 65_535, nameof(MaxInflightMessages), "must be 1..65535");
        Require(MaxPendingPublishes >= 1 && MaxPendingPublishes <= MaxPendingPublishesLimit,
            nameof(MaxPendingPublishes), $"must be 1..{MaxPendingPublishesLimit}");
        Require(Password is null || Username is not null, nameof(Password), "requires a Username");
        Require(Username is null || !Username.Contains('\0'), nameof(Username), "must not contain NUL");
        Require(Password is null || !Password.Contains('\0'), nameof(Password), "must not contain NUL");
        Require(MaxPayloadBytes is >= 0 and <= MaxPayloadBytesLimit, nameof(MaxPayloadBytes), $"must be 0..{MaxPayloadBytesLimit}");
    }

    internal MqttClientOptions Clone() => (MqttClientOptions)MemberwiseClone();

    /// <summary>libmosquitto sleeps whole seconds between reconnect attempts.</summary>
    internal static uint ToWholeSeconds(int delayMs) => (uint)Math.Max(1, (delayMs + 999) / 1000);

    private static void Require(bool condition, string name, string rule)
    {
        if (!condition) throw Invalid(name, rule);
    }

    private static ArgumentException Invalid(string name, string rule) =>
        new($"MqttClientOptions.{name} {rule}", name);
}
