using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Like <see cref="LossyScenario"/>, and gateway peer links lose messages too. PBFT retransmits no
/// phase message: a k whose PRE-PREPARE, PREPARE or COMMIT was lost stays uncommitted until the
/// proposal timer suspects the primary and a view change re-proposes it (or a checkpoint lets a
/// lagging gateway fetch it).
/// </summary>
public sealed class LossyPeersScenario : Scenario
{
    public override string Name => "lossy-peers";
    public override string Description => "loss on every link including PBFT's: commits with partial participation must still agree";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        var delayMaxMs = 5 + random.Next(20);
        // Every lost phase message may cost a view change: higher loss mostly measures timers.
        setup.SafetyNetwork = new NetworkConditions(
            Peers: new LinkConditions(1, delayMaxMs, DropRate: 0.002 + random.NextDouble() * 0.04, DuplicateRate: 0.05, SlowRate: 0.05, SlowDelayMaxMs: 10 * delayMaxMs),
            Others: new LinkConditions(1, delayMaxMs, DropRate: 0.02 + random.NextDouble() * 0.1, DuplicateRate: 0.05, SlowRate: 0.05, SlowDelayMaxMs: 10 * delayMaxMs));
    }
}
