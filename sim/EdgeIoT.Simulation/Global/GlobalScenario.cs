using EdgeIoT.Core.Config;
using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation.Global;

/// <summary>What a multi-zone scenario decides before its <see cref="GlobalWorld"/> is built.</summary>
public sealed class GlobalSetup
{
    public int Zones { get; set; } = 3;
    public int FaultyGateways { get; set; } = 1;
    public int GatewaysPerZone => 3 * FaultyGateways + 1;
    public int DevicesPerZone { get; set; } = 2;
    public GlobalLeaderMode Leader { get; set; } = GlobalLeaderMode.StableLeader;
    public int StableZone { get; set; }
    public int ClientsPerZoneMax { get; set; } = 10_000;
    public int MigrationsPerPeriodMax { get; set; } = 10;
    public long MigrationPeriodMs { get; set; } = 3_600_000;
    public int StepTimeoutMs { get; set; } = 300;
    public int CollisionBackoffMaxMs { get; set; } = 80;
    /// <summary>global.slotsInFlightMax per seed: 1 (one slot at a time) or 8 (the product's default: the stable leader pipelines, decision Z6).</summary>
    public int SlotsInFlightMax { get; set; } = 1;

    /// <summary>One-way delay between gateways of one zone: 1..this ms.</summary>
    public int IntraDelayMaxMs { get; set; } = 4;
    /// <summary>Base one-way delay between two zones (per pair, drawn in 5..this ms), plus 0..4 ms jitter per message.</summary>
    public int InterDelayMaxMs { get; set; } = 30;
    public double DropRate { get; set; }
    public double DuplicateRate { get; set; }
    /// <summary>A fraction of messages take up to ten times their delay (reordering beyond jitter).</summary>
    public double SlowRate { get; set; } = 0.02;
    /// <summary>How long the zone's PBFT and the verifier take to decide a LOCK or ADOPT entry: 2..this ms.</summary>
    public int DataPlaneDelayMaxMs { get; set; } = 20;
    /// <summary>A device waits 0..this ms between its migrations.</summary>
    public int ThinkTimeMaxMs { get; set; } = 300;
    public int DeviceTimeoutMs { get; set; } = 1200;

    public int SafetyPhaseMs { get; set; } = 3000;
    public int LivenessSubmitMs { get; set; } = 1000;
    public int LivenessBoundMs { get; set; } = 12_000;

    /// <summary>Byzantine gateways by (zone, index): at most f per zone.</summary>
    public Dictionary<(int Zone, int Gateway), ByzantineKind> Byzantine { get; } = [];
    /// <summary>Zone crashes: the zone's gateways stop at <c>AtMs</c>; <c>Restart</c> brings them back (state kept, as from persisted state) at the heal.</summary>
    public List<(int Zone, long AtMs, bool Restart)> ZoneCrashes { get; } = [];
    /// <summary>
    /// This zone crashes for good a few milliseconds after it first sends a certified ACCEPT to other zones
    /// (after <see cref="CrashAfterAcceptFromMs"/>): its order may be accepted by a majority and never
    /// committed by it — the next initiator of the slot must commit it (Paxos recovery).
    /// </summary>
    public int? CrashAfterAcceptZone { get; set; }
    public long CrashAfterAcceptFromMs { get; set; } = 800;
    /// <summary>Zone partitions during the safety phase: the zone is cut from every other zone in [From, To).</summary>
    public List<(int Zone, long FromMs, long ToMs)> ZonePartitions { get; } = [];
}

/// <summary>
/// A multi-zone scenario: many <see cref="Gateway.Protocol.Global.GlobalCoordinator"/> instances over a
/// simulated wide-area network, with each zone's PBFT view change and data plane (LOCK/ADOPT ordering,
/// the verifier's ownership table) modelled (<see cref="GlobalWorld"/>). Listed in the one
/// <see cref="ScenarioCatalog"/>; <see cref="Simulation.Run(Scenario, ulong, SimulationOptions?)"/> runs it
/// in its own world.
/// </summary>
public abstract class GlobalScenario : Scenario
{
    /// <summary>Randomizes what every global scenario varies per seed, then lets the scenario shape the rest.</summary>
    public void Configure(GlobalSetup setup, Random random)
    {
        setup.Leader = random.Next(2) == 0 ? GlobalLeaderMode.StableLeader : GlobalLeaderMode.LeaderElection;
        setup.Zones = random.Next(3) == 0 ? 5 : 3;
        setup.StableZone = random.Next(setup.Zones);
        setup.InterDelayMaxMs = 10 + random.Next(30);
        setup.ThinkTimeMaxMs = 100 + random.Next(500);
        // Derived from a draw already made, so every seed's later draws stay what they were.
        setup.SlotsInFlightMax = setup.InterDelayMaxMs % 2 == 0 ? 8 : 1;
        Shape(setup, random);
    }

    protected abstract void Shape(GlobalSetup setup, Random random);

    /// <summary>Global scenarios never build a single-zone world.</summary>
    protected sealed override void Shape(ScenarioSetup setup, Random random) =>
        throw new InvalidOperationException($"{Name} is a multi-zone scenario: it runs in a GlobalWorld");
}
