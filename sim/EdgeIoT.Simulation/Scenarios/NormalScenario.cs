namespace EdgeIoT.Simulation.Scenarios;

/// <summary>No faults: random delays only, so messages reorder. One or two zones.</summary>
public sealed class NormalScenario : Scenario
{
    public override string Name => "normal";
    public override string Description => "no faults, random delays (reordering), one or two zones: the baseline every invariant must hold on";

    protected override void Shape(ScenarioSetup setup, Random random) => setup.Zones = 1 + random.Next(2);
}
