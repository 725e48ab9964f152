using System.Security.Cryptography;
using System.Text;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Global;

/// <summary>
/// Zones of global coordinators wired through an in-memory network (FIFO, no loss unless a filter drops),
/// with a trivial data plane: a LOCK or ADOPT request of a zone's primary is decided at once and its
/// receipt delivered to every gateway of the zone. Each zone has a decided-history chain (the verifier's
/// D_k, <see cref="ZoneChains"/>): local batches (<see cref="DecideLocal"/>) and LOCK/ADOPT entries extend
/// it, and every gateway that <see cref="HearsDecided"/> learns (k, D_k) as from a DECIDED notice.
/// </summary>
internal sealed class GlobalCluster : IDisposable
{
    private readonly List<SigningKey> _keys = [];
    private readonly Queue<(string FromZone, int From, string ToZone, int To, GlobalMessage Message)> _queue = new();
    private readonly Dictionary<string, SigningKey> _deviceKeys = [];
    /// <summary>Ground truth: per zone, D_0, D_1, … as the verifier would compute them.</summary>
    public Dictionary<string, List<Core.Crypto.Bytes32>> ZoneChains { get; } = [];
    /// <summary>Return false to keep a gateway (zone, index) from hearing its zone's DECIDED notices.</summary>
    public Func<string, int, bool> HearsDecided { get; set; } = (_, _) => true;

    public NetworkRegistry Registry { get; } = new() { NetworkId = "global-test" };
    public Dictionary<string, GlobalCoordinator[]> Zones { get; } = [];
    public List<(string Zone, int Gateway, GlobalReady Ready)> Readies { get; } = [];
    /// <summary>Return false to drop a message (from zone, from, to zone, to, message).</summary>
    public Func<string, int, string, int, GlobalMessage, bool> Filter { get; set; } = (_, _, _, _, _) => true;
    /// <summary>Set false to keep LOCK/ADOPT requests undecided.</summary>
    public bool AutoDataPlane { get; set; } = true;
    public List<MigrationReceipt> Receipts { get; } = [];

    public GlobalCluster(int zones = 3, GlobalLeaderMode leader = GlobalLeaderMode.StableLeader, int devicesPerZone = 2, Action<GlobalSettings>? configure = null, int stepTimeoutMs = 200,
        Func<string, int, GlobalCoordinatorOptions, GlobalCoordinatorOptions>? options = null)
    {
        Registry.Global.Leader = leader;
        Registry.Global.StepTimeoutMs = stepTimeoutMs;
        Registry.Global.CollisionBackoffMaxMs = 50;
        configure?.Invoke(Registry.Global);
        var gatewayKeys = new Dictionary<string, SigningKey[]>();
        for (var z = 1; z <= zones; z++)
        {
            var zone = new ZoneInfo { Id = $"z{z}", FaultyGateways = 1 };
            gatewayKeys[zone.Id] = new SigningKey[4];
            for (var i = 0; i < 4; i++)
            {
                var key = gatewayKeys[zone.Id][i] = Key($"z{z}-g{i}");
                zone.Gateways.Add(new GatewayInfo { Id = $"z{z}-g{i}", Index = i, PublicKey = KeyText.Format(key.PublicKey), PeerPort = 9000 + i, GlobalPort = 9500 + 10 * z + i });
            }
            Registry.Zones.Add(zone);
            for (var d = 0; d < devicesPerZone; d++)
            {
                var id = $"d{z}{d}";
                var key = _deviceKeys[id] = Key(id);
                Registry.Devices.Add(new DeviceInfo { Id = id, Zone = zone.Id, PublicKey = KeyText.Format(key.PublicKey) });
            }
        }
        foreach (var zone in Registry.Zones)
        {
            ZoneChains[zone.Id] = [Core.Execution.ZoneHistoryChain.Genesis];
            Zones[zone.Id] = Enumerable.Range(0, 4).Select(i =>
            {
                var defaults = new GlobalCoordinatorOptions { Registry = Registry, Zone = zone.Id, SelfIndex = i };
                return new GlobalCoordinator(options?.Invoke(zone.Id, i, defaults) ?? defaults, gatewayKeys[zone.Id][i], (ulong)(i + 1));
            }).ToArray();
        }
        foreach (var node in All) node.OnView(0);
        Pump();
    }

