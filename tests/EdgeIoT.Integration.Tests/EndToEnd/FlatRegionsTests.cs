using EdgeIoT.Devices;
using Xunit.Abstractions;

namespace EdgeIoT.Integration.Tests.EndToEnd;

/// <summary>
/// The flat-PBFT baseline's emulated wide area: one zone whose gateways sit in two regions, with the
/// delay between them added by the gateways' own peer links (docs/zones.md, "Emulated wide-area delays").
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FlatRegionsTests(ITestOutputHelper output)
{
    private const int OneWayMs = 150;

    [Fact]
    public async Task A_zone_spread_over_two_regions_commits_and_no_transaction_is_faster_than_a_round_trip_between_them()
    {
        // g0 and g2 in "west", g1 and g3 in "east". Every PBFT quorum of 3 has gateways of both regions, and
        // the earliest any gateway can commit is after the PRE-PREPARE crossed and a PREPARE or COMMIT of
        // the other side came back: two one-way delays. Frames leave only when due, so the bound is exact;
        // on loopback without the delay these transactions take a few tens of milliseconds.
        await using var network = await RunningNetwork.StartAsync(output: output, devices: 8, customize: spec => spec with
        {
            Regions = ["west", "east"],
            RegionDelaysMs = new() { ["west-east"] = OneWayMs },
        });
        Assert.Equal(["west", "east", "west", "east"], network.Registry.Zones[0].Gateways.Select(g => g.Region));
        var devices = await network.DevicesAsync(8);

        var results = (await Task.WhenAll(devices.Select(async (device, index) =>
        {
            var mine = new List<DeviceResult>();
            for (var round = 0; round < 4; round++)
                mine.Add(await device.SubmitAsync("kv", "update", new { key = $"kv/{index}-{round}", value = $"v{round}" }));
            return mine;
        }))).SelectMany(r => r).ToList();

        Assert.All(results, r => Assert.True(r.IsCommitted, $"{r.Outcome}: {r.Reason}"));
        var latencies = results.Select(r => r.LatencyMs).Order().ToList();
        output.WriteLine($"{results.Count} committed; latency min {latencies[0]:0.0} ms, median {latencies[latencies.Count / 2]:0.0} ms, max {latencies[^1]:0.0} ms");
        Assert.True(latencies[0] >= 2 * OneWayMs, $"a transaction committed in {latencies[0]:0.0} ms, faster than the {2 * OneWayMs} ms round trip between the regions: the delay was not applied");
        var audit = network.Audit();
        Assert.True(audit.Passed, string.Join("\n", audit.Violations));
    }
}
