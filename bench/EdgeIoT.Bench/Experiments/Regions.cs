namespace EdgeIoT.Bench.Experiments;

/// <summary>
/// The regions serverlessbft §9 spawned AWS Lambda executors in, in the paper's order, with the
/// one-way delay each adds on loopback (half a typical public round-trip time from northern
/// California, where we place the shim and the verifier; approximate figures, not measurements).
/// </summary>
public static class Regions
{
    public static readonly IReadOnlyList<(string Name, int OneWayMs)> All =
    [
        ("N. California", 2), ("Oregon", 11), ("Ohio", 26), ("Canada", 36), ("Frankfurt", 73), ("Ireland", 68),
        ("London", 70), ("Paris", 72), ("Stockholm", 83), ("Seoul", 67), ("Singapore", 88),
    ];

    /// <summary>Executors spread round-robin over the first <paramref name="regions"/> regions: each executor's one-way delay.</summary>
    public static IReadOnlyList<int> RoundRobin(int executors, int regions)
    {
        if (regions < 1 || regions > All.Count) throw new ArgumentOutOfRangeException(nameof(regions), regions, $"1..{All.Count} regions");
        if (executors < 1) throw new ArgumentOutOfRangeException(nameof(executors), executors, "at least one executor");
        return Enumerable.Range(0, executors).Select(e => All[e % regions].OneWayMs).ToList();
    }
}
