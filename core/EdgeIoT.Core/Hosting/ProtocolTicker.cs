namespace EdgeIoT.Core.Hosting;

/// <summary>
/// Wakes a protocol loop so it can hand its cores the ticks that elapsed (the loop counts them with a
/// <see cref="TickSource"/>, so protocol time stays exact however late a wake-up comes). Only the
/// primary's batch timer needs the full resolution of protocol.tickMs; every other timer of the cores
/// (requests, view changes, respawns, the global protocol's steps) is seconds long. So the ticker fires
/// every tickMs while the loop says it needs that, and every <see cref="CoarseTickMs"/> otherwise: a
/// timer then fires at most that much late, never early. Each firing costs three thread wake-ups (the
/// timer thread, a pool thread, the loop); at 1 ms on every gateway of 7 zones that was most of the
/// machine (docs/performance.md, "The protocol loop ticks only as finely as it must").
/// </summary>
public sealed class ProtocolTicker : IDisposable
{
    public const int CoarseTickMs = 20;

    private readonly TimeSpan _finePeriod;
    private readonly TimeSpan _coarsePeriod;
    private readonly ITimer _timer;
    private bool _fine;

    public ProtocolTicker(TimeProvider time, int tickMs, Action wake)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tickMs, 1);
        _finePeriod = TimeSpan.FromMilliseconds(tickMs);
        _coarsePeriod = TimeSpan.FromMilliseconds(Math.Max(tickMs, CoarseTickMs));
        _timer = time.CreateTimer(_ => wake(), null, _coarsePeriod, _coarsePeriod);
    }

    /// <summary>The loop (its one thread) says after each round whether a timer needs full resolution.</summary>
    public void SetFine(bool fine)
    {
        if (fine == _fine) return;
        _fine = fine;
        var period = fine ? _finePeriod : _coarsePeriod;
        _timer.Change(period, period);
    }

    public void Dispose() => _timer.Dispose();
}
