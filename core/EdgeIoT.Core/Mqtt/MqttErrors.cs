namespace EdgeIoT.Core.Mqtt;

/// <summary>libmosquitto's return codes (enum mosq_err_t in mosquitto.h, 2.0).</summary>
public enum MosquittoError
{
    AuthContinue = -4,
    NoSubscribers = -3,
    SubscriptionExists = -2,
    ConnectionPending = -1,
    Success = 0,
    NoMemory = 1,
    Protocol = 2,
    Invalid = 3,
    NoConnection = 4,
    ConnectionRefused = 5,
    NotFound = 6,
    ConnectionLost = 7,
    Tls = 8,
    PayloadSize = 9,
    NotSupported = 10,
    Auth = 11,
    AclDenied = 12,
    Unknown = 13,
    Errno = 14,
    AddressLookup = 15, // MOSQ_ERR_EAI
    Proxy = 16,
    PluginDefer = 17,
    MalformedUtf8 = 18,
    Keepalive = 19,
    Lookup = 20,
    MalformedPacket = 21,
    DuplicateProperty = 22,
    TlsHandshake = 23,
    QosNotSupported = 24,
    OversizePacket = 25,
    Ocsp = 26,
    Timeout = 27,
}

/// <summary>What a libmosquitto return code or CONNACK code means for the caller.</summary>
public static class MqttErrors
{
    /// <summary>"NoConnection (4)"; unknown codes still print their number.</summary>
    public static string Describe(int rc) =>
        Enum.IsDefined((MosquittoError)rc) ? $"{(MosquittoError)rc} ({rc})" : $"mosquitto error {rc}";

    /// <summary>
    /// True when the condition is about the network or the broker and may clear by itself, so the
    /// client should keep (re)connecting; false for configuration and programming errors.
    /// </summary>
    public static bool IsTransient(MosquittoError error) => error switch
    {
        MosquittoError.NoConnection or MosquittoError.ConnectionLost or MosquittoError.ConnectionRefused
            or MosquittoError.ConnectionPending or MosquittoError.Errno or MosquittoError.AddressLookup
            or MosquittoError.Lookup or MosquittoError.Keepalive or MosquittoError.Timeout
            or MosquittoError.Protocol or MosquittoError.MalformedPacket or MosquittoError.Tls
            or MosquittoError.TlsHandshake or MosquittoError.Proxy => true,
        _ => false,
    };

    /// <summary>MQTT 3.1.1 CONNACK return codes (§3.2.2.3).</summary>
    public static string DescribeConnack(int code) => code switch
    {
        0 => "accepted",
        1 => "refused: unacceptable protocol version",
        2 => "refused: identifier rejected",
        3 => "refused: server unavailable",
        4 => "refused: bad user name or password",
        5 => "refused: not authorized",
        _ => $"refused: unknown code {code}",
    };

    /// <summary>
    /// A refusal that retrying with the same options cannot fix. Only "server unavailable" (3) is worth
    /// waiting out.
    /// </summary>
    public static bool IsPermanentConnackRefusal(int code) => code is not (0 or 3);
}

/// <summary>An MQTT operation failed for a reason the caller may want to handle (not a programming error).</summary>
public class MqttException : Exception
{
    public MqttException(MosquittoError error, string message)
        : base($"{message}: {MqttErrors.Describe((int)error)}")
    {
        Error = error;
    }

    public MqttException(string message) : base(message)
    {
        Error = MosquittoError.Unknown;
    }

    public MosquittoError Error { get; }
}

/// <summary>The broker answered CONNECT with a refusal that retrying cannot fix (bad credentials, ...).</summary>
public sealed class MqttConnectionRefusedException : MqttException
{
    public MqttConnectionRefusedException(int connackCode)
        : base($"broker {MqttErrors.DescribeConnack(connackCode)} (CONNACK {connackCode})")
    {
        ConnackCode = connackCode;
    }

    public int ConnackCode { get; }
}
