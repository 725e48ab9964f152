using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A backup gateway is cut off from everyone for a while and healed, and separately one executor.
/// The primary is not partitioned here: replacing an unreachable primary needs view change (coming).
/// </summary>
public sealed class PartitionMinorityScenario : Scenario
{
    public override string Name => "partition-minority";
    public override string Description => "one backup gateway, and later one executor, cut off from every node and healed: the rest keep deciding, the healed ones catch up";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var world = faults.World;
        var safetyMs = world.Setup.SafetyPhaseMs;
        var zone = random.Next(world.Setup.Zones);
        var backup = world.ZoneGateways(zone)[1 + random.Next(world.ZoneGatewayCount(zone) - 1)];
        var startMs = random.Next(safetyMs / 4);
        faults.Partition("backup", [backup.Id], startMs, startMs + safetyMs / 4 + random.Next(safetyMs / 3));
        var executor = new NodeId(NodeRole.Executor, random.Next(world.Executors.Count));
        var executorStartMs = safetyMs / 2 + random.Next(safetyMs / 4);
        faults.Partition("executor", [executor], executorStartMs, executorStartMs + random.Next(safetyMs / 4));
    }
}
