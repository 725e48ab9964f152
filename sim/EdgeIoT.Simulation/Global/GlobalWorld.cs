using System.Security.Cryptography;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Global;

/// <summary>
/// One multi-zone run: Z zones of 3f+1 gateways, each running the real <see cref="GlobalCoordinator"/>;
/// devices that migrate; a wide-area network with per-zone-pair delays, jitter, loss, duplication, slow
/// tails, zone partitions and crashed zones; each zone's PBFT reduced to what the coordinator sees of it
/// (a view that changes once f+1 gateways suspect the primary, and LOCK/ADOPT entries ordered by the
/// primary and decided by a model of the verifier's ownership table, <see cref="GlobalDataPlane"/>).
/// Single-threaded, seeded, on simulated time; checkers run after every millisecond.
/// </summary>
public sealed class GlobalWorld : IDisposable
{
    private readonly List<SigningKey> _keys = [];
    private readonly PriorityQueue<Action, (long, long)> _events = new();
    private long _eventSequence;
    private readonly Random _network;
    private readonly int[,] _zoneDelay;
    private readonly List<GlobalCheck> _checks;

    internal GlobalWorld(GlobalScenario scenario, ulong seed, SimulationOptions options)
    {
        Scenario = scenario;
        Seed = seed;
        Options = options;
        scenario.Configure(Setup, Stream("scenario/configure"));
        Trace = new TraceLog(options.TraceTailCapacity);
        _network = Stream("network");
        Registry = BuildRegistry(out var gatewayKeys, out var deviceKeys);
        _zoneDelay = new int[Setup.Zones, Setup.Zones];
        var delays = Stream("network/zone-delays");
        for (var a = 0; a < Setup.Zones; a++)
            for (var b = a + 1; b < Setup.Zones; b++)
                _zoneDelay[a, b] = _zoneDelay[b, a] = 5 + delays.Next(Math.Max(1, Setup.InterDelayMaxMs - 4));
        DataPlane = new GlobalDataPlane(this);
        EndorsementCheck = new MemoizedEndorsementCheck();
        for (var z = 0; z < Setup.Zones; z++)
        {
            var zone = new List<GlobalGatewayNode>();
            for (var i = 0; i < Setup.GatewaysPerZone; i++)
            {
                var byzantine = Setup.Byzantine.TryGetValue((z, i), out var kind) ? kind : (ByzantineKind?)null;
                var node = new GlobalGatewayNode(this, Gateways.Count, z, i, gatewayKeys[z][i], byzantine, Stream($"strategy/z{z}g{i}"));
                zone.Add(node);
                Gateways.Add(node);
            }
            ZoneGateways.Add(zone);
        }
        for (var d = 0; d < deviceKeys.Count; d++)
            Devices.Add(new MigrationDevice(this, d, deviceKeys[d].Id, deviceKeys[d].Zone, deviceKeys[d].Key, Stream($"device/{deviceKeys[d].Id}")));
        _checks =
        [
            new GlobalAgreementCheck(this),
            new GlobalPlacementCheck(this),
            new GlobalLivenessCheck(this),
            new GlobalCheckpointCheck(this),
        ];
    }

    public GlobalScenario Scenario { get; }
    public ulong Seed { get; }
    public SimulationOptions Options { get; }
    public GlobalSetup Setup { get; } = new();
    public NetworkRegistry Registry { get; }
    public SimClock Clock { get; } = new();
    public SimPhase Phase { get; private set; }
    public long HealedAtMs { get; private set; } = -1;
    public bool SubmissionsOpen => Phase is SimPhase.Safety or SimPhase.Liveness;
    public List<GlobalGatewayNode> Gateways { get; } = [];
    public List<List<GlobalGatewayNode>> ZoneGateways { get; } = [];
    public List<MigrationDevice> Devices { get; } = [];
    public GlobalDataPlane DataPlane { get; }
    internal MemoizedEndorsementCheck EndorsementCheck { get; }
    internal TraceLog Trace { get; }
    public IReadOnlyList<GlobalCheck> Checks => _checks;
    public long Sent { get; private set; }
    public long Delivered { get; private set; }
    public long Dropped { get; private set; }
    public long Duplicated { get; private set; }
    /// <summary>Zones down for good: requests touching them are outside the liveness promise.</summary>
    public HashSet<int> DeadZones { get; } = [];
    private readonly HashSet<int> _crashed = [];
    private readonly HashSet<int> _partitioned = [];

    public string Describe(NodeId id) => id.Role switch
    {
        NodeRole.Gateway => Gateways[id.Index].Name,
        NodeRole.Device => Devices[id.Index].Id,
        NodeRole.Verifier => "verifier",
        _ => id.ToString(),
    };

    public Random Stream(string purpose) => SeedStreams.Stream(Seed, purpose);
    public string ZoneId(int zone) => Registry.Zones[zone].Id;
    public int ZoneIndex(string zone) => Registry.Zones.FindIndex(z => z.Id == zone);
    public bool IsZoneUp(int zone) => !_crashed.Contains(zone);

