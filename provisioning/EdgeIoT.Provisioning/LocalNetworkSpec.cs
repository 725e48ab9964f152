using EdgeIoT.Core.Config;

namespace EdgeIoT.Provisioning;

/// <summary>
/// What a local (single-machine) network looks like: how many zones, gateways, executors and devices,
/// which ports, and the protocol parameters every process shares.
/// </summary>
public sealed record LocalNetworkSpec
{
    public string NetworkId { get; init; } = "local";
    public int Zones { get; init; } = 1;
    public int GatewaysPerZone { get; init; } = 4;
    /// <summary>f_R per zone; null means the most PBFT tolerates with n_R gateways, (n_R - 1) / 3.</summary>
    public int? FaultyGateways { get; init; }
    public int Executors { get; init; } = 3;
    public int FaultyExecutors { get; init; } = 1;
    public int Devices { get; init; } = 50;
    public int BasePort { get; init; } = 17000;
    /// <summary>
    /// When set, every key is derived from it (SHA-256(seed as 8 bytes big-endian || UTF-8 id)) so a
    /// simulator run can be repeated exactly; when null, keys come from libsodium's CSPRNG.
    /// </summary>
    public ulong? Seed { get; init; }
    /// <summary>Allows provisioning into a folder that already holds a network, wiping it first.</summary>
    public bool Force { get; init; }
    public string TopicPrefix { get; init; } = "edgeiot/v1";
    public ProtocolSettings Protocol { get; init; } = new();
    /// <summary>Ziziphus settings for networks of several zones (leader mode, policies, zone delays).</summary>
    public GlobalSettings Global { get; init; } = new();
    public ApplicationSettings Applications { get; init; } = new();
    /// <summary>
    /// Where the gateways sit for emulated wide-area delays. With several zones, zone z's gateways are all
    /// in Regions[z]; with one zone, its gateways go round-robin over Regions (gateway g in
    /// Regions[g % count]: the flat-PBFT baseline spread like the zones it is compared with). Empty:
    /// every gateway in its zone's default region, the zone id.
    /// </summary>
    public IReadOnlyList<string> Regions { get; init; } = [];
    /// <summary>One-way delays between regions in ms, keyed "A-B" (the registry's regionDelaysMs).</summary>
    public Dictionary<string, int> RegionDelaysMs { get; init; } = [];

    /// <summary>Gateway <paramref name="gateway"/> of zone <paramref name="zone"/>'s region, or null for its zone's default.</summary>
    public string? RegionOf(int zone, int gateway) =>
        Regions.Count == 0 ? null : Zones > 1 ? Regions[zone] : Regions[gateway % Regions.Count];

    public int FaultyGatewaysPerZone => FaultyGateways ?? Math.Max(0, (GatewaysPerZone - 1) / 3);

    public PortPlan Ports => new(BasePort);

    /// <summary>Problems with the spec itself, before any registry rule is checked.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Zones is < 1 or > PortPlan.ZonesMax) problems.Add($"zones must be within 1..{PortPlan.ZonesMax}, got {Zones}");
        if (GatewaysPerZone is < 1 or > PortPlan.GatewaysPerZoneMax)
            problems.Add($"gateways per zone must be within 1..{PortPlan.GatewaysPerZoneMax} (the port plan gives each zone {PortPlan.GatewaysPerZoneMax} ports), got {GatewaysPerZone}");
        var faultyGateways = FaultyGatewaysPerZone;
        if (faultyGateways < 0) problems.Add($"f_R must be >= 0, got {faultyGateways}");
        else if (GatewaysPerZone < 3 * faultyGateways + 1)
            problems.Add($"{GatewaysPerZone} gateways per zone cannot tolerate f_R = {faultyGateways}: PBFT needs n_R >= 3 f_R + 1 = {3 * faultyGateways + 1}");
        if (Regions.Count > 0 && Zones > 1 && Regions.Count != Zones)
            problems.Add($"with {Zones} zones, regions name one region per zone, got {Regions.Count} ({string.Join(", ", Regions)})");
        if (Regions.Count > GatewaysPerZone && Zones == 1)
            problems.Add($"{GatewaysPerZone} gateways cannot be spread over {Regions.Count} regions: some would be empty");
        if (Executors is < 1 or > PortPlan.ExecutorsMax) problems.Add($"executors must be within 1..{PortPlan.ExecutorsMax}, got {Executors}");
        if (FaultyExecutors < 0) problems.Add($"f_E must be >= 0, got {FaultyExecutors}");
        if (Devices is < 1 or > 1_000_000) problems.Add($"devices must be within 1..1000000, got {Devices}");
        if (BasePort < 1024) problems.Add($"base port must be >= 1024 (ports below need privileges), got {BasePort}");
        else if (Zones >= 1 && Ports.HighestPort(Zones) > 65535)
            problems.Add($"base port {BasePort} leaves no room for {Zones} zone(s): the highest port would be {Ports.HighestPort(Zones)} > 65535");
        return problems;
    }
}
