using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A gateway (the primary, half the time) is cut off from everyone for a while and healed, and
/// separately one executor. An unreachable primary is replaced by a view change; the healed gateway
/// learns the new view from its peers and catches up from checkpoints.
/// </summary>
public sealed class PartitionMinorityScenario : Scenario
{
    public override string Name => "partition-minority";
    public override string Description => "one gateway (the primary half the time), and later one executor, cut off from every node and healed: the rest keep deciding, the healed ones catch up";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var world = faults.World;
        var safetyMs = world.Setup.SafetyPhaseMs;
        var zone = random.Next(world.Setup.Zones);
        var gateway = world.ZoneGateways(zone)[random.Next(2) == 0 ? 0 : 1 + random.Next(world.ZoneGatewayCount(zone) - 1)];
        var startMs = random.Next(safetyMs / 4);
        faults.Partition("gateway", [gateway.Id], startMs, startMs + safetyMs / 4 + random.Next(safetyMs / 3));
        var executor = new NodeId(NodeRole.Executor, random.Next(world.Executors.Count));
        var executorStartMs = safetyMs / 2 + random.Next(safetyMs / 4);
        faults.Partition("executor", [executor], executorStartMs, executorStartMs + random.Next(safetyMs / 4));
    }
}
