using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Core.Config;

/// <summary>
/// Emulated wide-area placement (docs/zones.md, "Emulated wide-area delays"). Every gateway sits in a
/// region — its registry <c>region</c>, by default its zone id — and the registry's <c>regionDelaysMs</c>
/// gives the one-way delay between two regions, keyed <c>"A-B"</c> in either order. This machine has no
/// netem, so the gateways' peer links add the delay in the transport: to the peers of their own zone
/// (a flat PBFT zone spread over regions) and to the gateways of other zones alike.
/// </summary>
/// <remarks>
/// <c>global.zoneDelaysMs</c> is the older spelling of the same matrix: its keys name zones, which are the
/// default regions, so registries that still carry it keep their delays. Each pair may be given once,
/// in either of the two.
/// </remarks>
public static class RegionDelays
{
    public const int MaxMs = 10_000;
    private const string RegionPath = "regionDelaysMs";
    private const string LegacyPath = "global.zoneDelaysMs";

    public static string RegionOf(ZoneInfo zone, GatewayInfo gateway) => gateway.Region ?? zone.Id;

    /// <summary>Letters, digits, '_' and '.': a registry identifier without '-', which separates the two regions of a key.</summary>
    public static bool IsValidName(string? name) => Identifiers.IsValid(name) && !name!.Contains('-');

    /// <summary>The one-way delay from region <paramref name="a"/> to <paramref name="b"/>: 0 within a region or for a pair not given.</summary>
    public static int OneWayMs(NetworkRegistry registry, string a, string b)
    {
        if (a == b) return 0;
        foreach (var delays in Matrices(registry))
            if (delays.TryGetValue($"{a}-{b}", out var ms) || delays.TryGetValue($"{b}-{a}", out ms)) return ms;
        return 0;
    }

    /// <summary>
    /// The delay from <paramref name="from"/> (of <paramref name="fromZone"/>) to each gateway of
    /// <paramref name="toZone"/>, by gateway index: computed once when links are built, not per frame.
    /// </summary>
    public static int[] ToGatewaysOf(NetworkRegistry registry, ZoneInfo fromZone, GatewayInfo from, ZoneInfo toZone)
    {
        var origin = RegionOf(fromZone, from);
        return toZone.Gateways.Select(g => OneWayMs(registry, origin, RegionOf(toZone, g))).ToArray();
    }

    /// <summary>Every problem with the regions and delays of <paramref name="registry"/>, each naming its place in network.json.</summary>
    public static IEnumerable<string> Validate(NetworkRegistry registry)
    {
        var inUse = new SortedSet<string>(StringComparer.Ordinal);
        for (var z = 0; z < registry.Zones.Count; z++)
        {
            var zone = registry.Zones[z];
            for (var g = 0; g < zone.Gateways.Count; g++)
            {
                var region = zone.Gateways[g].Region;
                if (region is not null && !IsValidName(region))
                    yield return $"zones[{z}].gateways[{g}].region \"{region}\" is not a valid region name (letters, digits, '_' and '.'; '-' separates the two regions of a {RegionPath} key)";
                inUse.Add(RegionOf(zone, zone.Gateways[g]));
            }
        }
        var known = string.Join(", ", inUse);
        var pairs = new Dictionary<(string, string), string>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, delays) in new[] { (RegionPath, registry.RegionDelaysMs), (LegacyPath, registry.Global.ZoneDelaysMs ?? []) })
            foreach (var (key, ms) in delays)
            {
                var where = $"{path}[\"{key}\"]";
                if (ms is < 0 or > MaxMs) yield return $"{where}: {ms} ms must be within 0..{MaxMs}";
                var parts = key.Split('-');
                if (parts.Length != 2 || parts.Any(p => p.Length == 0))
                {
                    yield return $"{where}: a key names two regions as \"A-B\"";
                    continue;
                }
                if (parts[0] == parts[1]) yield return $"{where}: names one region twice (within a region there is no delay)";
                foreach (var unknown in parts.Where(p => !inUse.Contains(p)).Distinct())
                    yield return $"{where}: unknown region \"{unknown}\" (the gateways of this network are in: {known})";
                named.UnionWith(parts);
                var pair = string.CompareOrdinal(parts[0], parts[1]) <= 0 ? (parts[0], parts[1]) : (parts[1], parts[0]);
                if (pairs.TryGetValue(pair, out var first)) yield return $"{where}: the same pair as {first}; give each pair once";
                else pairs[pair] = where;
            }
        // A region a gateway names explicitly but no delay mentions is most likely misspelt: with delays
        // given, it would silently sit at 0 ms from everything. Zones left at their default region keep
        // the older meaning (a zone without delays is on loopback).
        if (pairs.Count == 0) yield break;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        for (var z = 0; z < registry.Zones.Count; z++)
            for (var g = 0; g < registry.Zones[z].Gateways.Count; g++)
                if (registry.Zones[z].Gateways[g].Region is { } region && IsValidName(region) && !named.Contains(region) && reported.Add(region))
                    yield return $"zones[{z}].gateways[{g}].region \"{region}\" appears in no {RegionPath} key, so it would have no delay to any region; add its delays or fix the name";
    }

    private static IEnumerable<Dictionary<string, int>> Matrices(NetworkRegistry registry)
    {
        yield return registry.RegionDelaysMs;
        if (registry.Global.ZoneDelaysMs is { } legacy) yield return legacy;
    }
}
