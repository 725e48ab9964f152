using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Like <see cref="LossyScenario"/>, and gateway peer links lose messages too. SAFETY PHASE ONLY for
/// now: a lost PRE-PREPARE, PREPARE or COMMIT is never retransmitted, so a sequence number can stay
/// uncommitted until view change and checkpoints exist; then enable the liveness phase here.
/// </summary>
public sealed class LossyPeersScenario : Scenario
{
    public override string Name => "lossy-peers";
    public override string Description => "loss on every link including PBFT's: commits with partial participation must still agree";
    public override string LivenessSkipReason => "safety phase only: PBFT has no retransmission; a lost phase message strands its k until view change and checkpoints (coming)";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        var delayMaxMs = 5 + random.Next(20);
        // Peer loss is kept low: every lost phase message may strand a k for good, ending the useful
        // part of the run.
        setup.SafetyNetwork = new NetworkConditions(
            Peers: new LinkConditions(1, delayMaxMs, DropRate: 0.002 + random.NextDouble() * 0.02, DuplicateRate: 0.05, SlowRate: 0.05, SlowDelayMaxMs: 10 * delayMaxMs),
            Others: new LinkConditions(1, delayMaxMs, DropRate: 0.02 + random.NextDouble() * 0.1, DuplicateRate: 0.05, SlowRate: 0.05, SlowDelayMaxMs: 10 * delayMaxMs));
    }
}
