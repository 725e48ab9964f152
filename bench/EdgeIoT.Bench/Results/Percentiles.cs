namespace EdgeIoT.Bench.Results;

/// <summary>Latency percentiles in milliseconds (nearest-rank), over a run's measured window.</summary>
public readonly record struct LatencyPercentiles(double P50, double P90, double P99, long Count)
{
    public static LatencyPercentiles Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) return default;
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencyPercentiles(Math.Round(At(0.50), 3), Math.Round(At(0.90), 3), Math.Round(At(0.99), 3), sorted.Length);
    }
}
