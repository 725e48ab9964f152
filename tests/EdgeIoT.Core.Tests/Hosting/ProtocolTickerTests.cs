using EdgeIoT.Core.Hosting;

namespace EdgeIoT.Core.Tests.Hosting;

public sealed class ProtocolTickerTests
{
    [Fact]
    public void Wakes_coarsely_until_the_loop_asks_for_full_resolution_and_coarsely_again_after()
    {
        var time = new ManualTime();
        var wakes = new List<long>();
        using var ticker = new ProtocolTicker(time, tickMs: 1, () => wakes.Add(time.NowMs));

        time.Advance(3 * ProtocolTicker.CoarseTickMs);
        Assert.Equal([20L, 40, 60], wakes);

        ticker.SetFine(true); // a batch timer started at 60 ms: every millisecond from now on
        time.Advance(5);
        Assert.Equal([20L, 40, 60, 61, 62, 63, 64, 65], wakes);

        ticker.SetFine(false);
        wakes.Clear();
        time.Advance(2 * ProtocolTicker.CoarseTickMs);
        Assert.Equal([85L, 105], wakes);
    }

    [Fact]
    public void Telling_it_the_resolution_it_has_does_not_restart_its_period()
    {
        var time = new ManualTime();
        var wakes = new List<long>();
        using var ticker = new ProtocolTicker(time, tickMs: 1, () => wakes.Add(time.NowMs));
        // A loop says "coarse" after every round; rounds every 15 ms must not keep pushing the wake-up away.
        for (var round = 0; round < 4; round++)
        {
            time.Advance(15);
            ticker.SetFine(false);
        }
        Assert.Equal([20L, 40, 60], wakes);
    }

    [Fact]
    public void A_protocol_tick_coarser_than_the_coarse_period_is_kept()
    {
        var time = new ManualTime();
        var wakes = new List<long>();
        using var ticker = new ProtocolTicker(time, tickMs: 50, () => wakes.Add(time.NowMs));
        time.Advance(100);
        ticker.SetFine(true);
        time.Advance(100);
        Assert.Equal([50L, 100, 150, 200], wakes);
    }

    /// <summary>Time that moves only when told, firing the timers that fall due in order.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly List<ManualTimer> _timers = [];
        public long NowMs { get; private set; }

        public override long TimestampFrequency => 1000;
        public override long GetTimestamp() => NowMs;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state);
            timer.Change(dueTime, period);
            _timers.Add(timer);
            return timer;
        }

        public void Advance(long ms)
        {
            var end = NowMs + ms;
            while (true)
            {
                var next = _timers.Where(t => t.DueAtMs is not null && t.DueAtMs <= end).OrderBy(t => t.DueAtMs).FirstOrDefault();
                if (next is null) break;
                NowMs = next.DueAtMs!.Value;
                next.Fire();
            }
            NowMs = end;
        }

        private sealed class ManualTimer(ManualTime time, TimerCallback callback, object? state) : ITimer
        {
            private long _periodMs;
            public long? DueAtMs { get; private set; }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                _periodMs = (long)period.TotalMilliseconds;
                DueAtMs = dueTime == Timeout.InfiniteTimeSpan ? null : time.NowMs + (long)dueTime.TotalMilliseconds;
                return true;
            }

            public void Fire()
            {
                DueAtMs = _periodMs > 0 ? time.NowMs + _periodMs : null;
                callback(state);
            }

            public void Dispose() => DueAtMs = null;
            public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
        }
    }
}
