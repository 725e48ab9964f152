namespace EdgeIoT.Verifier;

/// <summary>Where the verifier's responses and notices go (MQTT in production).</summary>
public interface IMessagePublisher
{
    /// <summary>Queues a publish; false when it could not be handed to the transport (counted by the caller).</summary>
    bool TryPublish(string topic, ReadOnlySpan<byte> payload, int qos);
}
