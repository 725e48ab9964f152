namespace EdgeIoT.Devices;

/// <summary>
/// When a paced device may send next: every <c>intervalTicks</c> from its own start, so that
/// <c>devices</c> devices staggered by <see cref="ForDevice"/> send <c>rateTps</c> transactions a
/// second together, arrivals spread evenly rather than in waves. A device still waits for each
/// response first; one that falls behind (a slow response) sends at once, but owes at most one interval,
/// so a stall is not followed by a burst. Pure arithmetic on timestamps: the caller owns the clock.
/// </summary>
public sealed class SendSchedule
{
    /// <summary>The highest combined rate a fleet may be paced at (<c>--rate</c> of <c>edgeiot up</c> and the
    /// device simulator): far above what a zone orders, low enough that a device's interval stays a sane number.</summary>
    public const int RateTpsMax = 1_000_000;

    private readonly long _intervalTicks;
    private long _nextTicks;

    public SendSchedule(long firstTicks, long intervalTicks)
    {
        if (intervalTicks <= 0) throw new ArgumentOutOfRangeException(nameof(intervalTicks), "a send interval must be positive");
        _nextTicks = firstTicks;
        _intervalTicks = intervalTicks;
    }

    /// <summary>
    /// Device <paramref name="index"/> of <paramref name="devices"/> sharing <paramref name="rateTps"/>,
    /// starting at <paramref name="startTicks"/> on a clock of <paramref name="ticksPerSecond"/>.
    /// </summary>
    public static SendSchedule ForDevice(int index, int devices, double rateTps, long startTicks, long ticksPerSecond)
    {
        if (devices < 1 || index < 0 || index >= devices) throw new ArgumentOutOfRangeException(nameof(index), $"device {index} of {devices}");
        if (!(rateTps > 0)) throw new ArgumentOutOfRangeException(nameof(rateTps), "a rate must be positive");
        var intervalTicks = Math.Max(1, (long)Math.Round(ticksPerSecond * devices / rateTps));
        return new SendSchedule(startTicks + intervalTicks * index / devices, intervalTicks);
    }

    public long IntervalTicks => _intervalTicks;

    /// <summary>Ticks to wait from <paramref name="nowTicks"/> before the next send (0: send now); takes that send's slot.</summary>
    public long TakeNextSlot(long nowTicks)
    {
        if (_nextTicks < nowTicks - _intervalTicks) _nextTicks = nowTicks - _intervalTicks;
        var waitTicks = Math.Max(0, _nextTicks - nowTicks);
        _nextTicks += _intervalTicks;
        return waitTicks;
    }
}
