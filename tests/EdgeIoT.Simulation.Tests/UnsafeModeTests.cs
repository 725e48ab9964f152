namespace EdgeIoT.Simulation.Tests;

/// <summary>
/// The checkers are not vacuous: with a quorum deliberately too small, or a recovery switched off, the
/// simulator reports a violation within a few seeds — a bug injected into a checker's subject is caught.
/// </summary>
public class UnsafeModeTests(ITestOutputHelper output)
{
    private const int MaxSeeds = 10;

    [Theory]
    [InlineData(UnsafeMode.CommitQuorum, "commit-agreement")]
    [InlineData(UnsafeMode.VerifierQuorum, "verify-quorum")]
    [InlineData(UnsafeMode.SkipLock, "zone-ownership")]
    [InlineData(UnsafeMode.NoReannounce, "liveness")]
    public void An_unsafe_quorum_is_caught_within_a_few_seeds(UnsafeMode mode, string checker)
    {
        var failure = FirstFailure(mode.ExposingScenario(), new SimulationOptions { Unsafe = mode });
        Assert.Equal(checker, failure.Checker);
        Assert.Contains(failure.ReplayCommand, failure.Message);
    }

    [Fact]
    public void Forged_results_committed_on_too_few_VERIFY_are_caught_by_the_replay_checker_alone()
    {
        var options = new SimulationOptions { Unsafe = UnsafeMode.VerifierQuorum, DisabledCheckers = new HashSet<string> { "verify-quorum" } };
        var failure = FirstFailure("lying-executor", options);
        Assert.Equal("replay", failure.Checker);
    }

    [Fact]
    public void The_exposing_scenarios_pass_with_safe_quorums()
    {
        Simulation.Run(UnsafeMode.CommitQuorum.ExposingScenario(), 1);
        Simulation.Run(UnsafeMode.VerifierQuorum.ExposingScenario(), 1);
        Simulation.Run(UnsafeMode.SkipLock.ExposingScenario(), 1);
        Simulation.Run(UnsafeMode.NoReannounce.ExposingScenario(), 1);
    }

    private SimulationFailure FirstFailure(string scenario, SimulationOptions options)
    {
        for (var seed = 1UL; seed <= MaxSeeds; seed++)
        {
            try
            {
                Simulation.Run(scenario, seed, options);
                output.WriteLine($"{scenario} seed {seed}: no violation");
            }
            catch (SimulationFailure failure)
            {
                output.WriteLine($"unsafe {options.Unsafe.Name()} caught at seed {seed} by [{failure.Checker}] at {failure.AtMs} ms:\n{failure.Message}");
                Assert.NotEqual("crash", failure.Checker);
                return failure;
            }
        }
        Assert.Fail($"unsafe {options.Unsafe.Name()} went unnoticed for {MaxSeeds} seeds of {scenario}: the checkers are vacuous");
        return null!;
    }
}
