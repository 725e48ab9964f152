using System.Collections.Concurrent;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Mqtt;

namespace EdgeIoT.Gateway;

/// <summary>
/// Tells devices why their transaction was refused: a gateway-signed rejection on the device's error
/// topic, or a log line when there is no registered device to address. Rate-limited per device so a
/// device (or someone forging its id) cannot turn the gateway into an amplifier.
/// </summary>
internal sealed class ErrorReporter(MqttClient mqtt, Topics topics, SigningKey key, string gatewayId, Core.Config.NetworkRegistry registry, TimeProvider time, ILogger logger)
{
    private const int MaxErrorsPerDevicePerSecond = 5;
    private readonly ConcurrentDictionary<string, (long Second, int Count)> _budget = new(StringComparer.Ordinal);
    public long Reported, Suppressed;

    public void Report(string? device, ulong? timestamp, Bytes32? digest, Rejection rejection)
    {
        if (device is null || !registry.TryGetDevice(device, out _))
        {
            logger.LogInformation("dropped a transaction from {Device}: {Rejection}", device ?? "an unidentified sender", rejection);
            return;
        }
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var budget = _budget.AddOrUpdate(device, (second, 1), (_, b) => b.Second == second ? (second, b.Count + 1) : (second, 1));
        if (budget.Count > MaxErrorsPerDevicePerSecond)
        {
            Interlocked.Increment(ref Suppressed);
            return;
        }
        logger.LogDebug("refused {Device}@{Timestamp}: {Rejection}", device, timestamp, rejection);
        var payload = GatewayRejection.Sign(key, gatewayId, device, timestamp, digest, rejection);
        if (mqtt.TryPublish(topics.DeviceError(device), payload, qos: 0)) Interlocked.Increment(ref Reported);
    }
}
