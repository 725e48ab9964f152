using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// D2 (serverlessbft §5.2): the primary of view 0 equivocates at every k. SAFETY PHASE ONLY for now:
/// the f backups it keeps in the dark and a primary that stops cooperating need view change and
/// checkpoints to recover, which the protocol core does not have yet.
/// </summary>
public sealed class EquivocatingPrimaryScenario : Scenario
{
    public override string Name => "equivocating-primary";
    public override string Description => "the primary proposes different batches to different backups at the same k and signs COMMIT for both (D2): only one may ever commit";
    public override string LivenessSkipReason => "safety phase only: liveness under a byzantine primary needs PBFT view change (coming)";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        // Equivocation needs two batches with the same transactions; a batch of one cannot be varied.
        setup.Protocol.BatchSizeMax = Math.Max(2, setup.Protocol.BatchSizeMax);
        setup.ByzantineGateways[(0, 0)] = new EquivocatingPrimary();
    }
}
