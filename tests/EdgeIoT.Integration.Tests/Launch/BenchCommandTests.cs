using System.Text.Json;
using EdgeIoT.Cli;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Cli.Up;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>
/// <c>edgeiot bench --smoke</c>'s cheapest representative part, with the real built hosts: the ordering
/// microbenchmark (in-process cluster + crypto ceiling) and Q8, which covers every other kind of point
/// (the full system with 4 gateways and with one, and clusters of real node processes).
/// </summary>
public sealed class BenchCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly SafeWriter _out = new();
    private readonly SafeWriter _err = new();

    public void Dispose()
    {
        log.WriteLine($"stdout:\n{_out.Text}\nstderr:\n{_err.Text}");
        _temp.Dispose();
    }

    [Fact]
    public async Task Smoke_run_of_ordering_and_q8_writes_a_result_per_run_a_csv_and_a_plot()
    {
        var results = _temp.Sub("results");
        var app = new CliApp(_out, _err, TestNetworks.ThisBuild, new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(60) });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));

        var code = await app.RunAsync(["bench", "--smoke", "--only", "ORDERING,Q8", "--results", results, "--work-dir", _temp.Sub("work"),
            "--base-port", TestNetworks.FreeBasePort().ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout.Token);

        Assert.Equal(0, code);
        var runs = Directory.GetFiles(results, "*.json", SearchOption.AllDirectories).Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement).ToList();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, run =>
        {
            Assert.True(run.GetProperty("ok").GetBoolean(), run.ToString());
            Assert.True(run.GetProperty("throughput_tps").GetDouble() > 0, run.ToString());
            Assert.True(run.GetProperty("committed").GetInt64() > 0);
            Assert.True(run.GetProperty("latency_ms").GetProperty("p99").GetDouble() >= run.GetProperty("latency_ms").GetProperty("p50").GetDouble());
            Assert.Equal(Environment.ProcessorCount, run.GetProperty("machine").GetProperty("cores").GetInt32());
            Assert.True(run.GetProperty("smoke").GetBoolean());
        });
        var ordering = runs.Single(r => r.GetProperty("experiment").GetString() == "ORDERING").GetProperty("extra");
        Assert.True(ordering.GetProperty("crypto_ed25519_verifications_per_s_all_cores").GetDouble() > 0);
        var serverless = runs.Single(r => r.GetProperty("series").GetString() == "serverlessbft").GetProperty("extra");
        Assert.True(serverless.GetProperty("gateway_rss_peak_mib").GetDouble() > 0);
        Assert.True(serverless.GetProperty("gateway_ready_s_max").GetDouble() > 0);

        var csv = File.ReadAllLines(Path.Combine(results, "q8", "q8.csv"));
        Assert.Equal(["cft-paxos", "no-shim", "pbft", "serverlessbft"], csv.Skip(1).Select(l => l.Split(',')[0]));
        Assert.True(File.Exists(Path.Combine(results, "q8", "q8.gp")));
        Assert.True(File.Exists(Path.Combine(results, "summary.csv")));
        if (File.Exists("/usr/bin/gnuplot")) Assert.True(new FileInfo(Path.Combine(results, "q8", "q8.png")).Length > 0);
        else Assert.Contains("not drawn: gnuplot is not installed", _out.Text);
    }

    [Fact]
    public void Peak_resident_memory_is_read_from_a_proc_status_file()
    {
        var status = _temp.Sub("status");
        File.WriteAllText(status, "Name:\tgateway\nVmPeak:\t  900000 kB\nVmHWM:\t   65536 kB\nVmRSS:\t   60000 kB\n");
        Assert.Equal(65536, ProcessMemory.ReadKiB(status, "VmHWM:"));
        Assert.Null(ProcessMemory.ReadKiB(status, "VmSwap:"));
        Assert.Null(ProcessMemory.ReadKiB(_temp.Sub("missing"), "VmHWM:"));
        Assert.True(ProcessMemory.PeakResidentMiB(Environment.ProcessId) > 1);
    }

    [Fact]
    public void The_bench_and_the_device_simulator_agree_on_the_presign_bound()
    {
        Assert.Equal(EdgeIoT.Devices.Presigner.PerDeviceMax, EdgeIoT.Bench.Experiments.SystemLimits.PresignPerDeviceMax);
    }
}
