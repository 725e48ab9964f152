using System.Diagnostics;
using System.Text.Json;
using EdgeIoT.Cli;
using EdgeIoT.Cli.Launch;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary><c>edgeiot up</c> end to end with real Mosquitto and bash hosts that follow the host and simulator contracts.</summary>
public sealed class UpCommandTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly SafeWriter _out = new();
    private readonly SafeWriter _err = new();
    private readonly FakeHosts _hosts = new();
    private readonly string _dir;
    private readonly string _basePort = TestNetworks.FreeBasePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private readonly ITestOutputHelper _log;

    public UpCommandTests(ITestOutputHelper log)
    {
        _log = log;
        _dir = _temp.Sub("net");
    }

    public void Dispose()
    {
        // What the user would have seen, for whoever reads a failing test.
        _log.WriteLine($"stdout:\n{_out.Text}\nstderr:\n{_err.Text}");
        _temp.Dispose();
    }

    private CliApp App(IHostCommands? hosts = null) =>
        new(_out, _err, () => hosts ?? _hosts, new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(30), StopGrace = TimeSpan.FromSeconds(5) });

    private string[] Up(params string[] args) => ["up", "--dir", _dir, "--base-port", _basePort, "--devices", "5", .. args];

    private List<int> FakePids() => File.ReadAllLines(Path.Combine(_dir, "pids.txt")).Select(int.Parse).ToList();

    private static bool Exited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Runs_for_the_given_seconds_shows_progress_and_writes_the_report()
    {
        var report = _temp.Sub("results/run.json");

        var code = await App().RunAsync(Up("--seconds", "3", "--workload", "ledger", "--report", report));

        Assert.True(code == 0, _err.Text);
        Assert.Contains("| gateways 4/4 executors 3/3 verifier up", _out.Text);
        Assert.Contains("summary (finished; the simulator's summary)", _out.Text);
        Assert.Contains("committed 300 (100/s)  aborted 1  rejected 2  responses verified 300  timeouts 0", _out.Text);
        Assert.Contains("latency p50 7.9 ms  p90 12.5 ms  p99 21.4 ms", _out.Text);
        Assert.Contains("simulating devices: --config", File.ReadAllText(Path.Combine(_dir, "logs", "devicesim.log")));
        Assert.Contains("--parent-watch --workload ledger --devices 5 --seconds 3", File.ReadAllText(Path.Combine(_dir, "logs", "devicesim.log")));

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.Equal(300, root.GetProperty("committed").GetInt64());
        Assert.Equal(1, root.GetProperty("aborted").GetInt64());
        Assert.Equal(2, root.GetProperty("rejected").GetInt64());
        Assert.Equal(300, root.GetProperty("responses_verified").GetInt64());
        Assert.Equal(100.0, root.GetProperty("throughput_tps").GetDouble());
        Assert.Equal(7.9, root.GetProperty("latency_ms").GetProperty("p50").GetDouble());
        Assert.Equal(21.4, root.GetProperty("latency_ms").GetProperty("p99").GetDouble());
        Assert.Equal(3.0, root.GetProperty("duration_s").GetDouble());
        Assert.Equal(5, root.GetProperty("devices").GetInt32());
        Assert.Equal("ledger", root.GetProperty("workload").GetString());
        Assert.Equal("finished", root.GetProperty("outcome").GetString());
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("machine").GetProperty("cores").GetInt32());
        Assert.NotEqual("", root.GetProperty("machine").GetProperty("cpu_model").GetString());
        Assert.False(root.TryGetProperty("type", out _));
        Assert.All(FakePids(), pid => Assert.True(Exited(pid), $"pid {pid} still runs"));
    }

    [Fact]
    public async Task Ctrl_c_stops_the_simulator_first_then_everything_and_reports_its_summary()
    {
        using var stop = new CancellationTokenSource();
        var report = _temp.Sub("run.json");
        var run = App().RunAsync(Up("--report", report), stop.Token);

        await Eventually.True(() => System.Text.RegularExpressions.Regex.IsMatch(_out.Text, @"s  committed [1-9]") || run.IsCompleted,
            "a progress line with stats", 60);
        Assert.False(run.IsCompleted, $"up ended before it was interrupted:\n{_out.Text}\n{_err.Text}");
        await stop.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 0, _err.Text);
        Assert.Contains("summary (interrupted; the simulator's summary)", _out.Text);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal("interrupted", json.RootElement.GetProperty("outcome").GetString());
        Assert.True(json.RootElement.GetProperty("committed").GetInt64() >= 100);
        Assert.All(FakePids(), pid => Assert.True(Exited(pid), $"pid {pid} still runs"));
        Assert.Contains("terminating", File.ReadAllText(Path.Combine(_dir, "logs", "mosquitto.log")));
    }

    [Fact]
    public async Task A_process_that_dies_is_named_with_its_log_tail_and_everything_stops()
    {
        _hosts.With("z1-g1", """
            echo "EDGEIOT-READY $ROLE $ID"
            read -t 2 _
            echo "panic: view change storm" >&2
            exit 7
            """);
        var report = _temp.Sub("run.json");

        var code = await App().RunAsync(Up("--report", report)).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(1, code);
        Assert.Contains("edgeiot up: gateway z1-g1 exited with code 7.", _err.Text);
        Assert.Contains("panic: view change storm", _err.Text);
        Assert.Contains(Path.Combine(_dir, "logs", "z1-g1.log"), _err.Text);
        Assert.Contains("summary (failed;", _out.Text);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        Assert.All(FakePids(), pid => Assert.True(Exited(pid), $"pid {pid} still runs"));
    }

    [Fact]
    public async Task A_host_that_is_not_built_is_named_and_nothing_starts()
    {
        using var repo = new TempDir();
        File.WriteAllText(Path.Combine(repo.Path, "EdgeIoT.sln"), "");

        var code = await App(new HostBinaries(repo.Path, "release")).RunAsync(Up("--seconds", "1"));

        Assert.Equal(1, code);
        Assert.Contains($"{repo.Path}/artifacts/bin/EdgeIoT.Verifier/release/EdgeIoT.Verifier.dll does not exist", _err.Text);
        Assert.Contains("EdgeIoT.DeviceSim.dll does not exist", _err.Text);
        Assert.False(File.Exists(Path.Combine(_dir, "logs", "mosquitto.log")));
    }
}
