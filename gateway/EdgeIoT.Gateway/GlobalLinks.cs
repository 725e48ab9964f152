using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Net;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway;

/// <summary>
/// Links from this gateway to every other gateway of the network, for the global protocol (docs/zones.md).
/// They reuse the zone links' transport (TCP, HMAC frames, reconnect, bounded queues) over a flat list of
/// all gateways, on each gateway's global port, and add the emulated wide-area delay between the
/// gateways' regions (regionDelaysMs, <see cref="RegionDelays"/>) in the transport, since this machine has no netem.
/// </summary>
internal sealed class GlobalLinks : IAsyncDisposable
{
    private readonly (string Zone, int Index)[] _byFlat;
    private readonly Dictionary<(string Zone, int Index), int> _flat = new();
    private readonly Dictionary<string, int[]> _zoneMembers = new(StringComparer.Ordinal);
    private readonly PeerLinks _links;
    private readonly string _zone;
    private readonly int _self;

    public GlobalLinks(NetworkRegistry registry, ZoneInfo zone, GatewayInfo gateway, SigningKey key, Action<string, int, GlobalMessage> onMessage, ILogger logger)
    {
        _zone = zone.Id;
        var all = new List<GatewayInfo>();
        var byFlat = new List<(string, int)>();
        foreach (var z in registry.Zones)
        {
            var members = new List<int>();
            foreach (var g in z.Gateways)
            {
                _flat[(z.Id, g.Index)] = all.Count;
                members.Add(all.Count);
                byFlat.Add((z.Id, g.Index));
                all.Add(new GatewayInfo { Id = g.Id, Index = all.Count, PublicKey = g.PublicKey, PeerHost = g.PeerHost, PeerPort = g.GlobalPort });
            }
            _zoneMembers[z.Id] = members.ToArray();
        }
        _byFlat = byFlat.ToArray();
        _self = _flat[(zone.Id, gateway.Index)];
        var delaysMs = registry.Zones.SelectMany(z => RegionDelays.ToGatewaysOf(registry, zone, gateway, z)).ToArray();
        var network = new ZoneInfo { Id = "global", FaultyGateways = 0, Gateways = all };
        var maxBytes = 64 * 1024 + 4 * registry.Protocol.MaxTxBytes;
        _links = new PeerLinks(network, _self, key, new PeerLinksOptions
        {
            MaxFrameBytes = maxBytes,
            SendDelayMsFor = to => delaysMs[to],
            // At start every other gateway of the network connects at once; below that bound the excess
            // were refused and retried after a back-off (seen with 7 zones: 27 peers, 16 admitted).
            MaxUnauthenticatedInbound = Math.Max(new PeerLinksOptions().MaxUnauthenticatedInbound, all.Count),
        }, (from, payload) =>
        {
            var (fromZone, fromIndex) = _byFlat[from];
            GlobalMessage message;
            try
            {
                message = GlobalMessage.Parser.ParseFrom(payload.Span);
            }
            catch (InvalidProtocolBufferException e)
            {
                logger.LogWarning("dropped a global message from {Zone}#{Index}: {Reason}", fromZone, fromIndex, e.Message);
                return;
            }
            onMessage(fromZone, fromIndex, message);
        }, logger);
    }

    public Task StartAsync(CancellationToken ct) => _links.StartAsync(ct);

    public void Send(string zone, int index, GlobalMessage message) => _links.Send(_flat[(zone, index)], message.ToByteArray());

    public void SendToZone(string zone, GlobalMessage message)
    {
        var bytes = message.ToByteArray();
        foreach (var flat in _zoneMembers[zone])
            if (flat != _self) _links.Send(flat, bytes);
    }

    public void SendToOtherZones(GlobalMessage message)
    {
        var bytes = message.ToByteArray();
        foreach (var (zone, members) in _zoneMembers)
            if (zone != _zone)
                foreach (var flat in members) _links.Send(flat, bytes);
    }

    public ValueTask DisposeAsync() => _links.DisposeAsync();
}
