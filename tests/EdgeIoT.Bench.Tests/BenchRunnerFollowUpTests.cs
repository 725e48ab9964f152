using System.Text.Json.Nodes;
using EdgeIoT.Bench.Cluster;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;

namespace EdgeIoT.Bench.Tests;

/// <summary>The runner's handling of a point computed from the points before it, with a stand-in for <c>edgeiot up</c>.</summary>
public sealed class BenchRunnerFollowUpTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"edgeiot-followup-{Guid.NewGuid():N}");

    /// <summary>Answers every run with a fixed throughput and remembers what it was asked to run.</summary>
    private sealed class RecordingSystem(double throughputTps) : ISystemRunner
    {
        public List<SystemParams> Runs { get; } = [];

        public Task<JsonObject> RunAsync(SystemParams parameters, double seconds, double warmupSeconds, string workDir, int basePort, CancellationToken ct)
        {
            Runs.Add(parameters);
            return Task.FromResult(new JsonObject
            {
                ["outcome"] = "finished", ["committed_measured"] = 1_000.0, ["measured_s"] = 10.0, ["throughput_tps"] = throughputTps,
                ["latency_ms"] = new JsonObject { ["p50"] = 5.0, ["p90"] = 7.0, ["p99"] = 9.0 },
            });
        }
    }

    [Fact]
    public async Task Q1_runs_its_half_of_peak_point_after_the_sweep_and_records_it_with_the_rest()
    {
        var system = new RecordingSystem(throughputTps: 600);
        var runner = new BenchRunner(system, new NodeProgram("unused", []), new Machine(2, "test"), TextWriter.Null);

        var results = await runner.RunAsync([ServerlessBftExperiments.Q1], new BenchOptions { Smoke = true, ResultsDir = Path.Combine(_dir, "results"), WorkDir = Path.Combine(_dir, "work") }, CancellationToken.None);

        Assert.True(results[0].Ok, results[0].Error);
        Assert.Equal([null, 300], system.Runs.Select(r => r.RateTps));
        Assert.Equal(ServerlessBftExperiments.HalfPeakDevices, system.Runs[1].Devices);
        Assert.Equal(["servbft-4", ServerlessBftExperiments.HalfPeakSeries], results.Select(r => r.Series));
        Assert.True(File.Exists(Path.Combine(_dir, "results", "q1", $"{ServerlessBftExperiments.HalfPeakSeries}-50.json")));
        Assert.Contains(ServerlessBftExperiments.HalfPeakSeries, File.ReadAllText(Path.Combine(_dir, "results", "q1", "q1.csv")));
    }

    [Fact]
    public async Task No_follow_up_runs_when_the_sweep_found_no_throughput()
    {
        var system = new RecordingSystem(throughputTps: 0);
        var runner = new BenchRunner(system, new NodeProgram("unused", []), new Machine(2, "test"), TextWriter.Null);

        var results = await runner.RunAsync([ServerlessBftExperiments.Q1], new BenchOptions { Smoke = true, ResultsDir = Path.Combine(_dir, "results"), WorkDir = Path.Combine(_dir, "work") }, CancellationToken.None);

        Assert.True(Assert.Single(results).Ok);
        Assert.Single(system.Runs);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
