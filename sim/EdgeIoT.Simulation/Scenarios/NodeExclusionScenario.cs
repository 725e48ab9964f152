using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// D1 (§5.2): the primary never sends one correct backup anything. The others commit without it
/// (2 f_R + 1 remain); the victim sees f_R + 1 matching CHECKPOINTs beyond its frontier and fetches the
/// batches with their certificates (§5.2.1, decisions D15). Its lone suspicion must not move the zone.
/// </summary>
public sealed class NodeExclusionScenario : Scenario
{
    public override string Name => "node-exclusion";
    public override string Description => "D1: the primary keeps one correct backup in the dark; it catches up from featherweight checkpoints";

    protected override void Shape(ScenarioSetup setup, Random random) =>
        setup.ByzantineGateways[(0, 0)] = new ExcludingGateway(victim: 1 + random.Next(setup.GatewaysPerZone - 1));
}
