namespace EdgeIoT.Simulation.Engine;

/// <summary>
/// Simulated time: 1 tick = 1 ms, starting at a fixed instant so that device timestamps (derived from
/// the clock) are the same in every replay of a seed.
/// </summary>
public sealed class SimClock : TimeProvider
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long NowMs { get; private set; }

    public void AdvanceTo(long nowMs)
    {
        if (nowMs < NowMs) throw new InvalidOperationException($"simulated time cannot go back from {NowMs} to {nowMs}");
        NowMs = nowMs;
    }

    public override DateTimeOffset GetUtcNow() => Epoch.AddMilliseconds(NowMs);

    public override long GetTimestamp() => NowMs * (TimestampFrequency / 1000);

    public override long TimestampFrequency => 1_000_000;
}