    /// <summary>A gateway sent a certified step to other zones (for faults keyed on protocol progress).</summary>
    internal void OnStepSent(int zone, Wire.GlobalStepKind kind)
    {
        if (kind != Wire.GlobalStepKind.GlobalStepAccept || Setup.CrashAfterAcceptZone != zone || DeadZones.Contains(zone)) return;
        if (Phase != SimPhase.Safety || Clock.NowMs < Setup.CrashAfterAcceptFromMs) return;
        DeadZones.Add(zone);
        At(Clock.NowMs + 1 + _network.Next(_zoneDelay[zone, (zone + 1) % Setup.Zones]), () =>
        {
            _crashed.Add(zone);
            Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Fault, default, default, default, zone, 0, $"zone {ZoneId(zone)} crashes right after sending an ACCEPT"));
        });
    }
    public IEnumerable<GlobalGatewayNode> CorrectGateways => Gateways.Where(g => g.IsCorrect);

    private NetworkRegistry BuildRegistry(out SigningKey[][] gatewayKeys, out List<(string Id, int Zone, SigningKey Key)> devices)
    {
        var registry = new NetworkRegistry { NetworkId = "sim-global" };
        var global = registry.Global;
        global.Leader = Setup.Leader;
        global.StableZone = $"z{Setup.StableZone + 1}";
        global.ClientsPerZoneMax = Setup.ClientsPerZoneMax;
        global.MigrationsPerPeriodMax = Setup.MigrationsPerPeriodMax;
        global.MigrationPeriodMs = Setup.MigrationPeriodMs;
        global.StepTimeoutMs = Setup.StepTimeoutMs;
        global.CollisionBackoffMaxMs = Setup.CollisionBackoffMaxMs;
        global.SlotsInFlightMax = Setup.SlotsInFlightMax;
        gatewayKeys = new SigningKey[Setup.Zones][];
        for (var z = 0; z < Setup.Zones; z++)
        {
            var zoneId = $"z{z + 1}";
            var zone = new ZoneInfo { Id = zoneId, FaultyGateways = Setup.FaultyGateways };
            gatewayKeys[z] = new SigningKey[Setup.GatewaysPerZone];
            for (var i = 0; i < Setup.GatewaysPerZone; i++)
            {
                var key = gatewayKeys[z][i] = Keep(SeedStreams.Key(Seed, $"{zoneId}-g{i}"));
                zone.Gateways.Add(new GatewayInfo { Id = $"{zoneId}-g{i}", Index = i, PublicKey = KeyText.Format(key.PublicKey), PeerPort = 9000 + i, GlobalPort = 9500 + 10 * z + i });
            }
            registry.Zones.Add(zone);
        }
        // The global world has no executors or verifier process; the registry still names valid ones.
        var placeholder = KeyText.Format(gatewayKeys[0][0].PublicKey);
        for (var i = 0; i < 3; i++) registry.Executors.Members.Add(new ExecutorInfo { Id = $"e{i}", Index = i, PublicKey = placeholder, Url = $"http://sim-e{i}/" });
        registry.Verifier = new VerifierInfo { PublicKey = placeholder, Url = "http://sim-verifier" };
        devices = [];
        for (var z = 0; z < Setup.Zones; z++)
            for (var i = 0; i < Setup.DevicesPerZone; i++)
            {
                var id = $"d{devices.Count}";
                var key = Keep(SeedStreams.Key(Seed, id));
                devices.Add((id, z, key));
                registry.Devices.Add(new DeviceInfo { Id = id, Zone = $"z{z + 1}", PublicKey = KeyText.Format(key.PublicKey) });
            }
        var problems = registry.Validate();
        if (problems.Count > 0) throw new ArgumentException($"scenario {Scenario.Name} builds an invalid registry: {string.Join("; ", problems)}");
        return registry;
    }

    private SigningKey Keep(SigningKey key)
    {
        _keys.Add(key);
        return key;
    }

    // ---- Events and the network ----

    public void At(long timeMs, Action action)
    {
        if (_events.Count >= Options.MaxPendingEvents) throw new InvalidOperationException($"more than {Options.MaxPendingEvents} events pending: a node floods the network without bound");
        _events.Enqueue(action, (Math.Max(timeMs, Clock.NowMs), _eventSequence++));
    }

    private int Delay(int fromZone, int toZone)
    {
        var d = fromZone == toZone ? 1 + _network.Next(Setup.IntraDelayMaxMs) : _zoneDelay[fromZone, toZone] + _network.Next(5);
        if (Phase == SimPhase.Safety && Setup.SlowRate > 0 && _network.NextDouble() < Setup.SlowRate) d += _network.Next(9 * d + 1);
        return d;
    }

    private bool Cut(int a, int b) => a != b && (_partitioned.Contains(a) || _partitioned.Contains(b));

    /// <summary>Sends bytes between two gateways (or a device and a gateway: <paramref name="fromZone"/> is the device's nearest zone).</summary>
    internal void Send(NodeId from, int fromZone, NodeId to, int toZone, MessageKind kind, byte[] body, Action<byte[]> deliver)
    {
        Sent++;
        if (Cut(fromZone, toZone) || !IsZoneUp(fromZone) && from.Role == NodeRole.Gateway)
        {
            Drop(from, to, kind, "partition");
            return;
        }
        var lossy = Phase == SimPhase.Safety;
        if (lossy && Setup.DropRate > 0 && _network.NextDouble() < Setup.DropRate)
        {
            Drop(from, to, kind, "loss");
            return;
        }
        var copies = lossy && Setup.DuplicateRate > 0 && _network.NextDouble() < Setup.DuplicateRate ? 2 : 1;
        if (copies == 2) Duplicated++;
        for (var c = 0; c < copies; c++)
        {
            At(Clock.NowMs + Delay(fromZone, toZone), () =>
            {
                if (Cut(fromZone, toZone) || to.Role == NodeRole.Gateway && !IsZoneUp(toZone))
                {
                    Drop(from, to, kind, "partition or down");
                    return;
                }
                Delivered++;
                Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Deliver, from, to, kind, Delivered, 0, null), body);
                deliver(body);
            });
        }
    }

    private void Drop(NodeId from, NodeId to, MessageKind kind, string why)
    {
        Dropped++;
        Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Drop, from, to, kind, Dropped, 0, why));
    }

    internal void Note(string text) => Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Notice, default, default, default, 0, 0, text));

    // ---- The run ----

    internal void Run()
    {
        foreach (var (zone, at, restart) in Setup.ZoneCrashes)
        {
            if (at >= Setup.SafetyPhaseMs) throw new ArgumentException($"scenario {Scenario.Name}: a zone crash at {at} ms is not within the safety phase");
            if (!restart) DeadZones.Add(zone);
            At(at, () => { _crashed.Add(zone); Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Fault, default, default, default, zone, 0, $"zone {ZoneId(zone)} crashes")); });
        }
        foreach (var (zone, from, to) in Setup.ZonePartitions)
        {
            if (from >= Setup.SafetyPhaseMs) throw new ArgumentException($"scenario {Scenario.Name}: a partition at {from} ms is not within the safety phase");
            At(from, () => { _partitioned.Add(zone); Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Fault, default, default, default, zone, 0, $"zone {ZoneId(zone)} partitioned")); });
            At(to, () => _partitioned.Remove(zone));
        }
        foreach (var gateway in Gateways) gateway.Start();
        foreach (var device in Devices) device.Start();
        DataPlane.Start();
        EnterPhase(SimPhase.Safety);
        RunUntil(Setup.SafetyPhaseMs);
        Heal();
        EnterPhase(SimPhase.Liveness);
        foreach (var check in _checks) check.OnLivenessPhaseStart();
        RunUntil(HealedAtMs + Setup.LivenessSubmitMs);
        EnterPhase(SimPhase.Drain);
        RunUntil(HealedAtMs + Setup.LivenessSubmitMs + Setup.LivenessBoundMs, () => Devices.TrueForAll(d => d.IsIdle || !d.LivenessApplies) && DataPlane.Settled() && AllCaughtUp());
        EnterPhase(SimPhase.Done);
        foreach (var check in _checks) check.AtEnd();
    }

    private void RunUntil(long limitMs, Func<bool>? done = null)
    {
        while (Clock.NowMs < limitMs)
        {
            Clock.AdvanceTo(Clock.NowMs + 1);
            while (_events.TryPeek(out var action, out var key) && key.Item1 <= Clock.NowMs)
            {
                _events.Dequeue();
                action();
            }
            foreach (var gateway in Gateways)
                if (IsZoneUp(gateway.Zone)) gateway.Tick();
            foreach (var device in Devices) device.Tick();
            foreach (var check in _checks) check.AfterStep();
            if (Clock.NowMs % 50 == 0 && done?.Invoke() == true) return;
        }
    }

    private bool AllCaughtUp()
    {
        var agreement = _checks.OfType<GlobalAgreementCheck>().Single();
        return CorrectGateways.Where(g => IsZoneUp(g.Zone)).All(g => agreement.ExecutedBy(g) == agreement.Log.Count);
    }

    private void Heal()
    {
        _partitioned.Clear();
        foreach (var zone in _crashed.ToList())
            if (!DeadZones.Contains(zone))
            {
                _crashed.Remove(zone);
                Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Fault, default, default, default, zone, 0, $"zone {ZoneId(zone)} restarts"));
                foreach (var gateway in ZoneGateways[zone]) gateway.Start();
            }
        HealedAtMs = Clock.NowMs;
    }

    private void EnterPhase(SimPhase phase)
    {
        Phase = phase;
        Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Phase, default, default, default, (long)phase, 0, phase.ToString()));
    }

    internal static byte[] Digest(string text) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        Trace.Dispose();
        foreach (var key in _keys) key.Dispose();
    }
}
