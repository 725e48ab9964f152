using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// S2 (§5.1): the primary of view 0 sends each PRE-PREPARE to only f_R backups, so no proposal can
/// gather 2 f_R prepares. The backups that accepted one time it until it commits (§5.1.1) and suspect.
/// </summary>
public sealed class UnsuccessfulConsensusScenario : Scenario
{
    public override string Name => "unsuccessful-consensus";
    public override string Description => "S2: the primary sends PRE-PREPARE to fewer than 2f+1 gateways; proposal timers lead to a view change";

    protected override void Shape(ScenarioSetup setup, Random random) =>
        setup.ByzantineGateways[(0, 0)] = new WithholdingPrimary();
}