    public IEnumerable<GlobalCoordinator> All => Zones.Values.SelectMany(z => z);
    public GlobalCoordinator Node(string zone, int index) => Zones[zone][index];

    /// <summary>A gateway's key (tests forge what a byzantine primary could send, or certify steps of their own).</summary>
    public SigningKey GatewayKey(string zone, int index) => Key($"{zone}-g{index}");

    private SigningKey Key(string id)
    {
        var key = SigningKey.FromSeed(SHA256.HashData(Encoding.UTF8.GetBytes("global-test/" + id)));
        _keys.Add(key);
        return key;
    }

    /// <summary>A device's signed sys/migrate envelope.</summary>
    public byte[] Migration(string device, string to, ulong ts, string app = "sys", string op = "migrate", SigningKey? signer = null)
    {
        var payload = "{\"dev\":\"" + device + "\",\"zone\":\"" + to + "\",\"ts\":" + ts + ",\"app\":\"" + app + "\",\"op\":\"" + op + "\",\"args\":{\"to\":\"" + to + "\"}}";
        return JwsCompact.Sign(signer ?? _deviceKeys[device], device, Encoding.UTF8.GetBytes(payload));
    }

    /// <summary>The device publishes to every gateway of <paramref name="zone"/>.</summary>
    public void Submit(string zone, byte[] jws)
    {
        foreach (var node in Zones[zone]) node.OnMigrationRequest(jws, out _);
        Pump();
    }

    public void Send(string fromZone, int from, string toZone, int to, GlobalMessage message) => _queue.Enqueue((fromZone, from, toZone, to, message));

    /// <summary>Collects every node's output and delivers messages until the network is quiet.</summary>
    public void Pump(int maxMessages = 200_000)
    {
        Collect();
        var delivered = 0;
        while (_queue.TryDequeue(out var m))
        {
            if (++delivered > maxMessages) throw new InvalidOperationException("the cluster does not quiesce");
            if (!Filter(m.FromZone, m.From, m.ToZone, m.To, m.Message)) continue;
            // What the wire does: bytes in, bytes out.
            var message = GlobalMessage.Parser.ParseFrom(m.Message.ToByteArray());
            var node = Zones[m.ToZone][m.To];
            if (m.FromZone == m.ToZone) node.OnZoneMessage(m.From, message);
            else node.OnRemoteMessage(m.FromZone, m.From, message);
            Collect();
        }
    }

    /// <summary>Ticks every node <paramref name="ticks"/> times, delivering everything after each tick.</summary>
    public void Run(int ticks)
    {
        for (var t = 0; t < ticks; t++)
        {
            foreach (var node in All) node.Tick();
            Pump();
        }
    }

    private void Collect()
    {
        var again = true;
        while (again)
        {
            again = false;
            foreach (var (zoneId, nodes) in Zones)
                for (var i = 0; i < nodes.Length; i++)
                {
                    var ready = nodes[i].TakeReady();
                    if (ready.IsEmpty) continue;
                    again = true;
                    Readies.Add((zoneId, i, ready));
                    foreach (var outbound in ready.Messages) Route(zoneId, i, outbound);
                    if (AutoDataPlane && nodes[i].IsPrimary)
                    {
                        foreach (var request in ready.LockRequests) Lock(zoneId, request);
                        foreach (var request in ready.AdoptRequests) Adopt(zoneId, request);
                    }
                }
        }
    }

    private void Route(string zone, int from, GlobalOutbound outbound)
    {
        switch (outbound.Target)
        {
            case GlobalTarget.Member: Send(zone, from, zone, outbound.Member, outbound.Message); break;
            case GlobalTarget.ZoneMembers:
                for (var i = 0; i < 4; i++) if (i != from) Send(zone, from, zone, i, outbound.Message);
                break;
            case GlobalTarget.Zone:
                for (var i = 0; i < 4; i++) Send(zone, from, outbound.Zone!, i, outbound.Message);
                break;
            case GlobalTarget.RemoteGateway: Send(zone, from, outbound.Zone!, outbound.Member, outbound.Message); break;
            case GlobalTarget.AllOtherZones:
                foreach (var other in Zones.Keys.Where(z => z != zone))
                    for (var i = 0; i < 4; i++) Send(zone, from, other, i, outbound.Message);
                break;
        }
    }

