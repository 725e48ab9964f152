using System.Text.Json;
using EdgeIoT.Cli;
using EdgeIoT.Cli.Launch;
using EdgeIoT.Core.Config;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary><c>edgeiot up</c>'s contention options, with bash stand-ins for the hosts.</summary>
public sealed class UpContentionTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly SafeWriter _out = new();
    private readonly SafeWriter _err = new();
    private readonly string _basePort = TestNetworks.FreeBasePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        log.WriteLine($"stdout:\n{_out.Text}\nstderr:\n{_err.Text}");
        _temp.Dispose();
    }

    private string Dir => _temp.Sub("net");

    private Task<int> UpAsync(params string[] args) =>
        new CliApp(_out, _err, () => new FakeHosts(), new LaunchOptions { ReadyTimeout = TimeSpan.FromSeconds(30), StopGrace = TimeSpan.FromSeconds(5) })
            .RunAsync(["up", "--dir", Dir, "--base-port", _basePort, "--devices", "5", .. args]);

    [Fact]
    public async Task Conflicts_raise_the_executors_say_so_configure_the_invokers_and_reach_the_simulator()
    {
        var report = _temp.Sub("run.json");

        var code = await UpAsync("--seconds", "2", "--workload", "kv", "--conflict", "30", "--declare-rw", "--spawning", "sequential", "--conflict-avoidance", "--report", report);

        Assert.True(code == 0, _err.Text);
        Assert.Contains("note: 30% conflicting transactions: using 4 executors instead of 3", _out.Text);
        // On the "network up" line, printed once every process is ready: a progress line may not come
        // before a two-second simulator exits on a loaded machine.
        Assert.Contains("(gateways 4/4 executors 4/4 verifier up); starting 5 devices", _out.Text);
        Assert.Contains("--workload kv --devices 5 --conflict 30 --declare-rw --seconds 2", File.ReadAllText(Path.Combine(Dir, "logs", "devicesim.log")));
        var registry = NetworkRegistry.Load(Path.Combine(Dir, "network.json"));
        Assert.Equal(SpawningMode.Sequential, registry.Protocol.Spawning);
        Assert.True(registry.Protocol.ConflictAvoidance);
        Assert.True(registry.Protocol.ConflictsPossible);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(30, json.RootElement.GetProperty("conflict_percent").GetInt32());
        Assert.True(json.RootElement.GetProperty("declared_rw").GetBoolean());
        Assert.Equal("sequential", json.RootElement.GetProperty("spawning").GetString());
        Assert.True(json.RootElement.GetProperty("conflict_avoidance").GetBoolean());
        Assert.Equal(4, json.RootElement.GetProperty("executors").GetInt32());
    }

    [Theory]
    [InlineData("--conflict", "51")]
    [InlineData("--spawning", "eventually")]
    [InlineData("--workload", "ledger", "--conflict", "10")]
    [InlineData("--workload", "telemetry", "--declare-rw")]
    public async Task Contention_options_that_make_no_sense_are_usage_errors(params string[] args)
    {
        var code = await UpAsync(args);

        Assert.Equal(CliApp.ExitUsage, code);
        Assert.False(Directory.Exists(Dir), "nothing is provisioned for a refused command line");
    }
}
