using EdgeIoT.Cli;
using EdgeIoT.Cli.Commands;
using EdgeIoT.Core.Config;

namespace EdgeIoT.Integration.Tests.Launch;

public sealed class CliCommandTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly SafeWriter _out = new();
    private readonly SafeWriter _err = new();

    public void Dispose() => _temp.Dispose();

    private Task<int> Run(params string[] args) => new CliApp(_out, _err).RunAsync(args);

    [Fact]
    public async Task Provision_writes_a_network_with_the_requested_shape()
    {
        var dir = _temp.Sub("net");

        var code = await Run("provision", "--dir", dir, "--zones", "2", "--gateways", "7", "--executors=4", "--devices", "9", "--base-port", "23000", "--seed", "5");

        Assert.Equal(0, code);
        var registry = NetworkRegistry.Load(Path.Combine(dir, "network.json"));
        Assert.Equal((2, 7, 2, 4, 9, 23000), (registry.Zones.Count, registry.Zones[0].Gateways.Count, registry.Zones[0].FaultyGateways, registry.Executors.Members.Count, registry.Devices.Count, registry.Mqtt.Port));
        Assert.Contains($"provisioned network \"local\" in {dir}", _out.Text);
    }

    [Fact]
    public async Task Provision_into_an_existing_network_needs_force()
    {
        var dir = _temp.Sub("net");
        Assert.Equal(0, await Run("provision", "--dir", dir, "--devices", "2"));

        Assert.Equal(1, await Run("provision", "--dir", dir, "--devices", "2"));
        Assert.Contains("pass --force", _err.Text);
        Assert.Equal(0, await Run("provision", "--dir", dir, "--devices", "2", "--force"));
    }

    [Fact]
    public async Task A_network_that_cannot_work_is_refused_with_exit_code_1()
    {
        var code = await Run("provision", "--dir", _temp.Sub("net"), "--base-port", "65500");

        Assert.Equal(1, code);
        Assert.Contains("highest port would be", _err.Text);
    }

    [Fact]
    public async Task Sim_is_the_simulator_and_refuses_unknown_options_with_its_usage()
    {
        Assert.Equal(2, await Run("sim", "--anything"));
        Assert.Contains("usage: edgeiot sim", _out.Text);
    }

    [Fact]
    public async Task Bench_refuses_unknown_options_and_unknown_experiments_with_usage()
    {
        Assert.Equal(2, await Run("bench", "--anything"));
        Assert.Contains("unknown option --anything", _err.Text);
        Assert.Equal(2, await Run("bench", "--only", "Q1,Q99"));
        Assert.Contains("unknown experiment(s) Q99", _err.Text);
    }

    [Fact]
    public async Task Bench_list_names_every_experiment_with_the_zone_experiments()
    {
        Assert.Equal(0, await Run("bench", "--list"));
        foreach (var id in new[] { "ORDERING", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Z3", "Z5", "Z7" }) Assert.Contains(id + " ", _out.Text);
        Assert.Contains("zone experiments (Ziziphus §5): Z3, Z5, Z7", _out.Text);
        Assert.Contains("smoke 1; after them, in both: 50 paced devices at half of the peak they found", _out.Text);
    }

    [Fact]
    public async Task Audit_of_a_folder_without_a_network_fails_with_exit_code_1_and_says_why()
    {
        Assert.Equal(1, await Run("audit", "--dir", _temp.Sub("nothing-here")));
        Assert.Contains("holds no network (no network.json)", _err.Text);
    }

    [Theory]
    [InlineData("unknown command \"frobnicate\"", "frobnicate")]
    [InlineData("audit: unknown option --anything", "audit", "--anything")]
    [InlineData("provision: unknown option --zone", "provision", "--zone", "2")]
    [InlineData("provision: --zones must be a whole number within 1..100, got \"two\"", "provision", "--zones", "two")]
    [InlineData("provision: --dir needs a value", "provision", "--dir")]
    [InlineData("provision: --force takes no value", "provision", "--force=yes")]
    [InlineData("up: --workload must be one of kv, ledger, telemetry, mixed, got \"sql\"", "up", "--workload", "sql")]
    [InlineData("up: --seconds must be a whole number within 1..604800, got \"-5\"", "up", "--seconds", "-5")]
    [InlineData("up: unexpected argument \"now\"", "up", "now")]
    [InlineData("no command given")]
    public async Task Usage_errors_print_the_problem_and_short_usage_and_exit_2(string message, params string[] args)
    {
        Assert.Equal(2, await Run(args));
        Assert.Equal($"edgeiot: {message}\n{Usage.Short}", _err.Text);
        Assert.Equal("", _out.Text);
    }

    [Fact]
    public async Task Help_lists_every_command()
    {
        Assert.Equal(0, await Run("help"));
        foreach (var command in new[] { "provision", "up", "audit", "test", "sim", "bench" }) Assert.Contains(command, _out.Text);
    }

    [Fact]
    public void Options_take_values_after_a_space_or_an_equals_sign()
    {
        var options = CommandLine.Parse("x", ["--a", "1", "--b=two", "--flag"], new HashSet<string> { "a", "b" }, new HashSet<string> { "flag" });

        Assert.Equal(1, options.Int("a", 0, 0, 9));
        Assert.Equal("two", options.String("b"));
        Assert.True(options.Has("flag"));
        Assert.Equal("fallback", options.String("c", "fallback"));
    }
}
