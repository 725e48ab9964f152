using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Two faulty primaries in a row in a zone of f_R = 2 (seven gateways): the primary of view 0 ignores
/// requests (S1); the primary of view 1 ignores them too and sends a NEW-VIEW that does not follow from
/// its view changes. Backups recompute the plan, refuse it and move on to view 2.
/// </summary>
public sealed class ByzantineNewPrimaryScenario : Scenario
{
    public override string Name => "byzantine-new-primary";
    public override string Description => "f_R = 2: the primary ignores requests and the next primary forges its NEW-VIEW; the zone settles on the third";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.FaultyGateways = 2;
        setup.ByzantineGateways[(0, 0)] = new IgnoringPrimary();
        setup.ByzantineGateways[(0, 1)] = new ForgingNewViewPrimary();
    }
}
