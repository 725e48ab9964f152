using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>n_E = 5, f_E = 2: two executors collude on the same wrong results (serverlessbft §3.1, §4.4).</summary>
public sealed class LyingExecutorScenario : Scenario
{
    public override string Name => "lying-executor";
    public override string Description => "f_E = 2 of 5 executors collude on identical wrong results and writes: f_E+1 matching VERIFY keep them out of storage";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Executors = 5;
        setup.FaultyExecutors = 2;
        var liars = Enumerable.Range(0, setup.Executors).OrderBy(_ => random.Next()).Take(setup.FaultyExecutors);
        foreach (var index in liars) setup.ByzantineExecutors[index] = new LyingExecutor();
    }
}
