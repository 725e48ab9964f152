using EdgeIoT.Cli;
using EdgeIoT.Cli.Commands;
using EdgeIoT.Cli.Up;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Integration.Tests.Launch;

/// <summary><c>up --regions N --zone-delays paper|A-B=MS,…</c>: placement and delays, and the errors a user sees.</summary>
public sealed class RegionOptionsTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly SafeWriter _out = new();
    private readonly SafeWriter _err = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Paper_places_three_zones_in_ca_oh_qc_with_half_the_papers_round_trips()
    {
        var spec = RegionOptions.Apply(new LocalNetworkSpec { Zones = 3 }, null, RegionOptions.Paper);

        Assert.Equal(["CA", "OH", "QC"], spec.Regions);
        Assert.Equal(new Dictionary<string, int> { ["CA-OH"] = 26, ["CA-QC"] = 40, ["OH-QC"] = 23 }, spec.RegionDelaysMs);
        Assert.Equal("OH", spec.RegionOf(1, 3));
    }

    [Fact]
    public void Paper_spreads_a_flat_zone_of_twelve_round_robin_over_the_first_n_regions()
    {
        var spec = RegionOptions.Apply(new LocalNetworkSpec { Zones = 1, GatewaysPerZone = 12 }, 3, RegionOptions.Paper);

        Assert.Equal(["CA", "OH", "QC", "CA"], Enumerable.Range(0, 4).Select(g => spec.RegionOf(0, g)));
        Assert.Equal(3, spec.RegionDelaysMs.Count);
    }

    [Fact]
    public void Custom_delays_name_zones_or_the_numbered_regions_of_a_flat_zone()
    {
        var zones = RegionOptions.Apply(new LocalNetworkSpec { Zones = 2 }, null, "z1-z2=30");
        Assert.Empty(zones.Regions);
        Assert.Equal(30, zones.RegionDelaysMs["z1-z2"]);

        var flat = RegionOptions.Apply(new LocalNetworkSpec { GatewaysPerZone = 4 }, 2, "r1-r2=15");
        Assert.Equal(["r1", "r2"], flat.Regions);
        Assert.Equal(15, flat.RegionDelaysMs["r1-r2"]);
    }

    [Theory]
    [InlineData(3, 4, 3, "paper", "--regions spreads one zone's gateways over regions")]
    [InlineData(1, 4, 5, "paper", "--regions 5 needs at least 5 gateways, one per region; --gateways is 4")]
    [InlineData(1, 12, null, "paper", "--zone-delays with one zone needs --regions N")]
    [InlineData(8, 4, null, "paper", "the paper placed at most 7 zones (CA, OH, QC, SYD, PAR, LDN, TY)")]
    [InlineData(2, 4, null, "z1-z2:26", "--zone-delays wants \"paper\" or \"A-B=MS,…\" (one-way ms between regions), got \"z1-z2:26\"")]
    [InlineData(2, 4, null, "z1-z2=26,z1-z2=30", "--zone-delays gives \"z1-z2\" twice")]
    public void Options_that_cannot_work_are_usage_errors_that_say_why(int zones, int gateways, int? regions, string delays, string message)
    {
        var error = Assert.Throws<UsageException>(() => RegionOptions.Apply(new LocalNetworkSpec { Zones = zones, GatewaysPerZone = gateways }, regions, delays));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("r1-r3=10", "regionDelaysMs[\"r1-r3\"]: unknown region \"r3\" (the gateways of this network are in: r1, r2)")]
    [InlineData("r1-r2=-5", "regionDelaysMs[\"r1-r2\"]: -5 ms must be within 0..10000")]
    public async Task Up_refuses_delays_the_registry_rejects_before_starting_anything(string delays, string problem)
    {
        var code = await new CliApp(_out, _err).RunAsync(["up", "--dir", _temp.Sub("net"), "--regions", "2", "--zone-delays", delays]);

        Assert.Equal(CliApp.ExitFailure, code);
        Assert.Contains(problem, _err.Text);
        Assert.False(File.Exists(Path.Combine(_temp.Sub("net"), "network.json")));
    }
}
