using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// A byzantine device floods conflicting transactions on one key, in a network that declared
/// <c>conflictsPossible = false</c> (n_E = 3, f_E = 1). Correct VERIFY split by read versions never
/// reach f_E + 1 matching; once every executor has answered, the verifier aborts the batch in order
/// (§6.4: the timer stops when all n_E answered), so the zone stays live.
/// </summary>
public sealed class ConflictingClientsScenario : Scenario
{
    public override string Name => "conflicting-clients";
    public override string Description => "a byzantine device breaks the no-conflicts promise (read-modify-writes racing writes on one key): split VERIFY abort once every executor answered";

    protected override void Shape(ScenarioSetup setup, Random random) =>
        setup.ByzantineDevices.Add((0, new ConflictingTransactions()));
}

/// <summary>
/// <see cref="ConflictingClientsScenario"/> with one executor silent (f_E = 1 of n_E = 3). SAFETY ONLY,
/// a protocol limit: the network promised no conflicts, so n_E = 2 f_E + 1; a byzantine device breaks
/// the promise and the two correct executors' VERIFY differ. τ_m then expires with 2 &lt; 2 f_E + 1
/// VERIFY, and §6.4.1 makes the verifier blame the primary (REPLACE); every new primary re-spawns, but
/// the verifier counts each executor's first VERIFY per k only (§5.3 flood rule), so the split never
/// heals and the zone changes views forever. Theorem 6.2: conflicts need n_E ≥ 3 f_E + 1 — and a
/// byzantine client can create conflicts whatever the network declares.
/// </summary>
public sealed class ConflictingClientsSilentExecutorScenario : Scenario
{
    public override string Name => "conflicting-clients-silent-executor";
    public override string Description => "conflicting-clients beside a silent executor with n_E = 2f_E+1: safety must hold while the zone cannot decide the split k";
    public override string LivenessSkipReason =>
        "safety only (protocol limit): with n_E = 2f_E+1, a byzantine device's conflicts split the two correct VERIFY; τ_m sees < 2f_E+1 VERIFY and sends REPLACE forever, " +
        "since the verifier keeps each executor's first VERIFY per k and re-spawns cannot heal the split (Theorem 6.2: conflicts need n_E >= 3f_E+1)";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.ByzantineDevices.Add((0, new ConflictingTransactions()));
        setup.ByzantineExecutors[random.Next(setup.Executors)] = new SilentExecutor();
    }
}
