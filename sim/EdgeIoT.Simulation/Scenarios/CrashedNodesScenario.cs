using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Crash faults, the benign cousins of byzantine ones: a gateway (the primary, half the time) and an
/// executor stop for good mid-run, leaving exactly 2 f_R + 1 gateways and f_E + 1 correct executors.
/// A crashed primary is replaced by a view change.
/// </summary>
public sealed class CrashedNodesScenario : Scenario
{
    public override string Name => "crashed-nodes";
    public override string Description => "a gateway (the primary half the time) and an executor crash for good mid-run: the remaining quorums must carry on";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var world = faults.World;
        var safetyMs = world.Setup.SafetyPhaseMs;
        var zone = random.Next(world.Setup.Zones);
        faults.Crash(world.ZoneGateways(zone)[random.Next(2) == 0 ? 0 : 1 + random.Next(world.ZoneGatewayCount(zone) - 1)].Id, random.Next(safetyMs / 2));
        faults.Crash(new NodeId(NodeRole.Executor, random.Next(world.Executors.Count)), random.Next(safetyMs / 2));
    }
}
