using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// D2 (serverlessbft §5.2): the primary of view 0 equivocates at every k, cleverly: the 2f backups
/// that got batch B commit it, and it spawns B itself, so the zone keeps deciding. The f backups that
/// got batch A are in the dark for that k; they learn B from checkpoints, and their suspicions (f of
/// them) must not move the zone. <see cref="EquivocationViewChangeScenario"/> is the stalling kind.
/// </summary>
public sealed class EquivocatingPrimaryScenario : Scenario
{
    public override string Name => "equivocating-primary";
    public override string Description => "the primary proposes different batches to different backups at the same k and signs COMMIT for both (D2): only one may ever commit";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        // Equivocation needs two batches with the same transactions; a batch of one cannot be varied.
        setup.Protocol.BatchSizeMax = Math.Max(2, setup.Protocol.BatchSizeMax);
        setup.ByzantineGateways[(0, 0)] = new EquivocatingPrimary();
    }
}
