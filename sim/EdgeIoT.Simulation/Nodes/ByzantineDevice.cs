using System.Text;
using System.Text.Json;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Devices;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Simulation.Workloads;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// A registered device that misbehaves according to its <see cref="DeviceAttack"/>. It holds its own
/// key and nothing else, sees what others publish on the broker (replay material), and ignores what
/// it is told. Devices are untrusted: any number of them may do this and the system stays safe.
/// </summary>
public sealed class ByzantineDevice : SimNode
{
    public const int CaptureCapacity = 64;
    private readonly List<byte[]> _captured = [];
    private readonly Random _random;
    private long _nextActMs;
    private byte[]? _lastCaptured;

    internal ByzantineDevice(World world, int index, int zoneIndex, DeviceIdentity identity, DeviceAttack attack, DisjointWorkload ownKeys, Random random)
        : base(world, new NodeId(NodeRole.Device, index), identity.Id)
    {
        ZoneIndex = zoneIndex;
        Identity = identity;
        Attack = attack;
        OwnKeys = ownKeys;
        _random = random;
        attack.Random = random;
        _nextActMs = random.Next(50);
        world.Network.TransactionPublished += Capture;
    }

    public int ZoneIndex { get; }
    public DeviceIdentity Identity { get; }
    public DeviceAttack Attack { get; }
    /// <summary>The keys this device may write without conflicting with anyone (see <see cref="DisjointWorkload"/>).</summary>
    public DisjointWorkload OwnKeys { get; }
    public IReadOnlyList<byte[]> Captured => _captured;
    public long Sent { get; private set; }
    public override bool IsCorrect => false;

    internal override void Receive(Message message) => Ignored++;

    internal override void Tick()
    {
        if (!World.SubmissionsOpen || World.Clock.NowMs < _nextActMs) return;
        Attack.Act(this);
        _nextActMs = World.Clock.NowMs + Attack.NextIntervalMs(_random);
    }

    private void Capture(Message message)
    {
        if (message.From == Id || ReferenceEquals(message.Body, _lastCaptured)) return;
        if (World.Node(message.To) is not SimGateway gateway || gateway.ZoneIndex != ZoneIndex) return;
        _lastCaptured = message.Body;
        if (_captured.Count >= CaptureCapacity) _captured.RemoveAt(0);
        _captured.Add(message.Body);
    }

    /// <summary>Publishes to the zone; <paramref name="toGateway"/> picks which gateways' copies are sent (all by default).</summary>
    public void Publish(byte[] jws, Func<int, bool>? toGateway = null)
    {
        foreach (var gateway in World.ZoneGateways(ZoneIndex))
        {
            if (toGateway is not null && !toGateway(gateway.Self)) continue;
            Sent++;
            Send(gateway.Id, MessageKind.Transaction, jws);
        }
    }

    public void SendToVerifier(byte[] jws)
    {
        Sent++;
        Send(NodeId.Verifier, MessageKind.DirectTransaction, jws);
    }

    /// <summary>A transaction payload as a correct device would write it, every field overridable.</summary>
    public Dictionary<string, object> Payload(string app, string op, object? args, ulong timestamp, string? device = null, string? zone = null)
    {
        var payload = new Dictionary<string, object>
        {
            ["dev"] = device ?? Identity.Id,
            ["zone"] = zone ?? Identity.Zone,
            ["ts"] = timestamp,
            ["app"] = app,
            ["op"] = op,
        };
        if (args is not null) payload["args"] = args;
        return payload;
    }

    /// <summary>Signs a payload with this device's own key, claiming key id <paramref name="keyId"/> (its own by default).</summary>
    public byte[] Sign(Dictionary<string, object> payload, string? keyId = null) =>
        JwsCompact.Sign(Identity.Key, keyId ?? Identity.Id, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(payload)));

    /// <summary>A valid blind write (no reads) to one of this device's own keys.</summary>
    public byte[] OwnBlindWrite(ulong timestamp, Random random) =>
        Sign(Payload("kv", "update", new { key = OwnKeys.OwnKvKey(random, Id.Index), value = DisjointWorkload.Value(random, 6) }, timestamp));
}

/// <summary>
/// A byzantine device's behaviour. Most attacks send only blind writes as valid transactions, so
/// their scenarios can check liveness today; reading a key another in-flight transaction writes
/// splits correct executors' VERIFY, which is <see cref="Byzantine.ConflictingTransactions"/>' job.
/// </summary>
public abstract class DeviceAttack
{
    public virtual string Name => GetType().Name;
    protected internal Random Random { get; internal set; } = null!;

    public virtual int NextIntervalMs(Random random) => random.Next(20, 100);

    public abstract void Act(ByzantineDevice device);
}
