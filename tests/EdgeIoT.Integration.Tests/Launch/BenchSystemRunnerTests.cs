using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;
using EdgeIoT.Cli.Bench;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// How a benchmark point becomes an <c>edgeiot up</c> run, without starting one (BenchCommandTests runs
/// real smoke points; a zone point would make that test twice as long).
/// </summary>
public sealed class BenchSystemRunnerTests
{
    private static string? ValueOf(List<string> args, string option) =>
        args.IndexOf(option) is >= 0 and var i && i + 1 < args.Count ? args[i + 1] : null;

    [Fact]
    public void A_zone_point_runs_its_zones_with_migrations_its_leader_and_the_papers_placement()
    {
        var point = ZiziphusExperiments.For(5).Full.Single(p => p.Series == ZiziphusExperiments.LeaderElection && p.X == 30);

        var args = SystemRunner.UpArguments(point.System!, 30, "/w", "/w/report.json", 24000);

        Assert.Equal(("5", "4", "50", "30", "election", "paper", "ledger"),
            (ValueOf(args, "--zones"), ValueOf(args, "--gateways"), ValueOf(args, "--devices"), ValueOf(args, "--global"), ValueOf(args, "--leader"), ValueOf(args, "--zone-delays"), ValueOf(args, "--workload")));
        Assert.DoesNotContain("--regions", args);
        // Migrations are signed as the devices go: no pre-signing, and the zone warm-up.
        Assert.Equal(["--warmup-seconds", "12"], SystemRunner.SimulatorArguments(point.System!, 30, 12));
    }

    [Fact]
    public void Zone_points_lift_the_migration_policy_the_papers_experiments_do_not_have()
    {
        var zoned = ZiziphusExperiments.For(3).Full.First(p => p.Series == ZiziphusExperiments.StableLeader);
        var single = ServerlessBftExperiments.Q1.Full[0];

        var zonedSpec = SystemRunner.TuneSpec(new Provisioning.LocalNetworkSpec { Zones = 3 }, zoned.System!);
        var singleSpec = SystemRunner.TuneSpec(new Provisioning.LocalNetworkSpec(), single.System!);

        Assert.Equal(1, zonedSpec.Global.MigrationPeriodMs);
        Assert.Equal(new Core.Config.GlobalSettings().MigrationPeriodMs, singleSpec.Global.MigrationPeriodMs);
    }

    [Fact]
    public void The_flat_baseline_is_one_zone_of_all_gateways_spread_over_the_papers_regions_without_migrations()
    {
        var point = ZiziphusExperiments.For(3).Full.First(p => p.Series == ZiziphusExperiments.FlatSeries(3));

        var args = SystemRunner.UpArguments(point.System!, 30, "/w", "/w/report.json", 24000);

        Assert.Equal(("1", "12", "3", "paper", "30"),
            (ValueOf(args, "--zones"), ValueOf(args, "--gateways"), ValueOf(args, "--regions"), ValueOf(args, "--zone-delays"), ValueOf(args, "--devices")));
        Assert.DoesNotContain("--global", args);
        Assert.DoesNotContain("--presign", SystemRunner.SimulatorArguments(point.System!, 30, 8));
    }

    [Fact]
    public void A_serverlessbft_point_keeps_one_zone_and_presigned_kv_devices()
    {
        var args = SystemRunner.UpArguments(ServerlessBftExperiments.Q1.Full[0].System!, 30, "/w", "/w/report.json", 24000);

        Assert.Equal(("1", "kv"), (ValueOf(args, "--zones"), ValueOf(args, "--workload")));
        Assert.DoesNotContain("--zone-delays", args);
        Assert.Equal("--presign", SystemRunner.SimulatorArguments(ServerlessBftExperiments.Q1.Full[0].System!, 30, 5)[0]);
    }

    [Fact]
    public void Q7_runs_each_conflict_share_with_the_default_batching_and_with_overlapping_batches()
    {
        var points = ServerlessBftExperiments.Q7.Full;
        Assert.Equal(points.Where(p => p.Series == "servbft-4").Select(p => p.X), points.Where(p => p.Series == "servbft-4-overlap").Select(p => p.X));

        var overlap = SystemRunner.WithBatching(new Core.Config.ProtocolSettings(), points.First(p => p.Series == "servbft-4-overlap").System!);
        var standard = SystemRunner.WithBatching(new Core.Config.ProtocolSettings(), points.First(p => p.Series == "servbft-4").System!);

        Assert.Equal((4, 1), (overlap.PartialBatchesInFlightMax, standard.PartialBatchesInFlightMax));
        Assert.Equal(4, points.First(p => p.Series == "servbft-4-overlap").Params()["partial_batches_in_flight_max"]);
    }

    [Fact]
    public void Q1_follows_its_sweep_with_paced_devices_at_half_of_the_peak_the_sweep_found()
    {
        RunResult Run(double tps, bool ok = true, string series = "servbft-4") => new()
        {
            Experiment = "Q1", Series = series, X = 10, Params = [], Machine = new Machine(2, "test"), StartedAt = "", Ok = ok, ThroughputTps = tps,
        };
        // A failed point's figure is no peak, and the follow-up's own result is not part of the sweep.
        var point = ServerlessBftExperiments.Q1.FollowUp!.Next([Run(700), Run(1_502), Run(9_000, ok: false), Run(5_000, series: ServerlessBftExperiments.HalfPeakSeries)])!;

        Assert.Equal((ServerlessBftExperiments.HalfPeakSeries, 751, ServerlessBftExperiments.HalfPeakDevices), (point.Series, point.System!.RateTps, point.System.Devices));
        var args = SystemRunner.UpArguments(point.System, 30, "/w", "/w/report.json", 24000);
        Assert.Equal("751", ValueOf(args, "--rate"));
        Assert.Equal(751, point.Params()["rate_tps"]);
        // Pre-signed for the rate, not for the budget of a closed loop at full speed.
        Assert.Equal((751 * 30 + 49) / 50 + 16, int.Parse(ValueOf(SystemRunner.SimulatorArguments(point.System, 30, 5), "--presign")!));
        Assert.Null(ServerlessBftExperiments.Q1.FollowUp!.Next([Run(0, ok: false)]));
        Assert.DoesNotContain("--rate", SystemRunner.UpArguments(ServerlessBftExperiments.Q1.Full[0].System!, 30, "/w", "/w/report.json", 24000));
    }
}
