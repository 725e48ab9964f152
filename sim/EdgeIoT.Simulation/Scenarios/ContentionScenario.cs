using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Every device on a few hot keys with n_E = 3 f_E + 1 (serverlessbft §6): stale reads, ccheck aborts,
/// in-batch dependencies. SAFETY PHASE ONLY for now: correct executors that read different versions
/// never match, and without the verifier timer (§6.4) nothing aborts their slot, so the zone stops.
/// </summary>
public sealed class ContentionScenario : Scenario
{
    public override string Name => "contention";
    public override string Description => "conflicting transactions on shared hot keys: stale reads must abort at the verifier's ccheck, never commit";
    public override string LivenessSkipReason => "safety phase only: divergent correct VERIFY block a slot until the verifier timer (§6.4) exists";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Workload = WorkloadKind.Contention;
        setup.Protocol.ConflictsPossible = true;
        setup.Executors = 4;
        setup.FaultyExecutors = 1;
        setup.CorrectDevicesPerZone = 6;
    }
}
