using Microsoft.Extensions.Logging;

namespace EdgeIoT.Core.Mqtt;

/// <summary>Source-generated log messages of <see cref="MqttClient"/>.</summary>
internal static partial class MqttLog
{
    /// <summary>
    /// Repeated failures (publishing while disconnected, a flood of oversized messages) would flood the
    /// log: they are logged at warning level on the 1st, 2nd, 4th, 8th... occurrence and at debug level
    /// otherwise, and the running total is part of every message.
    /// </summary>
    public static LogLevel Throttled(long count, LogLevel level = LogLevel.Warning) =>
        (count & (count - 1)) == 0 ? level : LogLevel.Debug;

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT client {ClientId} connected to {Host}:{Port} (connection {Connection})")]
    public static partial void Connected(ILogger logger, string clientId, string host, int port, long connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker {Host}:{Port} not reachable yet ({Error}); retrying in the background")]
    public static partial void ConnectPending(ILogger logger, string host, int port, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT connection attempt to {Host}:{Port} failed: {Error}")]
    public static partial void ConnectAttemptFailed(ILogger logger, string host, int port, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT broker {Host}:{Port} {Refusal} (CONNACK {Code})")]
    public static partial void ConnectRefused(ILogger logger, string host, int port, string refusal, int code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection to {Host}:{Port} lost ({Error}); reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string host, int port, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT client {ClientId} disconnected from {Host}:{Port}")]
    public static partial void Disconnected(ILogger logger, string clientId, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT client {ClientId}: TCP_NODELAY unavailable ({Error}); small messages may wait for Nagle's algorithm")]
    public static partial void NoDelayUnavailable(ILogger logger, string clientId, string error);

    [LoggerMessage(Message = "MQTT publish to '{Topic}' refused: {Reason} ({Failures} publish failures so far)")]
    public static partial void PublishRefused(ILogger logger, LogLevel level, string topic, string reason, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT SUBSCRIBE '{Filter}' not sent: {Error}; it is sent again after the next connect")]
    public static partial void SubscribeNotSent(ILogger logger, string filter, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT broker refused the subscription '{Filter}'")]
    public static partial void SubscriptionRefused(ILogger logger, string filter);

    [LoggerMessage(Message = "MQTT message on '{Topic}' dropped: {Length} bytes exceed MaxPayloadBytes {MaxPayloadBytes} ({Dropped} dropped so far)")]
    public static partial void OversizedDropped(ILogger logger, LogLevel level, string topic, int length, int maxPayloadBytes, long dropped);

    [LoggerMessage(Message = "MQTT {Callback} handler threw ({Failures} handler failures so far)")]
    public static partial void HandlerFailed(ILogger logger, LogLevel level, Exception exception, string callback, long failures);

    [LoggerMessage(Level = LogLevel.Critical, Message = "MQTT native callback {Callback} failed; the exception was contained")]
    public static partial void NativeCallbackFailed(ILogger logger, Exception exception, string callback);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT client {ClientId}: {Operation} returned {Error}")]
    public static partial void TeardownStep(ILogger logger, string clientId, string operation, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT client {ClientId} still stopping after {WaitMs} ms (a blocking reconnect?); it finishes in the background")]
    public static partial void DisposeSlow(ILogger logger, string clientId, int waitMs);

    [LoggerMessage(Message = "libmosquitto: {Text}")]
    public static partial void Library(ILogger logger, LogLevel level, string text);
}
