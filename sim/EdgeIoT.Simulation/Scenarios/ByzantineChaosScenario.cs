using EdgeIoT.Simulation.Byzantine;
using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// f_R = 2 (seven gateways): one byzantine gateway, drawn per seed from the faulty-primary strategies
/// (S1, S2, S3, D1, D2 either kind, forged NEW-VIEW), and one more gateway at a time crashing and
/// restarting or cut off, back to back, on lossy peer links, for 4 s. Whatever view the zone reaches,
/// its primary may be the byzantine one again, or down.
/// </summary>
public sealed class ByzantineChaosScenario : Scenario
{
    public override string Name => "byzantine-chaos";
    public override string Description => "f_R = 2: a byzantine gateway of a random kind plus back-to-back crashes, restarts and partitions of another on lossy peer links";

    protected override void Shape(ScenarioSetup setup, Random random)
    {
        setup.FaultyGateways = 2;
        setup.SafetyPhaseMs = 4000;
        setup.Protocol.BatchSizeMax = Math.Max(setup.GatewaysPerZone, setup.Protocol.BatchSizeMax);
        var byzantine = random.Next(setup.GatewaysPerZone);
        setup.ByzantineGateways[(0, byzantine)] = random.Next(7) switch
        {
            0 => new IgnoringPrimary(),
            1 => new WithholdingPrimary(),
            2 => new FewExecutorsPrimary(),
            3 => new ExcludingGateway(victim: (byzantine + 1 + random.Next(setup.GatewaysPerZone - 1)) % setup.GatewaysPerZone),
            4 => new SplittingPrimary(),
            5 => new EquivocatingPrimary(),
            _ => new ForgingNewViewPrimary(),
        };
        var delayMaxMs = 3 + random.Next(15);
        setup.SafetyNetwork = new NetworkConditions(
            Peers: new LinkConditions(1, delayMaxMs, DropRate: random.NextDouble() * 0.02, DuplicateRate: 0.02, SlowRate: 0.03, SlowDelayMaxMs: 8 * delayMaxMs),
            Others: new LinkConditions(1, delayMaxMs, DropRate: random.NextDouble() * 0.04, DuplicateRate: 0.02, SlowRate: 0.03, SlowDelayMaxMs: 8 * delayMaxMs));
    }

    // Only correct gateways crash: the byzantine one already spends one of the f_R = 2.
    public override void ScheduleFaults(FaultSchedule faults, Random random) =>
        faults.Chaos(faults.World.ZoneGateways(0).Where(g => g.IsCorrect).ToList(), random);
}
