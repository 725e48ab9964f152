namespace EdgeIoT.Bench.Experiments;

/// <summary>Every experiment <c>edgeiot bench</c> knows, in run order, and selection by id.</summary>
public static class ExperimentCatalog
{
    /// <summary>Ziziphus §5: 3/5/7 zones × 10/30/50% global transactions × stable leader vs leader election, and flat PBFT over all gateways.</summary>
    public static IReadOnlyList<Experiment> ZoneExperiments { get; } = ZiziphusExperiments.All;

    public static IReadOnlyList<Experiment> All { get; } = [.. OrderingExperiments.All, .. ServerlessBftExperiments.All, .. ZoneExperiments];

    /// <summary>The experiments named in a comma-separated list (case-insensitive), in catalogue order; all when null.</summary>
    public static IReadOnlyList<Experiment> Select(string? only)
    {
        if (string.IsNullOrWhiteSpace(only)) return All;
        var wanted = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(w => w.ToUpperInvariant()).ToHashSet();
        var unknown = wanted.Where(w => All.All(e => e.Id != w)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown experiment(s) {string.Join(", ", unknown)} (known: {string.Join(", ", All.Select(e => e.Id))})");
        return All.Where(e => wanted.Contains(e.Id)).ToList();
    }
}
