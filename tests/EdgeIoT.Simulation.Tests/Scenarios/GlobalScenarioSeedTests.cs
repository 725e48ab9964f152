using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation.Tests.Scenarios;

/// <summary>
/// Every multi-zone scenario (sim/EdgeIoT.Simulation/Global) over a few seeds, one test case per seed:
/// prefix agreement, equal metadata digests, one zone per device, and after the heal an outcome for
/// every correct device's migration. Fewer seeds than the single-zone scenarios keep the project's CI
/// time; ./edgeiot sim --seeds N --scenario global-… is the longer sweep.
/// </summary>
public abstract class GlobalScenarioSeedTests(string scenario, ITestOutputHelper output)
{
    public const int SeedsPerScenario = 4;

    public string Scenario => scenario;

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, SeedsPerScenario).Select(seed => new object[] { (ulong)seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_global_invariant_holds(ulong seed)
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
        output.WriteLine($"{scenario} seed {seed}: {result.DecidedBatches} global transactions ({result.Committed} allowed, {result.Rejected} refused), {result.MessagesSent} messages, {result.WallMs:0} ms wall");
        Assert.True(result.DecidedBatches > 0, "no global transaction executed: the scenario checks nothing");
        Assert.True(result.Metrics["global.moved"] > 0, "no device moved: the data migration went unchecked");
        Assert.True(result.LivenessAnswers > 0, "no migration was answered in the liveness phase");
        // Lazy checkpoints reach correct gateways, so the checkpoint check compared something with the ground truth.
        Assert.True(result.Metrics["global.checkpoints_checked"] > 0, "no certified checkpoint reached a correct gateway: the checkpoint check checked nothing");
        AssertEvidence(result);
    }

    protected virtual void AssertEvidence(SimulationResult result) { }

    protected static void Positive(SimulationResult result, string metric) =>
        Assert.True(result.Metrics[metric] > 0, $"{metric} is 0: the scenario's fault never happened");
}

public sealed class GlobalNormalScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-normal", output)
{
    protected override void AssertEvidence(SimulationResult result) => Assert.Equal(0, result.MessagesDropped);
}

public sealed class GlobalLossyScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-lossy", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "network.dropped");
        Positive(result, "network.duplicated");
    }
}

public sealed class GlobalCollisionsScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-collisions", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "global.collisions");
}

public sealed class GlobalPartitionScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-partition", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class GlobalCrashedZoneScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-crashed-zone", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "network.dropped");
}

public sealed class GlobalByzantineScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-byzantine", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "global.rejected");

    /// <summary>
    /// Seed 1 has a tampering primary that lies about its zone's history (the same seed the unchecked mode
    /// fails): its correct members refuse it, and the run keeps every invariant, liveness included.
    /// </summary>
    [Fact]
    public void A_lying_primary_is_refused_by_its_members_and_costs_only_the_checkpoint()
    {
        var result = Simulation.Run(Scenario, 1);
        Positive(result, "global.checkpoint_mismatches");
        Positive(result, "global.checkpoints_checked");
        Assert.True(result.LivenessAnswers > 0);
    }
}

public sealed class GlobalPoliciesScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-policies", output)
{
    protected override void AssertEvidence(SimulationResult result) => Positive(result, "global.refused");
}

public sealed class GlobalChaosScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-chaos", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "network.dropped");
        Positive(result, "global.rejected");
    }
}

public class GlobalSimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void A_global_seed_replays_the_same_trace()
    {
        var first = Simulation.Run("global-chaos", 3);
        var second = Simulation.Run("global-chaos", 3);
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal(first.MessagesSent, second.MessagesSent);
    }

    /// <summary>A minority quorum of zones, or zones that accept below their promise: two orders decided in one slot.</summary>
    [Theory]
    [InlineData(UnsafeMode.GlobalQuorum)]
    [InlineData(UnsafeMode.AcceptBelowPromise)]
    public void A_broken_global_quorum_rule_is_caught_by_the_agreement_check(UnsafeMode mode)
    {
        var options = new SimulationOptions { Unsafe = mode };
        for (var seed = 1UL; seed <= 5; seed++)
        {
            try
            {
                Simulation.Run(mode.ExposingScenario(), seed, options);
                output.WriteLine($"seed {seed}: no violation");
            }
            catch (SimulationFailure failure)
            {
                output.WriteLine(failure.Message);
                Assert.Equal("global-agreement", failure.Checker);
                Assert.Contains($"--unsafe {mode.Name()}", failure.ReplayCommand);
                return;
            }
        }
        Assert.Fail($"unsafe {mode.Name()} went unnoticed for 5 seeds: the global checks are vacuous");
    }

    /// <summary>
    /// Members that endorse a checkpoint without checking it against the verifier's notices let a tampering
    /// primary certify a false zone digest: the checkpoint check (ground truth: the data plane's D_k) catches it.
    /// </summary>
    [Fact]
    public void Checkpoints_endorsed_unchecked_are_caught_by_the_checkpoint_check()
    {
        var options = new SimulationOptions { Unsafe = UnsafeMode.CheckpointUnchecked };
        for (var seed = 1UL; seed <= 5; seed++)
        {
            try
            {
                Simulation.Run(UnsafeMode.CheckpointUnchecked.ExposingScenario(), seed, options);
                output.WriteLine($"seed {seed}: no violation");
            }
            catch (SimulationFailure failure)
            {
                output.WriteLine(failure.Message);
                Assert.Equal("global-checkpoints", failure.Checker);
                Assert.Contains("but the verifier's D_", failure.Detail);
                Assert.Contains("--unsafe checkpoint-unchecked", failure.ReplayCommand);
                return;
            }
        }
        Assert.Fail("unsafe checkpoint-unchecked went unnoticed for 5 seeds: the checkpoint check is vacuous");
    }

    [Fact]
    public void Every_global_scenario_is_listed_and_has_a_test_class()
    {
        var tested = typeof(GlobalScenarioSeedTests).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(GlobalScenarioSeedTests)) && !t.IsAbstract)
            .Select(t => ((GlobalScenarioSeedTests)Activator.CreateInstance(t, [null])!).Scenario)
            .Order();
        Assert.Equal(ScenarioCatalog.Runnable.OfType<Global.GlobalScenario>().Select(s => s.Name).Order(), tested);
    }
}

public sealed class GlobalInitiatorCrashScenarioTests(ITestOutputHelper output) : GlobalScenarioSeedTests("global-initiator-crash", output)
{
    protected override void AssertEvidence(SimulationResult result)
    {
        Positive(result, "network.dropped");
        Positive(result, "global.recovered");
    }
}
