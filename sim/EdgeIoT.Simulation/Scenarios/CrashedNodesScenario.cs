using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Crash faults, the benign cousins of byzantine ones: a backup gateway and an executor stop for good
/// mid-run, leaving exactly 2 f_R + 1 gateways and f_E + 1 correct executors. A crashed primary needs
/// view change (coming).
/// </summary>
public sealed class CrashedNodesScenario : Scenario
{
    public override string Name => "crashed-nodes";
    public override string Description => "a backup gateway and an executor crash for good mid-run: the remaining quorums must carry on";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var world = faults.World;
        var safetyMs = world.Setup.SafetyPhaseMs;
        var zone = random.Next(world.Setup.Zones);
        faults.Crash(world.ZoneGateways(zone)[1 + random.Next(world.ZoneGatewayCount(zone) - 1)].Id, random.Next(safetyMs / 2));
        faults.Crash(new NodeId(NodeRole.Executor, random.Next(world.Executors.Count)), random.Next(safetyMs / 2));
    }
}
