using EdgeIoT.Core.Config;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Protocol.Tests.Provisioning;

/// <summary>Gateways placed in regions with the paper's delays, as <c>up --regions/--zone-delays</c> provisions them.</summary>
public sealed class RegionProvisioningTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_flat_zone_of_twelve_gateways_goes_round_robin_over_ca_oh_qc_with_the_papers_delays()
    {
        var regions = PaperRegions.Placement(3);
        var spec = new LocalNetworkSpec { Zones = 1, GatewaysPerZone = 12, Devices = 3, BasePort = 21000, Regions = regions, RegionDelaysMs = PaperRegions.OneWayDelaysMs(regions) };

        var registry = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(spec, _temp.Sub("net")).Registry);

        var zone = Assert.Single(registry.Zones);
        Assert.Equal(3, zone.FaultyGateways);
        Assert.Equal(Enumerable.Range(0, 12).Select(g => regions[g % 3]), zone.Gateways.Select(g => g.Region));
        Assert.Equal(new Dictionary<string, int> { ["CA-OH"] = 26, ["CA-QC"] = 40, ["OH-QC"] = 23 }, registry.RegionDelaysMs);
        Assert.Equal([0, 26, 40, 0, 26, 40, 0, 26, 40, 0, 26, 40], RegionDelays.ToGatewaysOf(registry, zone, zone.Gateways[0], zone));
    }

    [Fact]
    public void Five_zones_sit_in_the_papers_five_datacenters_one_zone_each()
    {
        var regions = PaperRegions.Placement(5);
        var spec = new LocalNetworkSpec { Zones = 5, Devices = 5, BasePort = 21000, Regions = regions, RegionDelaysMs = PaperRegions.OneWayDelaysMs(regions) };

        var registry = NetworkRegistry.Load(LocalNetworkProvisioner.Provision(spec, _temp.Sub("net")).Registry);

        Assert.Equal(["CA", "SYD", "PAR", "LDN", "TY"], registry.Zones.Select(z => z.Gateways.Select(g => g.Region).Distinct().Single()));
        Assert.Equal(10, registry.RegionDelaysMs.Count);
        var (ca, syd) = (registry.Zones[0], registry.Zones[1]);
        Assert.Equal(Enumerable.Repeat(70, 4), RegionDelays.ToGatewaysOf(registry, ca, ca.Gateways[0], syd)); // RTT 140 ms
    }

    [Fact]
    public void The_paper_table_has_a_round_trip_for_every_pair_and_the_three_of_section_5_1()
    {
        var names = PaperRegions.All.Select(r => r.Name).ToList();
        foreach (var a in names)
            foreach (var b in names.Where(b => b != a))
                Assert.Equal(PaperRegions.RoundTrip(a, b), PaperRegions.RoundTrip(b, a));
        Assert.Equal(names.Count * (names.Count - 1) / 2, PaperRegions.RoundTripMs.Count);
        Assert.Equal((52, 80, 46), (PaperRegions.RoundTrip("CA", "OH"), PaperRegions.RoundTrip("CA", "QC"), PaperRegions.RoundTrip("OH", "QC")));
        Assert.Equal(names, PaperRegions.Placement(7));
        Assert.Equal(["CA", "OH", "QC"], PaperRegions.Placement(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PaperRegions.Placement(8));
    }

    [Fact]
    public void An_unknown_region_in_the_delays_is_refused_before_anything_is_written()
    {
        var spec = new LocalNetworkSpec { GatewaysPerZone = 4, Regions = ["CA", "OH"], RegionDelaysMs = new() { ["CA-OH"] = 26, ["CA-QC"] = 40 } };

        var error = Assert.Throws<ProvisioningException>(() => LocalNetworkProvisioner.Provision(spec, _temp.Sub("net")));

        Assert.Contains("regionDelaysMs[\"CA-QC\"]: unknown region \"QC\" (the gateways of this network are in: CA, OH)", error.Message);
        Assert.False(Directory.Exists(_temp.Sub("net")));
    }

    [Fact]
    public void Zones_need_one_region_each_and_a_flat_zone_no_more_regions_than_gateways()
    {
        Assert.Contains("with 3 zones, regions name one region per zone, got 2 (CA, OH)", new LocalNetworkSpec { Zones = 3, Regions = ["CA", "OH"] }.Validate());
        Assert.Contains("4 gateways cannot be spread over 5 regions: some would be empty", new LocalNetworkSpec { Regions = ["a", "b", "c", "d", "e"] }.Validate());
    }

    [Fact]
    public void A_registry_file_with_a_negative_delay_fails_to_load_naming_the_file_and_the_key()
    {
        var layout = LocalNetworkProvisioner.Provision(new LocalNetworkSpec { Zones = 2, Devices = 2, BasePort = 21000 }, _temp.Sub("net"));
        var registry = NetworkRegistry.Load(layout.Registry);
        registry.RegionDelaysMs["z1-z2"] = -3;
        registry.Save(layout.Registry);

        var error = Assert.Throws<ConfigurationException>(() => NetworkRegistry.Load(layout.Registry));

        Assert.Contains(layout.Registry, error.Message);
        Assert.Contains("regionDelaysMs[\"z1-z2\"]: -3 ms must be within 0..10000", error.Message);
    }

    [Fact]
    public void The_port_plan_holds_32_gateways_a_zone_and_their_global_ports_in_the_zones_block()
    {
        var plan = new PortPlan(20000);
        Assert.Equal(20100, plan.Gateway(0, 0));
        Assert.Equal(20131, plan.Gateway(0, 31));
        Assert.Equal(20132, plan.GlobalGateway(0, 0));
        Assert.Equal(20164, plan.Gateway(1, 0));
        Assert.Equal(20131, plan.HighestPort(1));           // one zone: no global ports
        Assert.Equal(20100 + 7 * 64 - 1, plan.HighestPort(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.Gateway(0, 32));
    }
}
