namespace EdgeIoT.Core.Hosting;

/// <summary>
/// Turns a host's periodic timer into protocol ticks that follow real time. Timer callbacks arrive late
/// under load; counting callbacks would stretch every protocol timeout, so each callback reports how
/// many whole ticks actually elapsed since the last one.
/// </summary>
public sealed class TickSource(TimeProvider time, int tickMs)
{
    private readonly long _start = time.GetTimestamp();
    private long _ticksIssued;

    /// <summary>Ticks due since the previous call (0 or more).</summary>
    public int TakeDueTicks()
    {
        var due = (long)time.GetElapsedTime(_start).TotalMilliseconds / tickMs;
        var issued = Interlocked.Read(ref _ticksIssued);
        if (due <= issued) return 0;
        Interlocked.Exchange(ref _ticksIssued, due);
        return (int)Math.Min(due - issued, 60_000);
    }
}
