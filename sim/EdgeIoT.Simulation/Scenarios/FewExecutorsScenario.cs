using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// S3 (§5.1, §6.4.1 first case): the primary of view 0 spawns one executor per batch. The verifier's
/// timer τ_m expires with fewer than 2 f_E + 1 VERIFY and it sends REPLACE; every gateway starts a view
/// change at once, and the new primary spawns every committed, undecided batch.
/// </summary>
public sealed class FewExecutorsScenario : Scenario
{
    public override string Name => "few-executors";
    public override string Description => "S3: the primary spawns one executor per batch; the verifier timer finds too few VERIFY and sends REPLACE";

    protected override void Shape(ScenarioSetup setup, Random random) =>
        setup.ByzantineGateways[(0, 0)] = new FewExecutorsPrimary();
}
