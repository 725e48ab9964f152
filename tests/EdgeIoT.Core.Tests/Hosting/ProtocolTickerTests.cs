using EdgeIoT.Core.Hosting;

namespace EdgeIoT.Core.Tests.Hosting;

public sealed class ProtocolTickerTests
{
    [Fact]
    public void Ticks_every_millisecond_while_inputs_arrive_and_every_idle_period_after()
    {
        var time = new ManualTime();
        var deliveries = new List<int>();
        using var ticker = new ProtocolTicker(time, tickMs: 1, deliveries.Add);

        time.Advance(ProtocolTicker.IdleAfterMs + 5);
        Assert.True(ticker.IsIdle);
        var callbacksWhenIdle = deliveries.Count;

        time.Advance(ProtocolTicker.IdleTickMs * 4);
        // Four callbacks in the idle period, each handing over the ticks that elapsed: time stays exact.
        Assert.Equal(4, deliveries.Count - callbacksWhenIdle);
        Assert.All(deliveries.Skip(callbacksWhenIdle), due => Assert.Equal(ProtocolTicker.IdleTickMs, due));
        // It went idle at the callback of IdleAfterMs; the last callback was 4 idle periods later.
        Assert.Equal(ProtocolTicker.IdleAfterMs + ProtocolTicker.IdleTickMs * 4, deliveries.Sum());
    }

    [Fact]
    public void An_input_brings_full_resolution_back_at_once()
    {
        var time = new ManualTime();
        var deliveries = new List<int>();
        using var ticker = new ProtocolTicker(time, tickMs: 1, deliveries.Add);
        time.Advance(ProtocolTicker.IdleAfterMs + 5);
        Assert.True(ticker.IsIdle);

        time.Advance(3);
        ticker.OnActivity();
        Assert.False(ticker.IsIdle);
        var before = deliveries.Count;
        time.Advance(1);
        Assert.Equal(before + 1, deliveries.Count);
        Assert.Equal(9, deliveries[^1]); // every tick since the last delivery, at IdleAfterMs: 5 + 3 idle, and this one
        time.Advance(10);
        Assert.Equal(before + 11, deliveries.Count);
    }

    [Fact]
    public void Steady_inputs_keep_it_at_full_resolution()
    {
        var time = new ManualTime();
        var deliveries = new List<int>();
        using var ticker = new ProtocolTicker(time, tickMs: 1, deliveries.Add);
        for (var ms = 0; ms < 3 * ProtocolTicker.IdleAfterMs; ms += 50)
        {
            ticker.OnActivity();
            time.Advance(50);
        }
        Assert.False(ticker.IsIdle);
        Assert.All(deliveries, due => Assert.Equal(1, due));
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
