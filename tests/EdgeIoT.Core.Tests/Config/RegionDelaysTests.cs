using System.Text.Json;
using EdgeIoT.Core.Config;

namespace EdgeIoT.Core.Tests.Config;

/// <summary>Regions of gateways and the delays between them (network.json "region", "regionDelaysMs").</summary>
public sealed class RegionDelaysTests
{
    /// <summary>Zones of <paramref name="gateways"/> gateways each; <paramref name="region"/> places gateway g of zone z (null: its zone).</summary>
    private static NetworkRegistry Registry(int zones, int gateways, Func<int, int, string?>? region = null, Dictionary<string, int>? delays = null) => new()
    {
        Zones = Enumerable.Range(0, zones).Select(z => new ZoneInfo
        {
            Id = $"z{z + 1}",
            Gateways = Enumerable.Range(0, gateways).Select(g => new GatewayInfo { Id = $"z{z + 1}-g{g}", Index = g, Region = region?.Invoke(z, g) }).ToList(),
        }).ToList(),
        RegionDelaysMs = delays ?? [],
    };

    private static readonly string[] Paper3 = ["CA", "OH", "QC"];
    private static Dictionary<string, int> PaperDelays() => new() { ["CA-OH"] = 26, ["CA-QC"] = 40, ["OH-QC"] = 23 };

    [Fact]
    public void A_flat_zone_spread_over_regions_delays_each_peer_by_the_pair_of_regions()
    {
        var registry = Registry(1, 6, (_, g) => Paper3[g % 3], PaperDelays());
        var zone = registry.Zones[0];

        Assert.Empty(RegionDelays.Validate(registry));
        // g0 is in CA: its peers g1..g5 are in OH, QC, CA, OH, QC.
        Assert.Equal([0, 26, 40, 0, 26, 40], RegionDelays.ToGatewaysOf(registry, zone, zone.Gateways[0], zone));
        // g2 is in QC; the matrix is keyed in one order only and read in both.
        Assert.Equal([40, 23, 0, 40, 23, 0], RegionDelays.ToGatewaysOf(registry, zone, zone.Gateways[2], zone));
    }

    [Fact]
    public void A_gateway_without_a_region_is_in_its_zone_so_zone_ids_key_the_delays_between_zones()
    {
        var registry = Registry(3, 4, delays: new() { ["z1-z2"] = 26, ["z3-z1"] = 40 });
        var (z1, z3) = (registry.Zones[0], registry.Zones[2]);

        Assert.Empty(RegionDelays.Validate(registry));
        Assert.Equal("z1", RegionDelays.RegionOf(z1, z1.Gateways[3]));
        Assert.Equal([0, 0, 0, 0], RegionDelays.ToGatewaysOf(registry, z1, z1.Gateways[0], z1));
        Assert.Equal([40, 40, 40, 40], RegionDelays.ToGatewaysOf(registry, z1, z1.Gateways[0], z3));
        Assert.Equal(0, RegionDelays.OneWayMs(registry, "z2", "z3")); // a pair not given is on loopback
    }

    [Fact]
    public void The_older_global_zone_delays_still_delay_zones()
    {
        var registry = Registry(2, 4);
        registry.Global.ZoneDelaysMs = new() { ["z1-z2"] = 26 };

        Assert.Empty(RegionDelays.Validate(registry));
        Assert.Equal([26, 26, 26, 26], RegionDelays.ToGatewaysOf(registry, registry.Zones[1], registry.Zones[1].Gateways[0], registry.Zones[0]));
    }

