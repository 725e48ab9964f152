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
}
