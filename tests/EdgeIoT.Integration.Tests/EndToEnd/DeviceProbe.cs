using System.Collections.Concurrent;
using System.Text.Json;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Mqtt;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// A raw MQTT client that publishes arbitrary bytes to a zone and records every gateway refusal and
/// verifier response published for any device — what a developer would watch with mosquitto_sub.
/// </summary>
internal sealed class DeviceProbe : IAsyncDisposable
{
    private readonly RunningNetwork _network;
    private readonly MqttClient _mqtt;
    public ConcurrentQueue<(string Device, string Gateway, string Reason, ulong? Timestamp)> Refusals { get; } = new();
    public ConcurrentQueue<VerifierResponse> Responses { get; } = new();

    private DeviceProbe(RunningNetwork network, MqttClient mqtt)
    {
        _network = network;
        _mqtt = mqtt;
    }

    public static async Task<DeviceProbe> StartAsync(RunningNetwork network)
    {
        var mqtt = new MqttClient(new MqttClientOptions { Host = network.Registry.Mqtt.Host, Port = network.Registry.Mqtt.Port, ClientId = $"probe-{Guid.NewGuid():N}" });
        var probe = new DeviceProbe(network, mqtt);
        mqtt.MessageReceived = probe.OnMessage;
        await mqtt.ConnectAsync(CancellationToken.None);
        var prefix = network.Registry.Mqtt.TopicPrefix;
        await mqtt.SubscribeAsync($"{prefix}/devices/+/error", 1, CancellationToken.None);
        await mqtt.SubscribeAsync($"{prefix}/devices/+/response", 1, CancellationToken.None);
        return probe;
    }

    public Task PublishAsync(byte[] payload, string zone = "z1") =>
        _mqtt.PublishAsync(new Topics(_network.Registry.Mqtt.TopicPrefix).ZoneTransactions(zone), payload, 1, CancellationToken.None);

    private void OnMessage(MqttMessage message)
    {
        var device = message.Topic.Split('/')[^2];
        if (message.Topic.EndsWith("/response", StringComparison.Ordinal))
        {
            if (VerifierResponse.TryVerify(message.Payload.Span, _network.Registry.Verifier.Key, out var response, out _)) Responses.Enqueue(response);
            return;
        }
        if (!JwsCompact.TryParse(message.Payload.Span, 64 * 1024, out var jws, out _)) return;
        var gateway = _network.Registry.Zones.SelectMany(z => z.Gateways).FirstOrDefault(g => g.Id == jws.KeyId);
        if (gateway is null || !jws.VerifySignature(message.Payload.Span, gateway.Key)) return;
        using var payload = JsonDocument.Parse(jws.Payload);
        var root = payload.RootElement;
        Refusals.Enqueue((device, gateway.Id, root.GetProperty("reason").GetString()!, root.TryGetProperty("ts", out var ts) ? ts.GetUInt64() : null));
    }

    /// <summary>Gateways (distinct) that refused a transaction of <paramref name="device"/> with <paramref name="reason"/>.</summary>
    public int RefusedBy(string device, string reason, ulong? timestamp = null) =>
        Refusals.Where(r => r.Device == device && r.Reason == reason && (timestamp is null || r.Timestamp == timestamp)).Select(r => r.Gateway).Distinct().Count();

    public ValueTask DisposeAsync() => _mqtt.DisposeAsync();
}
