using System.Globalization;
using EdgeIoT.Cli.Commands;
using EdgeIoT.Provisioning;

namespace EdgeIoT.Cli.Up;

/// <summary>
/// <c>up</c>'s --regions and --zone-delays: where the gateways sit and the one-way delays between their
/// regions (docs/zones.md, "Emulated wide-area delays"). Several zones: each zone is one region. One
/// zone with --regions N: its gateways go round-robin over N regions, the flat-PBFT baseline spread like
/// the zones it is compared with. The names are then checked with the registry (unknown region,
/// negative delay) when the network is provisioned.
/// </summary>
public static class RegionOptions
{
    public const string Paper = "paper";

    /// <param name="regions">--regions N, or null.</param>
    /// <param name="delays">--zone-delays: "paper" (ziziphus §5's placement and RTTs, <see cref="PaperRegions"/>), "A-B=MS,…", or null.</param>
    public static LocalNetworkSpec Apply(LocalNetworkSpec spec, int? regions, string? delays)
    {
        if (regions is { } n)
        {
            if (spec.Zones > 1)
                throw new UsageException("up: --regions spreads one zone's gateways over regions (the flat-PBFT baseline); with several zones each zone is its own region");
            if (n > spec.GatewaysPerZone)
                throw new UsageException($"up: --regions {n} needs at least {n} gateways, one per region; --gateways is {spec.GatewaysPerZone}");
        }
        if (delays is null)
            return regions is { } count ? spec with { Regions = Numbered(count) } : spec;
        if (delays == Paper)
        {
            var placed = spec.Zones > 1 ? spec.Zones : regions
                ?? throw new UsageException("up: --zone-delays with one zone needs --regions N to spread its gateways over N of the paper's regions");
            if (placed > PaperRegions.PlacedMax)
                throw new UsageException($"up: the paper placed at most {PaperRegions.PlacedMax} zones ({string.Join(", ", PaperRegions.All.Select(r => r.Name))}); give --zone-delays A-B=MS,… for {placed}");
            var names = PaperRegions.Placement(placed);
            return spec with { Regions = names, RegionDelaysMs = PaperRegions.OneWayDelaysMs(names) };
        }
        return spec with { Regions = regions is { } m ? Numbered(m) : [], RegionDelaysMs = Parse(delays) };
    }

    /// <summary>Regions of a spread flat zone without the paper's names: r1, r2, …</summary>
    private static IReadOnlyList<string> Numbered(int count) =>
        Enumerable.Range(1, count).Select(i => "r" + i.ToString(CultureInfo.InvariantCulture)).ToList();

    /// <summary>"A-B=MS,…": one-way delays in ms between regions (zone ids, or r1…rN with --regions).</summary>
    public static Dictionary<string, int> Parse(string text)
    {
        var delays = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=');
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
                throw new UsageException($"up: --zone-delays wants \"{Paper}\" or \"A-B=MS,…\" (one-way ms between regions), got \"{part}\"");
            // Negative or unknown names are left to the registry's validation, which names the key.
            if (!delays.TryAdd(pair[0].Trim(), ms)) throw new UsageException($"up: --zone-delays gives \"{pair[0]}\" twice");
        }
        return delays;
    }
}
