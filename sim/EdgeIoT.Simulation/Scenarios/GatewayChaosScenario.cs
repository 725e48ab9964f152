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

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var world = faults.World;
        var safetyMs = world.Setup.SafetyPhaseMs;
        var gateways = world.ZoneGateways(0);
        var atMs = (long)random.Next(200);
        for (var i = 0; atMs < safetyMs - 2; i++)
        {
            var gateway = gateways[random.Next(gateways.Count)];
            var downMs = 50 + random.Next(700);
            if (atMs + downMs >= safetyMs) downMs = (int)(safetyMs - 1 - atMs);
            if (random.Next(3) == 0) faults.Partition($"chaos-{i}", [gateway.Id], atMs, atMs + downMs);
            else faults.CrashAndRestart(gateway.Id, atMs, downMs);
            atMs += downMs + random.Next(400);
        }
    }
}
