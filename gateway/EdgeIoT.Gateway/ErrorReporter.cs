using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Gateway.Protocol;

namespace EdgeIoT.Gateway;

/// <summary>
/// Tells devices why their transaction was refused: a gateway-signed rejection on the device's error
/// topic, or a log line when there is no registered device to address; rate-limited per device.
/// </summary>
internal sealed class ErrorReporter(MqttClient mqtt, Topics topics, SigningKey key, string gatewayId, Core.Config.NetworkRegistry registry, RefusalLimiter limiter, TimeProvider time, ILogger logger)
{
    public long Reported, Suppressed;

    public void Report(Refusal refusal)
    {
        if (refusal.Device is not { } device || !registry.TryGetDevice(device, out _))
        {
            logger.LogInformation("dropped a transaction from {Device}: {Rejection}", refusal.Device ?? "an unidentified sender", refusal.Rejection);
            return;
        }
        if (!limiter.ShouldReport(device, time.GetUtcNow().ToUnixTimeSeconds()))
        {
            Interlocked.Increment(ref Suppressed);
            return;
        }
        logger.LogDebug("refused {Device}@{Timestamp}: {Rejection}", device, refusal.Timestamp, refusal.Rejection);
        var payload = GatewayRejection.Sign(key, gatewayId, device, refusal.Timestamp, refusal.Digest, refusal.Rejection);
        if (mqtt.TryPublish(topics.DeviceError(device), payload, qos: 0)) Interlocked.Increment(ref Reported);
    }
}
