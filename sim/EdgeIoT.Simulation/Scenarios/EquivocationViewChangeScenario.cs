using EdgeIoT.Simulation.Byzantine;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// D2 (§5.2) as a primary that gains nothing but stalls: every backup gets its own variant of every
/// proposal, so nothing prepares. Proposal timers move the zone to the next view; requests of the
/// dropped proposals return to pending and are proposed again (decisions D16).
/// </summary>
public sealed class EquivocationViewChangeScenario : Scenario
{
    public override string Name => "equivocation-view-change";
    public override string Description => "D2: the primary sends every backup a different batch at each k; nothing commits until a view change re-pends the requests";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        // A single transaction is varied by repeating it once per backup index: the batch must hold that many.
        setup.Protocol.BatchSizeMax = Math.Max(setup.GatewaysPerZone, setup.Protocol.BatchSizeMax);
        setup.ByzantineGateways[(0, 0)] = new SplittingPrimary();
    }
}
