using EdgeIoT.Bench.Cluster;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench.Tests;

public sealed class SpecAndCatalogTests
{
    [Fact]
    public void A_cluster_spec_survives_its_command_line_form()
    {
        var spec = new ClusterSpec { Protocol = ClusterProtocol.Paxos, Execution = ClusterExecution.Kv, Replicas = 7, Clients = 3, RequestBytes = 9, BatchSizeMax = 11, BasePort = 30000, Seed = 5, Seconds = 2.5, WarmupSeconds = 0.5 };
        Assert.Equal(spec, ClusterSpec.Parse(spec.ToArguments()));
    }

    [Theory]
    [InlineData("--replicas", "3")]     // PBFT needs 4
    [InlineData("--protocol", "raft")]
    [InlineData("--clients", "x")]
    [InlineData("--warmup", "20")]      // longer than the run
    [InlineData("--bogus", "1")]
    public void Bad_cluster_options_are_refused_with_the_reason(string option, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterSpec.Parse([option, value]));
        Assert.NotEmpty(error.Message);
    }

    [Fact]
    public void Pbft_clients_wait_for_f_plus_one_replies_and_paxos_clients_for_the_leader()
    {
        Assert.Equal(2, new ClusterSpec { Replicas = 4 }.RepliesNeeded);
        Assert.Equal(3, new ClusterSpec { Replicas = 7 }.RepliesNeeded);
        Assert.Equal(1, new ClusterSpec { Protocol = ClusterProtocol.Paxos, Replicas = 4 }.RepliesNeeded);
    }

    [Fact]
    public void The_catalogue_holds_the_ordering_microbenchmark_q1_to_q8_and_the_zone_experiments_each_with_a_smoke_point()
    {
        Assert.Equal(["ORDERING", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Z3", "Z5", "Z7"], ExperimentCatalog.All.Select(e => e.Id));
        Assert.All(ExperimentCatalog.All, e => Assert.NotEmpty(e.Smoke));
        Assert.Equal(["Q1", "Q8"], ExperimentCatalog.Select("q8, Q1").Select(e => e.Id));
        Assert.Equal(["Z3", "Z7"], ExperimentCatalog.Select("z7,z3").Select(e => e.Id));
        Assert.Throws<ArgumentException>(() => ExperimentCatalog.Select("Q1,Z9"));
    }

    [Fact]
    public void Q8_compares_four_designs_and_keeps_the_full_system_within_its_port_plan()
    {
        var series = ServerlessBftExperiments.Q8.Full.GroupBy(p => p.Series).ToDictionary(g => g.Key, g => g.Select(p => p.X).ToList());
        Assert.Equal(["cft-paxos", "no-shim", "pbft", "serverlessbft"], series.Keys.Order());
        Assert.Equal([4.0, 7, 10, 16], series["pbft"]);
        Assert.All(ServerlessBftExperiments.Q8.Full.Where(p => p.Kind == PointKind.System), p => Assert.True(p.System!.Gateways <= ServerlessBftExperiments.SystemGatewaysMax));
    }

    [Fact]
    public void Executors_spread_round_robin_over_regions()
    {
        var delays = Regions.RoundRobin(11, 5);
        Assert.Equal(11, delays.Count);
        Assert.Equal(Regions.All[0].OneWayMs, delays[5]);
        Assert.Equal(5, delays.Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => Regions.RoundRobin(3, 12));
    }

    [Fact]
    public void The_csv_lists_runs_by_series_then_x_and_the_plot_reads_its_columns()
    {
        var machine = new Machine(2, "test cpu");
        RunResult Run(string series, double x, double tps) => new() { Experiment = "Q1", Series = series, X = x, Params = [], Machine = machine, StartedAt = "t", ThroughputTps = tps, LatencyMs = new LatencyMs(1.5, 2, 3) };
        var csv = ResultFiles.Csv([Run("b", 2, 20), Run("a", 10, 10), Run("a", 2, 5)]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ResultFiles.CsvHeader, csv[0]);
        Assert.Equal(["a,2,1,5,1.5,2,3,0,0,0", "a,10,1,10,1.5,2,3,0,0,0", "b,2,1,20,1.5,2,3,0,0,0"], csv[1..]);
        var script = GnuplotFigure.Script(ServerlessBftExperiments.Q1, ["a", "b"], "q1.csv", "q1.png");
        Assert.Contains("set output 'q1.png'", script);
        Assert.Contains("multiplot layout 1,2", script);
        Assert.Contains("stringcolumn(1) eq 'b'", script);
    }

    [Fact]
    public void The_crypto_ceiling_counts_real_verifications()
    {
        var result = EdgeIoT.Bench.Crypto.CryptoCeiling.Measure(TimeSpan.FromMilliseconds(100));
        Assert.True(result.VerificationsPerSecondOneCore > 100, $"{result}");
        Assert.True(result.VerificationsPerSecondAllCores >= result.VerificationsPerSecondOneCore * 0.5, $"{result}");
    }
}
