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
    private MigrationDriver? _driver;

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

    public override IEnumerable<Checkers.Checker> ExtraCheckers(World world)
    {
        _driver = new MigrationDriver(world, deviceIndex: 0, fromZone: 0, toZone: 1);
        return [_driver, new ZoneOwnershipChecker(world)];
    }

    public override void ScheduleFaults(FaultSchedule faults, Random random) =>
        faults.At(400 + random.Next(800), "migrate device 0 from z1 to z2", _ => _driver!.Start());
}
