using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using EdgeIoT.Simulation.Checkers;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Simulation.Scenarios;
using EdgeIoT.Simulation.Workloads;

namespace EdgeIoT.Simulation;

public enum SimPhase
{
    Setup,
    /// <summary>Faults on: loss, partitions, crashes as the scenario says. Byzantine nodes misbehave throughout.</summary>
    Safety,
    /// <summary>Network healed; devices keep submitting and every request must be answered in time.</summary>
    Liveness,
    /// <summary>No new requests; the run ends once every correct device has its answers.</summary>
    Drain,
    Done,
}

/// <summary>
/// One run's universe, built from a scenario and a seed: the in-memory registry and keys, every node
/// wrapping its real protocol core, the simulated clock, network and event queue, the checkers and the
/// trace. Single-threaded; nothing in it reads a wall clock.
/// </summary>
public sealed class World : IDisposable
{
    private readonly List<SigningKey> _keys = [];
    private readonly SimGateway[][] _zoneGateways;
    private readonly List<SimGateway> _gateways = [];
    private readonly List<SimExecutor> _executors = [];
    private readonly List<SimNode> _devices = [];
    private readonly List<SimDevice> _correctDevices = [];
    private readonly Dictionary<string, NodeId> _deviceByName = new(StringComparer.Ordinal);
    private readonly List<SimNode> _tickOrder = [];
    private readonly HashSet<NodeId> _keptDown = [];

    internal World(Scenario scenario, ulong seed, SimulationOptions options)
    {
        Scenario = scenario;
        Seed = seed;
        Options = options;
        scenario.Configure(Setup, Stream("scenario/configure"));
        Setup.Validate();
        Queue = new EventQueue(options.MaxPendingEvents);
        Trace = new TraceLog(options.TraceTailCapacity);
        Registry = BuildRegistry(out var gatewayKeys, out var executorKeys, out var verifierKey, out var deviceKeys);
        Network = new SimNetwork(this, Stream("network"), Setup.SafetyNetwork);
        _zoneGateways = new SimGateway[Setup.Zones][];
        BuildNodes(gatewayKeys, executorKeys, verifierKey, deviceKeys);
        Checker[] checkers =
        [
            new ShimOrderChecker(this),
            new CommitAgreementChecker(this),
            new VerifyQuorumChecker(this),
            new ExactlyOnceChecker(this),
            new ReplayChecker(this),
            new DeviceAnswersChecker(this),
            new LivenessChecker(this),
            new CommitGapChecker(this),
            .. scenario.ExtraCheckers(this),
        ];
        foreach (var name in options.DisabledCheckers)
            if (checkers.All(c => c.Name != name) || name == "liveness") throw new ArgumentException($"cannot disable checker \"{name}\"");
        Checkers = new CheckerSet(checkers.Where(c => !options.DisabledCheckers.Contains(c.Name)));
    }

    public Scenario Scenario { get; }
    public ulong Seed { get; }
    public SimulationOptions Options { get; }
    public ScenarioSetup Setup { get; } = new();
    public NetworkRegistry Registry { get; }
    public SimClock Clock { get; } = new();
    public SimNetwork Network { get; }
    public CheckerSet Checkers { get; }
    public SimPhase Phase { get; private set; }
    public long HealedAtMs { get; private set; } = -1;
    public bool SubmissionsOpen => Phase is SimPhase.Safety or SimPhase.Liveness;
    public bool ChecksLiveness => Scenario.ChecksLiveness || Options.ForceLiveness;
    public IReadOnlyList<SimGateway> Gateways => _gateways;
    public IReadOnlyList<SimExecutor> Executors => _executors;
    public SimVerifier Verifier { get; private set; } = null!;
    public IReadOnlyList<SimNode> Devices => _devices;
    public IReadOnlyList<SimDevice> CorrectDevices => _correctDevices;
    internal EventQueue Queue { get; }
    internal TraceLog Trace { get; }

    /// <summary>A random stream of this run, independent of every other stream.</summary>
    public Random Stream(string purpose) => SeedStreams.Stream(Seed, purpose);

    public SimNode Node(NodeId id) => id.Role switch
    {
        NodeRole.Gateway => _gateways[id.Index],
        NodeRole.Executor => _executors[id.Index],
        NodeRole.Verifier => Verifier,
        _ => _devices[id.Index],
    };

