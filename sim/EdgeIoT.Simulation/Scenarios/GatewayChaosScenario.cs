using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Crash faults in quick succession on a lossy PBFT network, for longer: every few hundred
/// milliseconds one gateway of a zone — any of them, the primary of whatever view is current included
/// — crashes and restarts from its store or is cut off and healed, never more than f_R = 1 at once.
/// View changes start, are interrupted by crashes, resume after restarts, and overlap partitions.
/// </summary>
public sealed class GatewayChaosScenario : Scenario
{
    public override string Name => "gateway-chaos";
    public override string Description => "one gateway at a time crashes and restarts or is partitioned, back to back, on lossy peer links, for 4 s: view changes interrupted and resumed";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.SafetyPhaseMs = 4000;
        var delayMaxMs = 3 + random.Next(15);
        setup.SafetyNetwork = new NetworkConditions(
            Peers: new LinkConditions(1, delayMaxMs, DropRate: random.NextDouble() * 0.03, DuplicateRate: 0.02, SlowRate: 0.03, SlowDelayMaxMs: 8 * delayMaxMs),
            Others: new LinkConditions(1, delayMaxMs, DropRate: random.NextDouble() * 0.05, DuplicateRate: 0.02, SlowRate: 0.03, SlowDelayMaxMs: 8 * delayMaxMs));
    }

    public override void ScheduleFaults(FaultSchedule faults, Random random) =>
        faults.Chaos(faults.World.ZoneGateways(0), random);
}
