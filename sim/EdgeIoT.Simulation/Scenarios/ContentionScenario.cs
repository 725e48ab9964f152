namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Every device on a few hot keys, with n_E = 3 f_E + 1 as conflicts require (serverlessbft §6,
/// Theorem 6.2): stale reads, ccheck aborts, in-batch dependencies (decisions D4).
/// </summary>
public sealed class ContentionScenario : Scenario
{
    public override string Name => "contention";
    public override string Description => "conflicting transactions on shared hot keys with n_E = 3 f_E + 1: stale reads must abort at the verifier's ccheck, never commit";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Workload = WorkloadKind.Contention;
        setup.Protocol.ConflictsPossible = true;
        setup.Executors = 4;
        setup.FaultyExecutors = 1;
        setup.CorrectDevicesPerZone = 6 + random.Next(3);
    }
}
