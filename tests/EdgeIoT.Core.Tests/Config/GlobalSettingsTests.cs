using System.Text.Json;
using EdgeIoT.Core.Config;

namespace EdgeIoT.Core.Tests.Config;

/// <summary>network.json's "global" settings (docs/zones.md).</summary>
public sealed class GlobalSettingsTests
{
    [Fact]
    public void A_network_file_with_the_retired_inFlightMax_still_loads_and_is_written_without_it()
    {
        const string json = """
            { "zones": [ { "id": "z1", "gateways": [ { "id": "z1-g0", "index": 0 } ] } ],
              "global": { "inFlightMax": 64, "stepTimeoutMs": 1500 } }
            """;
        var registry = JsonSerializer.Deserialize<NetworkRegistry>(json, NetworkRegistry.JsonOptions)!;

        Assert.Equal(1500, registry.Global.StepTimeoutMs);
        Assert.Empty(registry.Global.Validate(registry.Zones));
        Assert.DoesNotContain("inFlightMax", JsonSerializer.Serialize(registry, NetworkRegistry.JsonOptions));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(GlobalSettings.SlotsInFlightLimit, true)]
    [InlineData(GlobalSettings.SlotsInFlightLimit + 1, false)]
    public void SlotsInFlightMax_is_bounded_by_the_slot_window(int slots, bool valid)
    {
        var zones = new List<ZoneInfo> { new() { Id = "z1" } };
        var errors = new GlobalSettings { SlotsInFlightMax = slots }.Validate(zones).ToList();
        Assert.Equal(valid, errors.Count == 0);
        if (!valid) Assert.Contains("global.slotsInFlightMax", Assert.Single(errors));
    }
}
