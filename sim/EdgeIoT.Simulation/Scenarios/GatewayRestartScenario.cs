namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Gateways crash and restart from their persisted replica state (decisions D13): one at a time, the
/// primary included, sometimes one right after another. A restarted gateway restores its view and its
/// accepted, prepared and committed entries, re-announces an interrupted view change, learns later
/// views from its peers' NEW-VIEW and catches up from checkpoints.
/// </summary>
public sealed class GatewayRestartScenario : Scenario
{
    public override string Name => "gateway-restart";
    public override string Description => "gateways (the primary too) crash and restart from their persisted PBFT state, one after another";

    public override void ScheduleFaults(FaultSchedule faults, Random random)
    {
        var world = faults.World;
        var safetyMs = world.Setup.SafetyPhaseMs;
        var zone = random.Next(world.Setup.Zones);
        var crashes = 1 + random.Next(3);
        var atMs = random.Next(safetyMs / 4);
        for (var i = 0; i < crashes && atMs < safetyMs - 1; i++)
        {
            // At most f_R = 1 down at once: the next crash comes after this restart.
            var gateway = world.ZoneGateways(zone)[random.Next(2) == 0 ? i % world.ZoneGatewayCount(zone) : random.Next(world.ZoneGatewayCount(zone))];
            var downMs = 1 + random.Next(safetyMs / 3);
            faults.CrashAndRestart(gateway.Id, atMs, downMs);
            atMs += downMs + 1 + random.Next(safetyMs / 6);
        }
    }

    protected override void Shape(ScenarioSetup setup, Random random) => setup.Zones = 1 + random.Next(2);
}
