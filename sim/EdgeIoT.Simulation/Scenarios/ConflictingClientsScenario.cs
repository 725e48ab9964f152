using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A byzantine device floods conflicting transactions on one key, in a network that declared
/// <c>conflictsPossible = false</c> (n_E = 3, f_E = 1), sometimes with an executor that never answers.
/// SAFETY PHASE ONLY for now: correct VERIFY split by read versions never reach f_E + 1 matching, the
/// verifier keeps each executor's first vote per k so re-spawns cannot heal it, and nothing aborts the
/// slot until the verifier timer (serverlessbft §6.4) exists — a single untrusted device halts its zone.
/// </summary>
public sealed class ConflictingClientsScenario : Scenario
{
    public override string Name => "conflicting-clients";
    public override string Description => "a byzantine device breaks the no-conflicts promise (read-modify-writes racing writes on one key), sometimes beside a silent executor";
    public override string LivenessSkipReason => "safety phase only: split VERIFY block their k until the verifier timer (§6.4) aborts it (coming)";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.ByzantineDevices.Add((0, new ConflictingTransactions()));
        if (random.Next(2) == 0) setup.ByzantineExecutors[random.Next(setup.Executors)] = new SilentExecutor();
    }
}
