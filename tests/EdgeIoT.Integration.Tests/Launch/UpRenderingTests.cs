using System.Text.Json;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Cli.Up;

namespace EdgeIoT.Integration.Tests.Launch;

public sealed class UpRenderingTests
{
    private static SimulatorStats Stats(string json) => SimulatorStats.TryParse(JsonDocument.Parse(json).RootElement)!;

    private static readonly NetworkHealth AllUp = new(true, true, 3, 3, 4, 4);

    [Fact]
    public void Progress_line_shows_counters_rate_latency_and_health()
    {
        var previous = Stats("""{"type":"stats","elapsed_s":11.0,"committed":22259}""");
        var latest = Stats("""{"type":"stats","elapsed_s":12.0,"committed":24310,"aborted":0,"rejected":0,"latency_ms":{"p50":7.9,"p90":12.0,"p99":21.4}}""");

        var line = ProgressLine.Render(latest, previous, AllUp, TimeSpan.FromSeconds(12.4));

        Assert.Equal("  12s  committed 24,310 (2,051/s)  aborted 0  rejected 0  p50 7.9 ms  p99 21.4 ms  | gateways 4/4 executors 3/3 verifier up", line);
    }

    [Fact]
    public void Progress_line_before_any_stats_says_what_it_waits_for_and_shows_what_is_down()
    {
        var line = ProgressLine.Render(null, null, new NetworkHealth(true, false, 2, 3, 4, 4), TimeSpan.FromSeconds(2.9));

        Assert.Equal("   2s  waiting for the device simulator's first stats  | gateways 4/4 executors 2/3 verifier down", line);
    }

    [Theory]
    [InlineData("""{"type":"hello"}""")]
    [InlineData("""{"committed":5}""")]
    [InlineData("""{"type":7}""")]
    [InlineData("""[1]""")]
    public void Lines_that_are_not_stats_or_summary_are_ignored(string json) =>
        Assert.Null(SimulatorStats.TryParse(JsonDocument.Parse(json).RootElement));

    [Fact]
    public void Mistyped_fields_read_as_unknown()
    {
        var stats = Stats("""{"type":"stats","elapsed_s":"soon","committed":"many","latency_ms":{"p50":null,"p99":3.5}}""");

        Assert.Equal((null, 0L, null, 3.5), (stats.ElapsedSeconds, stats.Committed, stats.P50Ms, stats.P99Ms));
        Assert.Contains("p50 – ms", ProgressLine.Render(stats, null, AllUp, TimeSpan.FromSeconds(4)));
    }

    [Fact]
    public void Tracker_keeps_the_two_latest_stats_and_the_summary()
    {
        var tracker = new StatsTracker();
        foreach (var json in new[] { """{"type":"stats","committed":1}""", "{\"type\":\"stats\",\"committed\":2}", """{"type":"summary","committed":3}""" })
            tracker.Observe(JsonDocument.Parse(json).RootElement);

        Assert.Equal((1L, 2L, 3L, 3L), (tracker.Previous!.Committed, tracker.Latest!.Committed, tracker.Summary!.Committed, tracker.Final!.Committed));
    }

    [Fact]
    public void Report_without_a_summary_derives_throughput_from_the_last_stats()
    {
        var last = Stats("""{"type":"stats","elapsed_s":4.0,"committed":1000,"aborted":2,"rejected":0,"responses_verified":990,"latency_ms":{"p50":5.0,"p99":9.0}}""");
        var facts = new RunFacts("failed", 50, "kv", 1, 4, 3, DateTimeOffset.UnixEpoch, 4.2);

        var report = RunReport.Build(last, facts, new MachineInfo(2, "Test CPU"));

        Assert.False(report["complete"]!.GetValue<bool>());
        Assert.Equal(250.0, report["throughput_tps"]!.GetValue<double>());
        Assert.Equal(4.0, report["duration_s"]!.GetValue<double>());
        Assert.Equal(990, report["responses_verified"]!.GetValue<long>());
        Assert.Equal("Test CPU", report["machine"]!["cpu_model"]!.GetValue<string>());
        Assert.Contains("\"started_at\": \"1970-01-01T00:00:00.0000000Z\"", report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void Report_without_any_stats_still_has_every_field()
    {
        var report = RunReport.Build(null, new RunFacts("failed", 50, "kv", 1, 4, 3, DateTimeOffset.UnixEpoch, 0), new MachineInfo(2, "x"));

        foreach (var field in new[] { "committed", "aborted", "rejected", "responses_verified", "throughput_tps", "duration_s", "latency_ms" })
            Assert.True(report.ContainsKey(field), field);
    }

    [Fact]
    public void Cpu_model_comes_from_model_name_or_the_arm_fields()
    {
        using var temp = new TempDir();
        var x86 = temp.Sub("x86");
        File.WriteAllText(x86, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n");
        var arm = temp.Sub("arm");
        File.WriteAllText(arm, "processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n");

        Assert.Equal("Intel(R) Xeon(R) CPU @ 2.20GHz", MachineInfo.CpuModelFrom(x86));
        Assert.Equal("Raspberry Pi 4 Model B Rev 1.4", MachineInfo.CpuModelFrom(arm));
        Assert.Equal("unknown", MachineInfo.CpuModelFrom(temp.Sub("missing")));
    }
}
