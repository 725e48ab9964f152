namespace EdgeIoT.Provisioning;

/// <summary>
/// Where ziziphus §5 placed its zones — AWS datacenters — and the round-trip times between them, for
/// emulated wide-area delays (docs/zones.md). The paper gives only the three RTTs of §5.1 (CA–OH 52,
/// CA–QC 80, OH–QC 46 ms) and points to cloudping for the rest; those are approximate public median
/// RTTs between the AWS regions named here, rounded: approximations, not measurements. Emulation uses
/// one-way delays of RTT / 2.
/// </summary>
public static class PaperRegions
{
    /// <summary>The paper's names, in its 7-zone order, with the AWS region each stands for.</summary>
    public static readonly IReadOnlyList<(string Name, string AwsRegion, string Place)> All =
    [
        ("CA", "us-west-1", "N. California"), ("OH", "us-east-2", "Ohio"), ("QC", "ca-central-1", "Montreal, Quebec"),
        ("SYD", "ap-southeast-2", "Sydney"), ("PAR", "eu-west-3", "Paris"), ("LDN", "eu-west-2", "London"),
        ("TY", "ap-northeast-1", "Tokyo"),
    ];

    /// <summary>Round-trip times in ms between every pair of <see cref="All"/>; the first three are the paper's.</summary>
    public static readonly IReadOnlyDictionary<string, int> RoundTripMs = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["CA-OH"] = 52, ["CA-QC"] = 80, ["OH-QC"] = 46,
        ["CA-SYD"] = 140, ["CA-PAR"] = 142, ["CA-LDN"] = 138, ["CA-TY"] = 108,
        ["OH-SYD"] = 196, ["OH-PAR"] = 94, ["OH-LDN"] = 86, ["OH-TY"] = 156,
        ["QC-SYD"] = 206, ["QC-PAR"] = 84, ["QC-LDN"] = 78, ["QC-TY"] = 150,
        ["SYD-PAR"] = 282, ["SYD-LDN"] = 268, ["SYD-TY"] = 106,
        ["PAR-LDN"] = 10, ["PAR-TY"] = 218, ["LDN-TY"] = 212,
    };

    public const int PlacedMax = 7;

    /// <summary>
    /// The paper's placement of <paramref name="zones"/> zones: 3 → CA, OH, QC (§5.1); 5 → CA, SYD, PAR,
    /// LDN, TY and 7 → all seven (§5.3). Other counts up to 7 take the first of the 7-zone order.
    /// </summary>
    public static IReadOnlyList<string> Placement(int zones)
    {
        if (zones is < 1 or > PlacedMax) throw new ArgumentOutOfRangeException(nameof(zones), zones, $"the paper placed 1..{PlacedMax} zones");
        return zones == 5 ? ["CA", "SYD", "PAR", "LDN", "TY"] : All.Take(zones).Select(r => r.Name).ToList();
    }

    public static int RoundTrip(string a, string b) =>
        a == b ? 0
        : RoundTripMs.TryGetValue($"{a}-{b}", out var ms) || RoundTripMs.TryGetValue($"{b}-{a}", out ms) ? ms
        : throw new ArgumentException($"no round-trip time between \"{a}\" and \"{b}\" (known regions: {string.Join(", ", All.Select(r => r.Name))})");

    /// <summary>One-way delays (RTT / 2, rounded up) between every pair of <paramref name="regions"/>, as regionDelaysMs.</summary>
    public static Dictionary<string, int> OneWayDelaysMs(IReadOnlyList<string> regions)
    {
        var distinct = regions.Distinct(StringComparer.Ordinal).ToList();
        var delays = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < distinct.Count; i++)
            for (var j = i + 1; j < distinct.Count; j++)
                delays[$"{distinct[i]}-{distinct[j]}"] = (RoundTrip(distinct[i], distinct[j]) + 1) / 2;
        return delays;
    }
}
