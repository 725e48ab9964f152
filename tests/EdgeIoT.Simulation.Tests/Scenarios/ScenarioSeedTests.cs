using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation.Tests.Scenarios;

/// <summary>
/// Every scenario over a fixed seed range, one test case per seed so a failure names its seed (and
/// its message carries the trace tail and the replay command). Each scenario is its own test class, so
/// xunit runs scenarios in parallel, one per core.
/// </summary>
public abstract class ScenarioSeedTests(string scenario, ITestOutputHelper output)
{
    /// <summary>Seeds per scenario in CI: the project stays under about two minutes on two cores. Longer sweeps: ./edgeiot sim --seeds N or --soak.</summary>
    public const int SeedsPerScenario = 10;

    public string Scenario => scenario;

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, SeedsPerScenario).Select(seed => new object[] { (ulong)seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_invariant_holds(ulong seed)
    {
        SimulationResult result;
        try
        {
            result = Simulation.Run(scenario, seed);
        }
        catch (SimulationFailure failure)
        {
            Assert.Fail(failure.Message);
            return;
        }
        output.WriteLine($"{scenario} seed {seed}: {result.DecidedBatches} batches, {result.Committed} committed, {result.Aborted} aborted, {result.Rejected} rejected, {result.MessagesSent} messages, {result.WallMs:0} ms wall");
        Assert.True(result.DecidedBatches > 0, "nothing was decided: the scenario checks nothing");
        if (result.LivenessChecked) Assert.True(result.LivenessAnswers > 0, "no request was answered in the liveness phase");
        Assert.Equal(ScenarioCatalog.Get(scenario).ChecksLiveness, result.LivenessChecked);
        AssertEvidence(result);
    }

    /// <summary>What shows that the scenario's faults actually reached the code they target.</summary>
    protected virtual void AssertEvidence(SimulationResult result) { }

    protected static void Positive(SimulationResult result, string metric) =>
        Assert.True(result.Metrics[metric] > 0, $"{metric} is 0: the scenario's fault never happened");

    /// <summary>The zone replaced a faulty primary: every correct gateway of the first zone that is up left view 0.</summary>
    protected static void ViewChanged(SimulationResult result)
    {
        Positive(result, "gateway.views_installed");
        Assert.True(result.Metrics["gateway.z1.min_view"] >= 1, $"a correct gateway is still in view {result.Metrics["gateway.z1.min_view"]}");
    }
}

public sealed class NormalScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("normal", output)
{
    protected override void AssertEvidence(SimulationResult result) => Assert.Equal(0, result.MessagesDropped);
}

public sealed class LossyScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("lossy", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class LossyPeersScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("lossy-peers", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class LyingExecutorScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("lying-executor", output);

public sealed class GarbageExecutorScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("garbage-executor", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.garbage_verify");
        Positive(result, "verifier.verify_rejected");
    }
}

public sealed class FloodingSpawnerScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("flooding-spawner", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.floods");
        Positive(result, "verifier.verify_for_decided");
    }
}

public sealed class ByzantineClientsScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("byzantine-clients", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.device_messages");
        Positive(result, "gateway.refused");
    }
}

public sealed class EquivocatingPrimaryScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("equivocating-primary", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "byzantine.equivocations");
}

public sealed class PartitionMinorityScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("partition-minority", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class ContentionScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("contention", output);

public sealed class ConflictingClientsScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("conflicting-clients", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "byzantine.device_messages");
}

public sealed class VerifierRestartScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("verifier-restart", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "verifier.restarts");
}

public sealed class VerifierLostNoticeScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("verifier-lost-notice", output)
{
    // Not every lost notice needs announcing again: a later decision's notice may tell the zone first.
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "verifier.notices_lost_to_crash");
}

public sealed class WindowPressureScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("window-pressure", output);

public sealed class CrashedNodesScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("crashed-nodes", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class RequestIgnoranceScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("request-ignorance", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.ignored_requests");
        ViewChanged(result);
    }
}

public sealed class UnsuccessfulConsensusScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("unsuccessful-consensus", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.withheld_proposals");
        ViewChanged(result);
    }
}

public sealed class FewExecutorsScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("few-executors", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.starved_spawns");
        Positive(result, "verifier.notices.replace");
        ViewChanged(result);
    }
}

public sealed class NodeExclusionScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("node-exclusion", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.excluded_messages");
        // Undetectable (Lemma 5.1): the victim alone suspects, and a lone suspicion moves nobody.
        Assert.Equal(0, result.Metrics["gateway.views_installed"]);
    }
}

public sealed class EquivocationViewChangeScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("equivocation-view-change", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.split_proposals");
        ViewChanged(result);
    }
}

public sealed class ByzantineNewPrimaryScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("byzantine-new-primary", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "byzantine.forged_new_views");
        // Views 0 and 1 have faulty primaries: the zone must settle at view 2 or later.
        Assert.True(result.Metrics["gateway.z1.min_view"] >= 2, $"a correct gateway is in view {result.Metrics["gateway.z1.min_view"]}");
    }
}

public sealed class GatewayRestartScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("gateway-restart", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "gateway.restarts");
}

public sealed class VerifierTimerAbortScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("verifier-timer-abort", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "byzantine.device_messages");
}

public sealed class ConflictingClientsSilentExecutorScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("conflicting-clients-silent-executor", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "byzantine.device_messages");
}

public sealed class GatewayChaosScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("gateway-chaos", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class ByzantineChaosScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("byzantine-chaos", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class DecentralizedSpawningScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("decentralized-spawning", output)
{
    // The scenario's no-forced-aborts checker fails the run on any abort; here the primary must really
    // have held spawns back, or the run proved nothing.
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "byzantine.held_spawns");
}

public sealed class MigrationRaceScenarioTests(ITestOutputHelper output) : ScenarioSeedTests("migration-race", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "verifier.devices_moved");
}
