using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Loss, duplication, reordering and slow tails on every device, executor and verifier link; peer
/// links duplicate and reorder but do not lose (PBFT has no retransmission until view change and
/// checkpoints land — raise <see cref="NetworkConditions.Peers"/> drop rate then).
/// </summary>
public sealed class LossyScenario : Scenario
{
    public override string Name => "lossy";
    public override string Description => "drops, duplicates, reordering and slow tails on device, executor and verifier links (peer links duplicate and reorder only): retries, re-spawns and dedup at work";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        var delayMaxMs = 5 + random.Next(20);
        setup.SafetyNetwork = new NetworkConditions(
            Peers: new LinkConditions(1, delayMaxMs, DuplicateRate: 0.05, SlowRate: 0.05, SlowDelayMaxMs: 10 * delayMaxMs),
            Others: new LinkConditions(1, delayMaxMs, DropRate: 0.03 + random.NextDouble() * 0.12, DuplicateRate: 0.02 + random.NextDouble() * 0.08, SlowRate: 0.05, SlowDelayMaxMs: 10 * delayMaxMs));
    }
}
