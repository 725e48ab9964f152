using EdgeIoT.Simulation.Zones;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Two zones; while a device keeps sending transactions to its zone, the zone orders a LOCK for its
/// migration, the verifier fixes its history, and the other zone orders the ADOPT (docs/zones.md). With
/// lossy links and a byzantine gateway in each zone. The source zone must commit nothing of the device
/// after the lock, lose nothing committed before it, and the destination serve it only after adopting it.
/// </summary>
public sealed class MigrationRaceScenario : Scenario
{
    public override string Name => "migration-race";
    public override string Description => "a device migrates between two zones while it keeps sending to the source; no transaction is lost or served by two zones";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Zones = 2;
        setup.CorrectDevicesPerZone = 3;
        setup.SafetyPhaseMs = 3000;
        setup.ThinkTimeMaxMs = 5 + random.Next(10);
        for (var z = 0; z < 2; z++)
            setup.ByzantineGateways[(z, 1 + random.Next(3))] = new Byzantine.IgnoringPrimary();
    }

    // Scenarios are shared by concurrent runs: per-run state lives in the world's checkers.
    public override IEnumerable<Checkers.Checker> ExtraCheckers(World world) =>
        [new MigrationDriver(world, deviceIndex: 0, fromZone: 0, toZone: 1), new ZoneOwnershipChecker(world)];

    public override void ScheduleFaults(FaultSchedule faults, Random random) =>
        faults.At(400 + random.Next(800), "migrate device 0 from z1 to z2", world => world.Checkers.All.OfType<MigrationDriver>().Single().Start());
}
