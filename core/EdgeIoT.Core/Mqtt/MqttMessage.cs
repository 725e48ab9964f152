namespace EdgeIoT.Core.Mqtt;

/// <summary>
/// An inbound message. <see cref="Payload"/> is a managed copy, so it stays valid after the callback
/// returns (libmosquitto frees its own buffer as soon as the callback returns).
/// </summary>
public readonly record struct MqttMessage(string Topic, ReadOnlyMemory<byte> Payload, int Qos, bool Retain);