    public NodeId GatewayId(int zone, int index) => _zoneGateways[zone][index].Id;
    public IReadOnlyList<SimGateway> ZoneGateways(int zone) => _zoneGateways[zone];
    public int ZoneGatewayCount(int zone) => _zoneGateways[zone].Length;
    public int ZoneIndex(string zone) => Registry.Zones.FindIndex(z => z.Id == zone);
    public bool TryGetDevice(string deviceId, out NodeId node) => _deviceByName.TryGetValue(deviceId, out node);
    public string Describe(NodeId id) => Node(id).Name;

    private NetworkRegistry BuildRegistry(out SigningKey[][] gatewayKeys, out SigningKey[] executorKeys, out SigningKey verifierKey, out List<(string Id, int Zone, SigningKey Key, DeviceAttack? Attack)> devices)
    {
        var registry = new NetworkRegistry { NetworkId = "sim", Protocol = Setup.Protocol };
        gatewayKeys = new SigningKey[Setup.Zones][];
        for (var z = 0; z < Setup.Zones; z++)
        {
            var zoneId = $"z{z + 1}";
            gatewayKeys[z] = new SigningKey[Setup.GatewaysPerZone];
            var zone = new ZoneInfo { Id = zoneId, FaultyGateways = Setup.FaultyGateways };
            for (var i = 0; i < Setup.GatewaysPerZone; i++)
            {
                var id = $"{zoneId}-g{i}";
                var key = gatewayKeys[z][i] = Keep(SeedStreams.Key(Seed, id));
                zone.Gateways.Add(new GatewayInfo { Id = id, Index = i, PublicKey = KeyText.Format(key.PublicKey), PeerPort = 9000 + i, GlobalPort = 9500 + 10 * z + i });
            }
            registry.Zones.Add(zone);
        }
        executorKeys = new SigningKey[Setup.Executors];
        registry.Executors = new ExecutorPool { Faulty = Setup.FaultyExecutors };
        for (var i = 0; i < Setup.Executors; i++)
        {
            var key = executorKeys[i] = Keep(SeedStreams.Key(Seed, $"e{i}"));
            registry.Executors.Members.Add(new ExecutorInfo { Id = $"e{i}", Index = i, PublicKey = KeyText.Format(key.PublicKey), Url = $"http://sim-e{i}/api/execute" });
        }
        verifierKey = Keep(SeedStreams.Key(Seed, "verifier"));
        registry.Verifier = new VerifierInfo { PublicKey = KeyText.Format(verifierKey.PublicKey), Url = "http://sim-verifier" };

        devices = [];
        for (var z = 0; z < Setup.Zones; z++)
        {
            for (var i = 0; i < Setup.CorrectDevicesPerZone; i++) devices.Add(($"d{devices.Count}", z, null!, null));
            foreach (var (zone, attack) in Setup.ByzantineDevices)
                if (zone == z) devices.Add(($"x{devices.Count}", z, null!, attack));
        }
        for (var i = 0; i < devices.Count; i++)
        {
            var (id, zone, _, attack) = devices[i];
            var key = Keep(SeedStreams.Key(Seed, id));
            devices[i] = (id, zone, key, attack);
            registry.Devices.Add(new DeviceInfo { Id = id, Zone = registry.Zones[zone].Id, PublicKey = KeyText.Format(key.PublicKey) });
        }

        var apps = registry.Applications;
        apps.Kv.ValueBytes = 8;
        apps.Kv.Keys = Setup.Workload == WorkloadKind.Disjoint ? DisjointWorkload.KvKeys(devices.Count, Setup.KvKeysPerDevice) : 8;
        apps.Ledger.Accounts = Setup.Workload == WorkloadKind.Disjoint ? DisjointWorkload.Accounts(devices.Count) : 4;
        var problems = registry.Validate();
        if (problems.Count > 0) throw new ArgumentException($"scenario {Scenario.Name} builds an invalid registry: {string.Join("; ", problems)}");
        return registry;
    }

