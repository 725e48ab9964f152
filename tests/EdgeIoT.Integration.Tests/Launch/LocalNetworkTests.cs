using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary>The launcher against the real Mosquitto broker and bash hosts that follow the host contract.</summary>
public sealed class LocalNetworkTests : IAsyncLifetime
{
    private readonly TempDir _temp = new();
    private readonly NetworkLayout _layout;
    private readonly FakeHosts _hosts = new();
    private readonly ConcurrentQueue<ProcessExit> _exits = new();
    private LocalNetwork? _network;

    public LocalNetworkTests() => _layout = TestNetworks.Provision(_temp.Sub("net"));

    private LocalNetwork Network(LaunchOptions? options = null)
    {
        _network = new LocalNetwork(_layout.Root, _hosts, options ?? new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(30), StopGrace = TimeSpan.FromSeconds(5) });
        _network.ProcessExited += _exits.Enqueue;
        return _network;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_network is not null) await _network.DisposeAsync();
        _temp.Dispose();
    }

    private string[] Starts() => File.ReadAllLines(Path.Combine(_layout.Root, "starts.txt"));

    [Fact]
    public async Task Starts_the_broker_and_every_host_and_reports_them_ready()
    {
        var network = Network();

        await network.StartAllAsync();

        Assert.Equal(new NetworkHealth(BrokerUp: true, VerifierUp: true, ExecutorsUp: 3, Executors: 3, GatewaysUp: 4, Gateways: 4), network.Health());
        using (var client = new TcpClient()) await client.ConnectAsync("127.0.0.1", network.Registry.Mqtt.Port);
        var gatewayLog = File.ReadAllText(network.LogPath("z1-g2"));
        Assert.Contains($"fake gateway z1-g2 starting: --config {_layout.Config("z1-g2")} --parent-watch", gatewayLog);
        Assert.Contains("a line on stderr", gatewayLog);
        var brokerLog = File.ReadAllText(network.LogPath("mosquitto"));
        Assert.Contains("mosquitto version", brokerLog);
        Assert.DoesNotContain("Error", brokerLog);
        Assert.DoesNotContain("recommended", brokerLog);
    }

    [Fact]
    public async Task Each_stage_starts_only_after_the_previous_one_is_ready()
    {
        _hosts.With("verifier", $"""
            exec 3<>/dev/tcp/127.0.0.1/{TestBrokerPort()} && echo "broker accepted a connection"
            {FakeHosts.ContractHost}
            """);
        var network = Network();

        await network.StartAllAsync();

        var starts = Starts();
        Assert.Equal("verifier", starts[0]);
        Assert.Equal(["e0", "e1", "e2"], starts[1..4].Order());
        Assert.Equal(["z1-g0", "z1-g1", "z1-g2", "z1-g3"], starts[4..].Order());
        Assert.Contains("broker accepted a connection", File.ReadAllText(network.LogPath("verifier")));
    }

    private int TestBrokerPort() => EdgeIoT.Core.Config.NetworkRegistry.Load(_layout.Registry).Mqtt.Port;

    [Fact]
    public async Task A_host_that_never_gets_ready_times_out_with_its_name_and_log_tail()
    {
        _hosts.With("z1-g2", """
            echo "loading state"
            echo "waiting for peer z1-g0 forever"
            while read -r _; do :; done
            """);
        var network = Network(new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(3), StopGrace = TimeSpan.FromSeconds(5) });

        var error = await Assert.ThrowsAsync<LaunchException>(() => network.StartAllAsync());

        Assert.Contains("timed out after 3 s waiting for gateway z1-g2 to print \"EDGEIOT-READY <role> <id>\"", error.Message);
        Assert.Contains("waiting for peer z1-g0 forever", error.Message);
        Assert.Contains(_layout.Log("z1-g2"), error.Message);
        Assert.DoesNotContain("z1-g1", error.Message);
        Assert.All(network.ProcessIds, id => Assert.Null(network.Pid(id)));
    }

    [Fact]
    public async Task A_host_that_exits_before_it_is_ready_fails_the_start_at_once()
    {
        _hosts.With("e1", """
            echo "fatal: key file does not exist" >&2
            exit 3
            """);
        var network = Network(new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(120) });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<LaunchException>(() => network.StartAllAsync());

        Assert.StartsWith("executor e1 exited with code 3 before it was ready.", error.Message);
        Assert.Contains("fatal: key file does not exist", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "failing does not wait for the ready timeout");
        Assert.DoesNotContain("z1-g0", Starts());
    }

    [Fact]
    public async Task Kill_sends_the_signal_and_reports_an_expected_exit()
    {
        var network = Network();
        await network.StartAllAsync();

        network.Kill("z1-g1", Signal.Kill);
        network.Kill("e2", Signal.Term);
        var killedCode = await network.WaitForExitAsync("z1-g1", TimeSpan.FromSeconds(10));
        var termCode = await network.WaitForExitAsync("e2", TimeSpan.FromSeconds(10));

        Assert.Equal(128 + 9, killedCode);
        Assert.Equal(0, termCode);
        Assert.Contains("stopping on SIGTERM", File.ReadAllText(network.LogPath("e2")));
        await Eventually.True(() => _exits.Count == 2, "both exits reported");
        Assert.All(_exits, exit => Assert.True(exit.Expected));
        Assert.Equal("gateway z1-g1 was killed by SIGKILL (exit code 137)", _exits.Single(e => e.Id == "z1-g1").Describe());
        Assert.Equal((2, 3), (network.Health().ExecutorsUp, network.Health().GatewaysUp));
    }

    [Fact]
    public async Task A_crash_the_launcher_did_not_cause_is_reported_as_unexpected_with_the_log_tail()
    {
        var network = Network();
        await network.StartAllAsync();

        using (var victim = Process.GetProcessById(network.Pid("z1-g3")!.Value)) victim.Kill();
        await Eventually.True(() => !_exits.IsEmpty, "the crash is reported");

        var exit = Assert.Single(_exits);
        Assert.Equal(("z1-g3", false, 137), (exit.Id, exit.Expected, exit.ExitCode));
        Assert.Contains("EDGEIOT-READY gateway z1-g3", exit.LogTail);
        Assert.Contains("z1-g3: " + _layout.Log("z1-g3"), network.DescribeFailure(exit));
    }

    [Fact]
    public async Task Restart_runs_a_new_process_that_becomes_ready_and_appends_to_the_same_log()
    {
        var network = Network();
        await network.StartAllAsync();
        var before = network.Pid("e0");

        await network.RestartAsync("e0");

        Assert.NotNull(network.Pid("e0"));
        Assert.NotEqual(before, network.Pid("e0"));
        Assert.Equal(3, network.Health().ExecutorsUp);
        var log = File.ReadAllText(network.LogPath("e0"));
        Assert.Equal(2, CountOf(log, "EDGEIOT-READY executor e0"));
        Assert.Contains("stopping on SIGTERM", log);
        Assert.All(_exits, exit => Assert.True(exit.Expected));
    }

    [Fact]
    public async Task Restarting_the_broker_brings_its_port_back()
    {
        var network = Network();
        await network.StartAllAsync();

        await network.RestartAsync("mosquitto");

        Assert.True(network.Health().BrokerUp);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", network.Registry.Mqtt.Port);
    }

    [Fact]
    public async Task Hosts_and_the_broker_exit_when_the_launcher_closes_their_stdin()
    {
        var network = Network();
        await network.StartAllAsync();
        var pids = network.ProcessIds.Select(network.Pid).OfType<int>().ToList();
        Assert.Equal(1 + 1 + 3 + 4, pids.Count);

        // What the kernel does to the pipes when the launcher dies, whatever way it dies.
        network.CloseStandardInputs();

        await Eventually.True(() => pids.All(Exited), "every child exited after its stdin closed");
        await Eventually.True(() => _exits.Count == pids.Count, "every exit reported");
        Assert.Contains("stdin closed, exiting", File.ReadAllText(network.LogPath("z1-g0")));
        Assert.Contains("terminating", File.ReadAllText(network.LogPath("mosquitto")));
    }

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
    public async Task Stop_all_kills_a_host_that_ignores_sigterm_after_the_grace_period()
    {
        _hosts.With("z1-g0", """
            trap '' TERM
            echo "EDGEIOT-READY $ROLE $ID"
            while read -r _; do :; done
            """);
        var network = Network(new LaunchOptions { StopGrace = TimeSpan.FromSeconds(1) });
        await network.StartAllAsync();

        await network.StopAllAsync();

        var exits = _exits.ToDictionary(e => e.Id);
        Assert.Equal(137, exits["z1-g0"].ExitCode);
        Assert.Equal(0, exits["z1-g1"].ExitCode);
        Assert.Equal(new NetworkHealth(false, false, 0, 3, 0, 4), network.Health());
        Assert.All(exits.Values, exit => Assert.True(exit.Expected));
    }

    [Fact]
    public async Task Stop_all_stops_newest_stage_first()
    {
        var network = Network();
        await network.StartAllAsync();

        await network.StopAllAsync();

        var order = _exits.Select(e => e.Role).Distinct().ToList();
        Assert.Equal(["gateway", "executor", "verifier", "broker"], order);
    }

    [Fact]
    public async Task Device_simulator_json_lines_are_streamed_and_other_lines_are_not()
    {
        _hosts.With("devicesim", """
            echo "EDGEIOT-READY $ROLE $ID"
            echo "connecting 5 devices"
            echo "{\"type\":\"stats\",\"elapsed_s\":1.0,\"committed\":10,\"args\":\"$*\"}"
            echo "{not json"
            echo "[1,2,3]"
            echo "{\"type\":\"summary\",\"committed\":20}"
            exit 0
            """);
        var network = Network();
        await network.StartAllAsync();

        await network.StartDevicesAsync(["--workload", "kv", "--devices", "5"]);
        var code = await network.WaitForExitAsync("devicesim", TimeSpan.FromSeconds(10));

        Assert.Equal(0, code);
        var messages = new List<System.Text.Json.JsonElement>();
        while (network.DeviceSimMessages.TryRead(out var message)) messages.Add(message);
        Assert.Equal(["stats", "summary"], messages.Select(m => m.GetProperty("type").GetString()));
        Assert.EndsWith("--parent-watch --workload kv --devices 5", messages[0].GetProperty("args").GetString());
        Assert.Contains("connecting 5 devices", File.ReadAllText(network.LogPath("devicesim")));
    }

    [Fact]
    public async Task A_port_in_use_is_reported_before_anything_starts()
    {
        var network = Network();
        var verifierPort = new Uri(network.Registry.Verifier.Url).Port;
        var squatter = new TcpListener(System.Net.IPAddress.Loopback, verifierPort);
        squatter.Start();
        try
        {
            var error = await Assert.ThrowsAsync<LaunchException>(() => network.StartAllAsync());

            Assert.Contains($"port {verifierPort} of verifier is in use", error.Message);
            Assert.False(File.Exists(Path.Combine(_layout.Root, "starts.txt")));
            Assert.False(File.Exists(network.LogPath("mosquitto")));
        }
        finally
        {
            squatter.Stop();
        }
    }

    [Fact]
    public async Task Missing_host_builds_are_named_before_anything_starts()
    {
        using var repo = new TempDir();
        File.WriteAllText(Path.Combine(repo.Path, "EdgeIoT.sln"), "");
        var network = new LocalNetwork(_layout.Root, new HostBinaries(repo.Path, "release"));

        var error = await Assert.ThrowsAsync<LaunchException>(() => network.StartAllAsync());

        Assert.Contains($"the verifier host is not built: {repo.Path}/artifacts/bin/EdgeIoT.Verifier/release/EdgeIoT.Verifier.dll does not exist", error.Message);
        Assert.Single(error.Message.Split('\n'), line => line.Contains("EdgeIoT.Gateway.dll"));
        Assert.Contains("artifacts/bin/EdgeIoT.Functions/release/EdgeIoT.Functions.dll", error.Message);
        Assert.Contains("artifacts/bin/EdgeIoT.Gateway/release/EdgeIoT.Gateway.dll", error.Message);
        Assert.Contains("dotnet build EdgeIoT.sln -c Release", error.Message);
        Assert.False(File.Exists(network.LogPath("mosquitto")));
    }

    [Fact]
    public async Task A_host_command_that_cannot_run_is_named_and_everything_started_is_stopped()
    {
        var network = new LocalNetwork(_layout.Root, new BrokenHost("e1", _hosts), new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(30) });
        _network = network;

        var error = await Assert.ThrowsAsync<LaunchException>(() => network.StartAllAsync());

        // setsid reports the failed exec and exits 127, like a shell.
        Assert.StartsWith("executor e1 exited with code 127 before it was ready.", error.Message);
        Assert.Contains("/nonexistent/host", error.Message);
        Assert.All(network.ProcessIds, id => Assert.Null(network.Pid(id)));
        Assert.False(network.Health().BrokerUp);
    }

    private sealed class BrokenHost(string brokenId, IHostCommands inner) : IHostCommands
    {
        public HostCommand For(string role, string id, string configPath, IReadOnlyList<string> extraArguments) =>
            id == brokenId ? new HostCommand("/nonexistent/host", []) : inner.For(role, id, configPath, extraArguments);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
