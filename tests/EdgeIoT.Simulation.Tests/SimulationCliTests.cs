using EdgeIoT.Simulation.Scenarios;

namespace EdgeIoT.Simulation.Tests;

public class SimulationCliTests
{
    private static (int Exit, string Output) Cli(params string[] args)
    {
        var output = new StringWriter();
        return (SimulationCli.Run(args, output), output.ToString());
    }

    [Fact]
    public void List_names_every_scenario_and_the_unsafe_modes()
    {
        var (exit, output) = Cli("--list");
        Assert.Equal(0, exit);
        foreach (var scenario in ScenarioCatalog.All) Assert.Contains(scenario.Name, output);
        Assert.Contains("commit-quorum", output);
        Assert.Contains("verifier-quorum", output);
    }

    [Fact]
    public void No_scenario_is_pending_a_protocol_feature()
    {
        // Scenarios may declare PendingReason while the feature they exercise is not on main; none is now.
        Assert.Equal(ScenarioCatalog.All.Count, ScenarioCatalog.Runnable.Count);
    }

    [Fact]
    public void Replaying_a_seed_prints_its_trace_hash_and_summary()
    {
        var (exit, output) = Cli("--seed", "4", "--scenario", "normal");
        Assert.Equal(0, exit);
        Assert.Contains($"hash {Simulation.Run("normal", 4).TraceHash}", output);
        Assert.Contains("last events:", output);
    }

    [Fact]
    public void Seeds_print_one_summary_line_per_scenario()
    {
        var (exit, output) = Cli("--seeds", "1", "--scenario", "partition-minority");
        Assert.Equal(0, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("partition-minority", line);
        Assert.Contains("batches", line);
        Assert.Contains("ms wall", line);
    }

    [Fact]
    public void An_unsafe_mode_exits_zero_once_caught_and_prints_the_seed_and_replay_command()
    {
        var (exit, output) = Cli("--unsafe", "commit-quorum", "--seeds", "3");
        Assert.Equal(0, exit);
        Assert.Contains("caught at seed 1", output);
        Assert.Contains("replay: ./edgeiot sim --seed 1 --scenario equivocating-primary --unsafe commit-quorum", output);
    }

    [Theory]
    [InlineData("--seed", "1")]
    [InlineData("--scenario", "no-such-scenario")]
    [InlineData("--seeds", "0")]
    [InlineData("--unsafe", "everything")]
    [InlineData("--frobnicate")]
    public void Bad_arguments_exit_two_with_usage(params string[] args)
    {
        var (exit, output) = Cli(args);
        Assert.Equal(2, exit);
        Assert.Contains("usage: edgeiot sim", output);
    }

    [Fact]
    public void Help_exits_zero()
    {
        Assert.Equal(0, Cli("--help").Exit);
    }
}