    private readonly HashSet<string> _locked = [];

    /// <summary>The verifier decides <paramref name="batches"/> local batches of <paramref name="zone"/>; its gateways hear of each.</summary>
    public void DecideLocal(string zone, int batches = 1)
    {
        for (var b = 0; b < batches; b++) Decided(zone, SHA256.HashData(Encoding.UTF8.GetBytes($"{zone}/{ZoneChains[zone].Count}")), TxStatus.Committed);
        Pump();
    }

    /// <summary>Extends the zone's chain by one batch of one entry and tells the gateways that hear notices: (k, D_k).</summary>
    private ulong Decided(string zone, byte[] entryDigest, TxStatus status)
    {
        var chain = ZoneChains[zone];
        var seq = (ulong)chain.Count;
        chain.Add(Core.Execution.ZoneHistoryChain.Next(chain[^1], seq, [(new Core.Crypto.Bytes32(entryDigest), status)]));
        for (var i = 0; i < 4; i++)
            if (HearsDecided(zone, i)) Zones[zone][i].OnZoneDecided(seq, chain[^1].ToArray());
        return seq;
    }

    /// <summary>Tells a gateway every decided (k, D_k) of its zone it has not heard (a notice arriving late).</summary>
    public void CatchUpDecided(string zone, int index)
    {
        var chain = ZoneChains[zone];
        for (var k = 1; k < chain.Count; k++) Zones[zone][index].OnZoneDecided((ulong)k, chain[k].ToArray());
        Pump();
    }

    private void Lock(string zone, LockRequest request)
    {
        if (!Core.Quorum.StepCertificates.TryVerifyLock(request.Commit, Registry, zone, out var body, out var reason)) throw new InvalidOperationException(reason);
        if (!_locked.Add(request.Device)) return;
        var receipt = new MigrationReceipt
        {
            Device = request.Device, Ballot = body.Ballot, Applied = true, FromZone = zone, ToZone = body.Order.ToZone, Slot = body.Slot,
            HistoryDigest = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(request.Device))), HistoryCount = 3,
        };
        Receipts.Add(receipt);
        var seq = Decided(zone, Core.Crypto.Sha256Digest.Of(Core.Execution.SystemEntries.Encode(new SystemEntry { Lock = request.Commit })).ToArray(), TxStatus.System);
        foreach (var node in Zones[zone]) node.OnLockPoint(seq, receipt);
    }

    private void Adopt(string zone, AdoptRequest request)
    {
        if (!Core.Quorum.StepCertificates.TryVerifyAdopt(request.History, Registry, zone, out var body, out var reason)) throw new InvalidOperationException(reason);
        if (!_locked.Remove(request.Device)) return;
        var receipt = new MigrationReceipt { Device = request.Device, Ballot = body.Ballot, Adopt = true, Applied = true, FromZone = body.Order.FromZone, ToZone = zone, Slot = body.Slot, HistoryDigest = body.HistoryDigest, HistoryCount = body.HistoryCount };
        Receipts.Add(receipt);
        Decided(zone, Core.Crypto.Sha256Digest.Of(Core.Execution.SystemEntries.Encode(new SystemEntry { Adopt = request.History })).ToArray(), TxStatus.System);
        foreach (var node in Zones[zone]) node.OnAdopted(receipt);
    }

    public IEnumerable<ExecutedGlobal> Executed(string zone, int index) => Readies.Where(r => r.Zone == zone && r.Gateway == index).SelectMany(r => r.Ready.Executed);
    public IEnumerable<string> Rejections(string zone, int index) => Readies.Where(r => r.Zone == zone && r.Gateway == index).SelectMany(r => r.Ready.Rejected);

    public void Dispose()
    {
        foreach (var key in _keys) key.Dispose();
    }
}
