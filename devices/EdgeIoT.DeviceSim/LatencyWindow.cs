namespace EdgeIoT.DeviceSim;

/// <summary>Latency samples: the last window (for live stats) and the whole run (for the summary), bounded.</summary>
internal sealed class LatencyWindow
{
    private const int MaxSamples = 2_000_000;
    private readonly object _lock = new();
    private List<double> _window = new();
    private readonly List<double> _all = new();

    public void Add(double latencyMs)
    {
        lock (_lock)
        {
            _window.Add(latencyMs);
            if (_all.Count < MaxSamples) _all.Add(latencyMs);
        }
    }

    public Percentiles TakeWindow()
    {
        List<double> window;
        lock (_lock)
        {
            window = _window;
            _window = new List<double>();
        }
        return Percentiles.Of(window);
    }

    public Percentiles Overall()
    {
        lock (_lock) return Percentiles.Of(new List<double>(_all));
    }
}

internal readonly record struct Percentiles(double P50, double P90, double P99, int Count)
{
    public static Percentiles Of(List<double> samples)
    {
        if (samples.Count == 0) return default;
        samples.Sort();
        double At(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        return new Percentiles(At(0.50), At(0.90), At(0.99), samples.Count);
    }
}
