using EdgeIoT.Devices;

namespace EdgeIoT.Protocol.Tests.Devices;

public class SendScheduleTests
{
    [Fact]
    public void Paced_devices_are_staggered_evenly_and_together_send_the_rate()
    {
        // 4 devices sharing 100 tx/s on a clock of 1,000 ticks a second: each sends every 40 ticks,
        // 10 ticks after the one before it.
        var schedules = Enumerable.Range(0, 4).Select(i => SendSchedule.ForDevice(i, 4, 100, startTicks: 1_000, ticksPerSecond: 1_000)).ToList();

        Assert.All(schedules, s => Assert.Equal(40, s.IntervalTicks));
        Assert.Equal([0, 10, 20, 30], schedules.Select(s => s.TakeNextSlot(1_000)));
        // Responses that come quickly leave each device waiting for its next turn.
        Assert.Equal([35, 45, 55, 65], schedules.Select(s => s.TakeNextSlot(1_005)));
    }

    [Fact]
    public void A_device_that_fell_behind_sends_at_once_but_owes_at_most_one_interval()
    {
        var schedule = new SendSchedule(firstTicks: 0, intervalTicks: 10);
        Assert.Equal(0, schedule.TakeNextSlot(0));
        // A response 100 ticks late: nine slots were missed. The device sends now and once more at
        // once (the one interval it may owe), then keeps its pace instead of bursting nine sends.
        Assert.Equal(0, schedule.TakeNextSlot(100));
        Assert.Equal(0, schedule.TakeNextSlot(100));
        Assert.Equal(10, schedule.TakeNextSlot(100));
    }

    [Theory]
    [InlineData(0, 0, 100.0)]
    [InlineData(4, 4, 100.0)]
    [InlineData(0, 4, 0.0)]
    [InlineData(0, 4, -1.0)]
    public void Refuses_a_device_outside_the_fleet_or_a_rate_that_is_not_positive(int index, int devices, double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SendSchedule.ForDevice(index, devices, rate, 0, 1_000));
    }
}
