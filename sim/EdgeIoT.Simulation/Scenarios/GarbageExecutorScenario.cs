using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>F3 and malformed VERIFY from one of three executors (serverlessbft §5.3).</summary>
public sealed class GarbageExecutorScenario : Scenario
{
    public override string Name => "garbage-executor";
    public override string Description => "an executor sends floods of duplicate VERIFY, bad signatures, VERIFY for the wrong k, wrong digests, garbage outcomes, forged executor indices (F3)";

    protected override void Shape(ScenarioSetup setup, Random random) =>
        setup.ByzantineExecutors[random.Next(setup.Executors)] = new GarbageExecutor();
}
