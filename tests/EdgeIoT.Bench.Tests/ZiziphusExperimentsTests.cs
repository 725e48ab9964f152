using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench.Tests;

/// <summary>The Ziziphus experiments' shape (ziziphus §5) and what their result files record.</summary>
public sealed class ZiziphusExperimentsTests
{
    [Fact]
    public void Three_five_and_seven_zones_each_cross_the_global_share_with_both_leaders_and_flat_pbft_over_all_gateways()
    {
        Assert.Equal(["Z3", "Z5", "Z7"], ExperimentCatalog.ZoneExperiments.Select(e => e.Id));
        foreach (var (experiment, zones) in ExperimentCatalog.ZoneExperiments.Zip(new[] { 3, 5, 7 }))
        {
            var flat = $"flat-pbft-{4 * zones}";
            var series = experiment.Full.GroupBy(p => p.Series).ToDictionary(g => g.Key, g => g.Select(p => p.X).ToList());
            Assert.Equal([flat, "leader-election", "stable-leader"], series.Keys.Order(StringComparer.Ordinal));
            Assert.All(series.Values, xs => Assert.Equal([10.0, 30, 50], xs));
            Assert.All(experiment.Full, p =>
            {
                var s = p.System!;
                Assert.Equal(PointKind.System, p.Kind);
                Assert.True(s.PaperPlacement, "every point emulates the paper's wide area");
                Assert.False(s.Presign);
                Assert.Equal("ledger", s.Workload);
                Assert.Equal(10 * zones, s.Devices); // the same load for zones and their baseline
            });
            Assert.All(experiment.Full.Where(p => p.Series != flat), p =>
            {
                Assert.Equal((zones, 4, (int)p.X, null), (p.System!.Zones, p.System.Gateways, p.System.GlobalPercent, p.System.GatewayRegions));
                Assert.Equal(p.Series == "stable-leader" ? "stable" : "election", p.System.Leader);
            });
            Assert.All(experiment.Full.Where(p => p.Series == flat), p =>
                Assert.Equal((1, 4 * zones, 0, (int?)zones), (p.System!.Zones, p.System.Gateways, p.System.GlobalPercent, p.System.GatewayRegions)));
        }
    }

    [Fact]
    public void The_smoke_run_takes_the_smallest_share_with_both_leaders_and_the_baseline_at_three_zones_and_one_point_beyond()
    {
        var z3 = ZiziphusExperiments.For(3);
        Assert.Equal([("stable-leader", 10.0), ("leader-election", 10.0), ("flat-pbft-12", 10.0)], z3.Smoke.Select(p => (p.Series, p.X)));
        Assert.Equal(12, z3.Smoke.Single(p => p.Series == "flat-pbft-12").System!.Gateways);
        foreach (var zones in new[] { 5, 7 })
        {
            var point = Assert.Single(ZiziphusExperiments.For(zones).Smoke);
            Assert.Equal(("stable-leader", 10.0, zones), (point.Series, point.X, point.System!.Zones));
        }
        Assert.All(ExperimentCatalog.ZoneExperiments, e =>
        {
            // A fresh multi-zone network needs a warm-up longer than the other experiments' smoke second,
            // and the simulator refuses a warm-up that leaves nothing to measure.
            Assert.InRange(e.SmokeWarmupSeconds, 5, e.SmokeSeconds - 3);
            Assert.All(e.Smoke, p => Assert.Equal(2 * (p.System!.Zones == 1 ? p.System.GatewayRegions : p.System.Zones), p.System.Devices));
        });
    }

    [Fact]
    public void Every_network_fits_the_port_plan_and_a_point_range_holds_the_largest()
    {
        var points = ExperimentCatalog.All.SelectMany(e => e.Full.Concat(e.Smoke)).Where(p => p.Kind == PointKind.System).ToList();
        Assert.All(points, p => Assert.InRange(p.System!.Gateways, 1, ServerlessBftExperiments.SystemGatewaysMax));
        var stride = BenchRunner.PortStride(ExperimentCatalog.All, smoke: false);
        Assert.True(stride >= points.Max(BenchRunner.PortsNeeded), $"stride {stride}");
        Assert.Equal(600, stride); // 7 zones: P .. P+547
        Assert.Equal(200, BenchRunner.PortStride([OrderingExperiments.Ordering], smoke: true));
        // Ten ranges from the default base stay below Linux's ephemeral ports.
        Assert.True(BenchRunner.DefaultBasePort + 10 * stride <= 32768);
    }

