namespace EdgeIoT.Core.Hosting;

/// <summary>
/// The protocol loop's clock. While inputs arrive it fires every tickMs (the batch timer needs that
/// resolution); after <see cref="IdleAfterMs"/> with nothing but ticks it fires every
/// <see cref="IdleTickMs"/>, and the next input brings it back at once. An idle gateway ticking a
/// thousand times a second cost about 4.5% of a core (docs/performance.md) — on a board, power for
/// nothing. Protocol time stays exact either way: <see cref="TickSource"/> hands over every tick that
/// elapsed, so a slower timer only makes the few timers that run while idle (seconds long) fire a
/// little later.
/// </summary>
public sealed class ProtocolTicker : IDisposable
{
    public const int IdleTickMs = 25;
    public const int IdleAfterMs = 200;

    private readonly TimeProvider _time;
    private readonly int _tickMs;
    private readonly TickSource _ticks;
    private readonly Action<int> _deliver;
    private readonly ITimer _timer;
    private readonly Lock _mode = new();
    private long _lastActivity;
    private int _idle;

    public ProtocolTicker(TimeProvider time, int tickMs, Action<int> deliverTicks)
    {
        _time = time;
        _tickMs = tickMs;
        _ticks = new TickSource(time, tickMs);
        _deliver = deliverTicks;
        _lastActivity = time.GetTimestamp();
        _timer = time.CreateTimer(_ => OnTimer(), null, TimeSpan.FromMilliseconds(tickMs), TimeSpan.FromMilliseconds(tickMs));
    }

    public bool IsIdle => Volatile.Read(ref _idle) != 0;

    /// <summary>An input arrived (any thread): tick at full resolution again.</summary>
    public void OnActivity()
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        // Pairs with the fence in OnTimer: either the timer sees this activity, or this sees it went idle.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _idle) == 0) return;
        lock (_mode)
        {
            if (_idle == 0) return;
            Volatile.Write(ref _idle, 0);
            _timer.Change(TimeSpan.FromMilliseconds(_tickMs), TimeSpan.FromMilliseconds(_tickMs));
        }
    }

    private void OnTimer()
    {
        if (_ticks.TakeDueTicks() is > 0 and var due) _deliver(due);
        if (Volatile.Read(ref _idle) != 0) return;
        var last = Volatile.Read(ref _lastActivity);
        if (_time.GetElapsedTime(last).TotalMilliseconds < IdleAfterMs) return;
        lock (_mode)
        {
            Volatile.Write(ref _idle, 1);
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _lastActivity) != last)
            {
                Volatile.Write(ref _idle, 0); // an input arrived meanwhile: stay at full resolution
                return;
            }
            _timer.Change(TimeSpan.FromMilliseconds(IdleTickMs), TimeSpan.FromMilliseconds(IdleTickMs));
        }
    }

    public void Dispose() => _timer.Dispose();
}