    private void BuildNodes(SigningKey[][] gatewayKeys, SigningKey[] executorKeys, SigningKey verifierKey, List<(string Id, int Zone, SigningKey Key, DeviceAttack? Attack)> devices)
    {
        for (var z = 0; z < Setup.Zones; z++)
        {
            _zoneGateways[z] = new SimGateway[Setup.GatewaysPerZone];
            for (var i = 0; i < Setup.GatewaysPerZone; i++)
            {
                var strategy = Setup.ByzantineGateways.TryGetValue((z, i), out var byzantine) ? byzantine : new HonestGateway();
                strategy.Random = Stream($"strategy/{Registry.Zones[z].Gateways[i].Id}");
                var gateway = new SimGateway(this, new NodeId(NodeRole.Gateway, _gateways.Count), z, Registry.Zones[z], i, gatewayKeys[z][i], strategy);
                _zoneGateways[z][i] = gateway;
                _gateways.Add(gateway);
            }
        }
        for (var i = 0; i < Setup.Executors; i++)
        {
            var strategy = Setup.ByzantineExecutors.TryGetValue(i, out var byzantine) ? byzantine : new HonestExecutor();
            strategy.Random = Stream($"strategy/e{i}");
            _executors.Add(new SimExecutor(this, i, executorKeys[i], strategy));
        }
        Verifier = new SimVerifier(this, verifierKey);

        var disjoint = new DisjointWorkload(Setup.KvKeysPerDevice);
        ISimWorkload workload = Setup.Workload switch
        {
            WorkloadKind.Disjoint => disjoint,
            _ => new ContentionWorkload(Registry.Applications.Kv.Keys, Registry.Applications.Ledger.Accounts, declare: Setup.Workload == WorkloadKind.DeclaredContention),
        };
        var options = new DeviceClientOptions
        {
            ResponseTimeoutMs = Setup.Protocol.DeviceTimeoutMs,
            ResponseTimeoutMaxMs = Setup.Protocol.DeviceTimeoutMaxMs,
            // Devices never give up within a run: an unanswered request is the liveness checker's to judge.
            SubmitDeadlineMs = int.MaxValue / 2,
            RefusalQuorum = Setup.FaultyGateways + 1,
        };
        for (var i = 0; i < devices.Count; i++)
        {
            var (id, zone, key, attack) = devices[i];
            var identity = new DeviceIdentity(id, Registry.Zones[zone].Id, key, Clock);
            SimNode node = attack is null
                ? new SimDevice(this, i, zone, identity, options, workload, Stream($"device/{id}"), Setup.ThinkTimeMaxMs)
                : new ByzantineDevice(this, i, zone, identity, attack, disjoint, Stream($"device/{id}"));
            _devices.Add(node);
            if (node is SimDevice correct) _correctDevices.Add(correct);
            _deviceByName[id] = node.Id;
        }
        _tickOrder.AddRange(_gateways);
        _tickOrder.AddRange(_executors);
        _tickOrder.Add(Verifier);
        _tickOrder.AddRange(_devices);
    }

    private SigningKey Keep(SigningKey key)
    {
        _keys.Add(key);
        return key;
    }

    // ---- The run ----

    internal void Run()
    {
        Scenario.ScheduleFaults(new FaultSchedule(this), Stream("scenario/faults"));
        EnterPhase(SimPhase.Safety);
        RunUntil(Setup.SafetyPhaseMs);
        Heal();
        Checkers.OnSafetyPhaseEnd();
        if (ChecksLiveness)
        {
            EnterPhase(SimPhase.Liveness);
            Checkers.OnLivenessPhaseStart();
            RunUntil(HealedAtMs + Setup.LivenessSubmitMs);
            EnterPhase(SimPhase.Drain);
            RunUntil(HealedAtMs + Setup.LivenessSubmitMs + Setup.EffectiveLivenessBoundMs + 1, () => _correctDevices.TrueForAll(d => d.IsIdle));
        }
        EnterPhase(SimPhase.Done);
        Checkers.AtEnd();
    }

    private void RunUntil(long limitMs, Func<bool>? done = null)
    {
        while (Clock.NowMs < limitMs)
        {
            Clock.AdvanceTo(Clock.NowMs + 1);
            while (Queue.TryDequeueDue(Clock.NowMs, out var due)) due.Run(this);
            foreach (var node in _tickOrder)
                if (node.IsUp) node.Tick();
            Checkers.AfterStep();
            if (done?.Invoke() == true) return;
        }
    }

    private void Heal()
    {
        Network.SetConditions(Setup.LivenessNetwork);
        Network.ClearPartitions();
        foreach (var node in _tickOrder)
            if (!node.IsUp && !_keptDown.Contains(node.Id)) node.Restart();
        HealedAtMs = Clock.NowMs;
    }

    internal void KeepDown(NodeId node) => _keptDown.Add(node);

    private void EnterPhase(SimPhase phase)
    {
        Phase = phase;
        Trace.Record(new TraceEntry(Clock.NowMs, TraceKind.Phase, default, default, default, (long)phase, 0, phase.ToString()));
    }

    public void Dispose()
    {
        Trace.Dispose();
        foreach (var key in _keys) key.Dispose();
    }
}
