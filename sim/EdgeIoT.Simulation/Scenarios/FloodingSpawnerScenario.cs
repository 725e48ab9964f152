using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>F1/F2: a byzantine primary or backup re-spawns executors for old batches (serverlessbft §5.3).</summary>
public sealed class FloodingSpawnerScenario : Scenario
{
    public override string Name => "flooding-spawner";
    public override string Description => "a byzantine gateway (the primary, F1, or a backup, F2) keeps re-spawning executors for old batches with real certificates";

    protected override void Shape(ScenarioSetup setup, Random random) =>
        setup.ByzantineGateways[(0, random.Next(2) == 0 ? 0 : 1 + random.Next(setup.GatewaysPerZone - 1))] = new FloodingSpawner(intervalMs: 20 + random.Next(40), burst: 1 + random.Next(2));
}