    [Fact]
    public void A_zone_points_parameters_name_the_design_the_zones_and_the_leader()
    {
        var parameters = ZiziphusExperiments.For(5).Full.First(p => p.Series == "leader-election").Params();
        Assert.Equal("ziziphus", parameters["system"]);
        Assert.Equal((5, 10, "election", true), (parameters["zones"], parameters["global_percent"], parameters["leader"], parameters["paper_placement"]));
        Assert.Equal("flat-pbft", ZiziphusExperiments.For(3).Full.Last().Params()["system"]);
        Assert.Equal("serverlessbft", ServerlessBftExperiments.Q1.Full[0].Params()["system"]);
    }

    [Fact]
    public void A_zone_runs_result_counts_local_and_global_transactions_and_keeps_the_migration_counters()
    {
        // The fields of `edgeiot up --report` for a 3-zone run with migrations (the simulator's summary plus the launcher's).
        var report = JsonNode.Parse("""
            { "outcome": "finished", "committed": 900, "committed_measured": 800, "aborted_measured": 0, "measured_s": 20.0,
              "throughput_tps": 40.0, "latency_ms": { "p50": 120.5, "p90": 300, "p99": 900 },
              "migrations_committed": 70, "migrations_committed_measured": 60, "migrations_refused": 2, "migrations_timed_out": 0,
              "zones": 3, "gateways_per_zone": 4, "timeouts": 0 }
            """)!.AsObject();
        var template = new RunResult { Experiment = "Z3", Series = "stable-leader", X = 10, Params = [], Machine = new Machine(2, "cpu"), StartedAt = "t" };

        var run = BenchRunner.FromSystemReport(template, report);

        Assert.True(run.Ok, run.Error);
        Assert.Equal(43.0, run.ThroughputTps);     // 40 local + 60 global / 20 s
        Assert.Equal(860, run.Committed);
        Assert.Equal(120.5, run.LatencyMs.P50);    // of local transactions
        var json = JsonDocument.Parse(run.ToJson()).RootElement.GetProperty("extra");
        Assert.Equal(70, json.GetProperty("migrations_committed").GetInt64());
        Assert.Equal(60, json.GetProperty("migrations_committed_measured").GetInt64());
        Assert.Equal(2, json.GetProperty("migrations_refused").GetInt64());
        Assert.Equal(40.0, json.GetProperty("local_tps").GetDouble());
        Assert.Equal(3.0, json.GetProperty("global_tps").GetDouble());
        Assert.Equal(800, json.GetProperty("local_committed").GetInt64());
        Assert.Equal(3, json.GetProperty("zones").GetInt32());
    }

    [Fact]
    public void The_figure_draws_one_line_per_series_against_the_global_share()
    {
        var script = GnuplotFigure.Script(ZiziphusExperiments.For(3), ["flat-pbft-12", "leader-election", "stable-leader"], "z3.csv", "z3.png");
        Assert.Contains("set xlabel 'global transactions (%)'", script);
        foreach (var series in new[] { "flat-pbft-12", "leader-election", "stable-leader" }) Assert.Contains($"stringcolumn(1) eq '{series}'", script);
    }

    [Fact]
    public void The_estimate_counts_each_zone_points_run_and_its_larger_start_up()
    {
        var z3 = ZiziphusExperiments.For(3);
        Assert.True(ZiziphusExperiments.For(7).SystemOverheadSeconds > z3.SystemOverheadSeconds, "28 gateways start and stop slower than 12");
        Assert.Equal(9 * (30 + z3.SystemOverheadSeconds), BenchRunner.EstimateSeconds([z3], new BenchOptions()));
        Assert.Equal(3 * (z3.SmokeSeconds + z3.SystemOverheadSeconds), BenchRunner.EstimateSeconds([z3], new BenchOptions { Smoke = true }));
    }
}
