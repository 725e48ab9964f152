using EdgeIoT.Simulation.Byzantine;
using EdgeIoT.Simulation.Nodes;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// §6.4.1, second case: n_E = 3 f_E + 1 = 4 with one executor silent and a byzantine device racing
/// writes on one key, so the three correct executors often read different versions. τ_m expires with
/// 2 f_E + 1 VERIFY and no f_E + 1 matching: the verifier aborts the batch in order, and the zone moves
/// on. (With all four answering, the verifier aborts without waiting for the timer.)
/// </summary>
public sealed class VerifierTimerAbortScenario : Scenario
{
    public override string Name => "verifier-timer-abort";
    public override string Description => "§6.4: n_E = 3f_E+1 with a silent executor and conflicting writes; τ_m expires with 2f_E+1 VERIFY unmatched and the batch aborts in order";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.Protocol.ConflictsPossible = true;
        setup.Executors = 4;
        setup.FaultyExecutors = 1;
        setup.ByzantineExecutors[random.Next(setup.Executors)] = new SilentExecutor();
        setup.ByzantineDevices.Add((0, new ConflictingTransactions()));
    }
}