    [Theory]
    [InlineData("CA-XX", 10, "regionDelaysMs[\"CA-XX\"]: unknown region \"XX\" (the gateways of this network are in: CA, OH, QC)")]
    [InlineData("CA-OH", -5, "regionDelaysMs[\"CA-OH\"]: -5 ms must be within 0..10000")]
    [InlineData("CA-OH", 10_001, "regionDelaysMs[\"CA-OH\"]: 10001 ms must be within 0..10000")]
    [InlineData("CA", 10, "regionDelaysMs[\"CA\"]: a key names two regions as \"A-B\"")]
    [InlineData("CA-OH-QC", 10, "regionDelaysMs[\"CA-OH-QC\"]: a key names two regions as \"A-B\"")]
    [InlineData("CA-CA", 10, "regionDelaysMs[\"CA-CA\"]: names one region twice (within a region there is no delay)")]
    [InlineData("OH-CA", 10, "regionDelaysMs[\"OH-CA\"]: the same pair as regionDelaysMs[\"CA-OH\"]; give each pair once")]
    public void A_bad_delay_entry_is_refused_with_its_place_in_network_json(string key, int ms, string problem)
    {
        var delays = PaperDelays();
        delays[key] = ms;
        var registry = Registry(1, 3, (_, g) => Paper3[g], delays);

        Assert.Contains(problem, RegionDelays.Validate(registry));
    }

    [Fact]
    public void A_bad_or_misspelt_gateway_region_is_refused_with_its_place()
    {
        var dashed = Registry(1, 4, (_, g) => g == 1 ? "us-west" : "CA");
        Assert.Contains("zones[0].gateways[1].region \"us-west\" is not a valid region name (letters, digits, '_' and '.'; '-' separates the two regions of a regionDelaysMs key)", RegionDelays.Validate(dashed));

        // "OHH" is in no key: with delays given it would sit at 0 ms from everything, so it is refused once.
        var misspelt = Registry(1, 6, (_, g) => g % 3 == 1 ? "OHH" : Paper3[g % 3], PaperDelays());
        var problems = RegionDelays.Validate(misspelt).ToList();
        Assert.Contains("zones[0].gateways[1].region \"OHH\" appears in no regionDelaysMs key, so it would have no delay to any region; add its delays or fix the name", problems);
        Assert.Contains("regionDelaysMs[\"CA-OH\"]: unknown region \"OH\" (the gateways of this network are in: CA, OHH, QC)", problems);
        Assert.Single(problems, p => p.Contains("appears in no"));
    }

    [Fact]
    public void A_pair_given_in_both_spellings_is_refused()
    {
        var registry = Registry(2, 4, delays: new() { ["z1-z2"] = 26 });
        registry.Global.ZoneDelaysMs = new() { ["z2-z1"] = 30 };

        Assert.Contains("global.zoneDelaysMs[\"z2-z1\"]: the same pair as regionDelaysMs[\"z1-z2\"]; give each pair once", RegionDelays.Validate(registry));
    }

    [Fact]
    public void Registry_validation_includes_the_region_problems()
    {
        var registry = Registry(1, 4, (_, g) => Paper3[g % 3], new() { ["CA-OH"] = -1 });

        Assert.Contains("regionDelaysMs[\"CA-OH\"]: -1 ms must be within 0..10000", registry.Validate());
    }

    [Fact]
    public void Regions_and_delays_are_read_from_network_json_and_left_out_when_not_set()
    {
        const string json = """
            { "zones": [ { "id": "z1", "gateways": [ { "id": "g0", "index": 0, "region": "CA" }, { "id": "g1", "index": 1 } ] } ],
              "regionDelaysMs": { "CA-z1": 30 } }
            """;
        var registry = JsonSerializer.Deserialize<NetworkRegistry>(json, NetworkRegistry.JsonOptions)!;

        Assert.Equal(["CA", null], registry.Zones[0].Gateways.Select(g => g.Region));
        Assert.Empty(RegionDelays.Validate(registry));
        Assert.Equal([0, 30], RegionDelays.ToGatewaysOf(registry, registry.Zones[0], registry.Zones[0].Gateways[0], registry.Zones[0]));

        var written = JsonSerializer.Serialize(Registry(1, 1), NetworkRegistry.JsonOptions);
        Assert.DoesNotContain("\"region\"", written);
        Assert.DoesNotContain("zoneDelaysMs", written);
    }
}
