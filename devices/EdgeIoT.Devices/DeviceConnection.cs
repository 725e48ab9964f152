using System.Collections.Concurrent;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Mqtt;
using Microsoft.Extensions.Logging;

namespace EdgeIoT.Devices;

/// <summary>
/// One MQTT connection carrying one or more devices: a real device has its own; the simulator shares
/// a connection among many. Each device subscribes to its own response and error topics, and messages
/// are routed by topic.
/// </summary>
public sealed class DeviceConnection : IAsyncDisposable
{
    private readonly MqttClient _mqtt;
    private readonly ConcurrentDictionary<string, DeviceClient> _byResponseTopic = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DeviceClient> _byErrorTopic = new(StringComparer.Ordinal);

    public DeviceConnection(NetworkRegistry registry, string clientId, ILogger? logger = null)
    {
        Registry = registry;
        Topics = new Topics(registry.Mqtt.TopicPrefix);
        _mqtt = new MqttClient(new MqttClientOptions
        {
            Host = registry.Mqtt.Host,
            Port = registry.Mqtt.Port,
            ClientId = clientId,
            KeepAliveSeconds = registry.Mqtt.KeepAliveSeconds,
        }, logger);
        _mqtt.MessageReceived = OnMessage;
    }

    public NetworkRegistry Registry { get; }
    public Topics Topics { get; }
    internal MqttClient Mqtt => _mqtt;

    public Task ConnectAsync(CancellationToken ct) => _mqtt.ConnectAsync(ct);

    internal async Task AttachAsync(DeviceClient device, CancellationToken ct)
    {
        var response = Topics.DeviceResponse(device.Identity.Id);
        var error = Topics.DeviceError(device.Identity.Id);
        _byResponseTopic[response] = device;
        _byErrorTopic[error] = device;
        // QoS 0: the session is clean, so QoS 1 would add a PUBACK per response without surviving a
        // broken connection any better; a lost response is recovered by asking the verifier.
        await _mqtt.SubscribeAsync(response, 0, ct);
        await _mqtt.SubscribeAsync(error, 0, ct);
    }

    private void OnMessage(MqttMessage message)
    {
        if (_byResponseTopic.TryGetValue(message.Topic, out var device)) device.OnResponse(message.Payload);
        else if (_byErrorTopic.TryGetValue(message.Topic, out device)) device.OnGatewayError(message.Payload);
    }

    public ValueTask DisposeAsync() => _mqtt.DisposeAsync();
}
