using EdgeIoT.Core.Config;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Scenarios;

public enum WorkloadKind
{
    /// <summary>Each device writes only its own keys (see <see cref="Workloads.DisjointWorkload"/>).</summary>
    Disjoint,
    /// <summary>All devices share a few hot keys.</summary>
    Contention,
    /// <summary>Contention whose transactions declare their read/write sets (conflict avoidance, §6.5).</summary>
    DeclaredContention,
}

/// <summary>
/// Everything a scenario decides before the world is built: topology, protocol settings, network
/// conditions per phase, phase lengths, the workload and which nodes run byzantine strategies.
/// Defaults describe a small healthy zone; <see cref="Scenario.Configure"/> randomizes some of them
/// per seed and each scenario shapes the rest.
/// </summary>
public sealed class ScenarioSetup
{
    public int Zones { get; set; } = 1;
    /// <summary>f_R per zone; each zone has 3 f_R + 1 gateways.</summary>
    public int FaultyGateways { get; set; } = 1;
    public int Executors { get; set; } = 3;
    /// <summary>f_E.</summary>
    public int FaultyExecutors { get; set; } = 1;
    public int CorrectDevicesPerZone { get; set; } = 4;
    public int KvKeysPerDevice { get; set; } = 4;
    public WorkloadKind Workload { get; set; } = WorkloadKind.Disjoint;
    public int ThinkTimeMaxMs { get; set; } = 30;

    public ProtocolSettings Protocol { get; } = new()
    {
        BatchSizeMax = 8,
        BatchTimeoutMs = 3,
        WindowBatches = 64,
        RespawnTimeoutMs = 300,
        DeviceTimeoutMs = 400,
        DeviceTimeoutMaxMs = 3200,
        // Production's timers scaled to the simulated network (delays of 1-25 ms, slow tails ten times
        // that), keeping their order: a request or proposal outlives many round trips before anyone
        // suspects the primary, and τ_m outlives a re-spawn.
        RequestTimeoutMs = 800,
        ViewChangeTimeoutMs = 800,
        RetransmitTimeoutMs = 800,
        VerifierTimeoutMs = 600,
        CheckpointInterval = 8,
    };

    public NetworkConditions SafetyNetwork { get; set; } = new(new LinkConditions(1, 15, SlowRate: 0.02, SlowDelayMaxMs: 80), new LinkConditions(1, 15, SlowRate: 0.02, SlowDelayMaxMs: 80));
    public NetworkConditions LivenessNetwork { get; set; } = NetworkConditions.Healed(10);

    public int SafetyPhaseMs { get; set; } = 1500;
    /// <summary>After the heal, devices keep submitting this long; then the run drains.</summary>
    public int LivenessSubmitMs { get; set; } = 500;
    /// <summary>How long after the heal (or after its submission, if later) a correct device may wait for its answer.</summary>
    public int? LivenessBoundMs { get; set; }

    /// <summary>Byzantine gateways by (zone, index within the zone); at most f_R per zone.</summary>
    public Dictionary<(int Zone, int Gateway), GatewayStrategy> ByzantineGateways { get; } = new();
    /// <summary>Byzantine executors by index; at most f_E.</summary>
    public Dictionary<int, ExecutorStrategy> ByzantineExecutors { get; } = new();
    /// <summary>Byzantine devices, each in a zone; any number.</summary>
    public List<(int Zone, DeviceAttack Attack)> ByzantineDevices { get; } = [];

    public int GatewaysPerZone => 3 * FaultyGateways + 1;

    /// <summary>
    /// The worst wait after the heal with nothing lost: a device deep in its back-off waits up to
    /// its longest timeout before asking again; a batch whose EXECUTE or VERIFY was lost waits for a
    /// re-spawn backed off up to 16 timeouts (InvokerCore); a faulty primary costs a request timeout
    /// and a view change (two, should the next primary be faulty or slow too); plus slack for the
    /// round trips.
    /// </summary>
    public int EffectiveLivenessBoundMs => LivenessBoundMs ??
        Protocol.DeviceTimeoutMaxMs + 16 * Protocol.RespawnTimeoutMs + Protocol.RequestTimeoutMs + 3 * Protocol.ViewChangeTimeoutMs + 1500;

    internal void Validate()
    {
        if (Zones is < 1 or > 8) throw new ArgumentException("1..8 zones");
        if (FaultyGateways is < 1 or > 3) throw new ArgumentException("f_R within 1..3");
        if (FaultyExecutors < 0 || Executors < 2 * FaultyExecutors + 1) throw new ArgumentException($"n_E = {Executors} cannot tolerate f_E = {FaultyExecutors}");
        if (CorrectDevicesPerZone is < 0 or > 64) throw new ArgumentException("0..64 correct devices per zone");
        if (ByzantineDevices.Count > 64) throw new ArgumentException("at most 64 byzantine devices");
        if (SafetyPhaseMs is < 1 or > 600_000 || LivenessSubmitMs is < 0 or > 600_000) throw new ArgumentException("phase lengths within 10 minutes");
        foreach (var ((zone, gateway), _) in ByzantineGateways)
            if (zone < 0 || zone >= Zones || gateway < 0 || gateway >= GatewaysPerZone) throw new ArgumentException($"no gateway {gateway} in zone {zone}");
        for (var zone = 0; zone < Zones; zone++)
            if (ByzantineGateways.Keys.Count(k => k.Zone == zone) > FaultyGateways)
                throw new ArgumentException($"zone {zone} has more byzantine gateways than f_R = {FaultyGateways}: the protocol promises nothing then");
        if (ByzantineExecutors.Count > FaultyExecutors) throw new ArgumentException($"more byzantine executors than f_E = {FaultyExecutors}");
        foreach (var index in ByzantineExecutors.Keys)
            if (index < 0 || index >= Executors) throw new ArgumentException($"no executor {index}");
        foreach (var (zone, _) in ByzantineDevices)
            if (zone < 0 || zone >= Zones) throw new ArgumentException($"no zone {zone}");
        SafetyNetwork.Validate();
        LivenessNetwork.Validate();
        if (!LivenessNetwork.Peers.IsLossless || !LivenessNetwork.Others.IsLossless || LivenessNetwork.Others.DuplicateRate > 0)
            throw new ArgumentException("the liveness phase's network must be healed: nothing lost or duplicated");
    }
}
