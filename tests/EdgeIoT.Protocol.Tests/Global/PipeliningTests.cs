using EdgeIoT.Gateway.Protocol.Global;

namespace EdgeIoT.Protocol.Tests.Global;

/// <summary>
/// The stable leader drives several slots at once (docs/zones.md decision Z6): slots overlap their round
/// trips, execute in slot order everywhere, and fall back to one at a time once a view change makes every
/// slot start with PROPOSE.
/// </summary>
public class PipeliningTests
{
    private static readonly (string Device, string To)[] Moves = [("d20", "z3"), ("d21", "z1"), ("d30", "z2"), ("d31", "z1")];

    private static void SubmitAll(GlobalCluster cluster)
    {
        foreach (var (device, to) in Moves) cluster.Submit("z1", cluster.Migration(device, to, 1000));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(8, 4)]
    public void The_stable_leader_starts_up_to_slotsInFlightMax_slots_before_any_executes(int slotsInFlightMax, int expectedPeak)
    {
        using var cluster = new GlobalCluster(configure: g => g.SlotsInFlightMax = slotsInFlightMax);
        // No other zone hears z1: nothing can be accepted by a majority, so nothing executes, and what z1
        // certified is only what its primary started without waiting.
        var certifiedAccepts = new SortedSet<ulong>();
        cluster.Filter = (fz, _, tz, _, m) =>
        {
            if (fz != tz && StepOf(m) is { Kind: Wire.GlobalStepKind.GlobalStepAccept } accept) certifiedAccepts.Add(accept.Slot);
            return fz == tz;
        };
        SubmitAll(cluster);

        var primary = cluster.Node("z1", 0);
        Assert.Equal(0UL, primary.LastExecuted);
        Assert.Equal(expectedPeak, primary.Metrics.SlotsInFlightPeak);
        Assert.Equal(expectedPeak - 1, primary.Metrics.PipelinedSlots);
        // The zone endorsed every one of them: its members take a ⟨1⟩ ACCEPT beyond the next slot.
        Assert.Equal(Enumerable.Range(1, expectedPeak).Select(s => (ulong)s), certifiedAccepts);

        cluster.Filter = (_, _, _, _, _) => true;
        cluster.Run(3000);
        var reference = cluster.Executed("z1", 0).Select(e => (e.Slot, e.Order.Device, e.Outcome)).ToList();
        Assert.Equal([1UL, 2UL, 3UL, 4UL], reference.Select(r => r.Slot));
        Assert.Equal(Moves.Select(m => m.Device).Order(), reference.Select(r => r.Device).Order());
        Assert.All(reference, r => Assert.Equal("allowed", r.Outcome));
        foreach (var (zone, nodes) in cluster.Zones)
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(reference, cluster.Executed(zone, i).Select(e => (e.Slot, e.Order.Device, e.Outcome)));
                Assert.Equal(primary.Metadata.Digest(), nodes[i].Metadata.Digest());
            }
        foreach (var (device, to) in Moves) Assert.Equal(to, primary.Metadata.ZoneOf(device));
    }

    [Fact]
    public void Slots_that_commit_out_of_order_execute_in_slot_order()
    {
        using var cluster = new GlobalCluster(configure: g => g.SlotsInFlightMax = 8);
        // z2 and z3 hold back every step of slot 1 until the later slots have committed.
        var holdSlotOne = true;
        cluster.Filter = (fz, _, tz, _, m) => fz == tz || !holdSlotOne || !IsSlot(m, 1);
        SubmitAll(cluster);

        var primary = cluster.Node("z1", 0);
        Assert.Equal(0UL, primary.LastExecuted);
        Assert.All(cluster.All, n => Assert.Empty(cluster.Executed(n.Zone, n.Self)));
        holdSlotOne = false;
        cluster.Run(3000);
        Assert.All(cluster.All, n => Assert.Equal([1UL, 2UL, 3UL, 4UL], cluster.Executed(n.Zone, n.Self).Select(e => e.Slot)));
        Assert.All(cluster.All, n => Assert.Equal(primary.Metadata.Digest(), n.Metadata.Digest()));
    }

    [Fact]
    public void After_a_view_change_the_stable_zone_recovers_its_pipelined_slots_one_at_a_time()
    {
        using var cluster = new GlobalCluster(configure: g => g.SlotsInFlightMax = 8);
        // z1's old primary starts four slots that only z1 accepts (a minority), then the zone changes view.
        cluster.Filter = (fz, _, tz, _, _) => fz == tz;
        SubmitAll(cluster);
        Assert.Equal(4, cluster.Node("z1", 0).Metrics.SlotsInFlightPeak);
        foreach (var node in cluster.Zones["z1"]) node.OnView(1);
        cluster.Filter = (_, _, _, _, _) => true;
        cluster.Pump();
        cluster.Run(4000);
        Assert.All(cluster.All, n => Assert.Equal(4UL, n.LastExecuted));
        // Two more requests at once, for slots no ballot has touched: still one at a time past view 0.
        foreach (var node in cluster.Zones["z1"])
        {
            node.OnMigrationRequest(cluster.Migration("d10", "z2", 1000), out _);
            node.OnMigrationRequest(cluster.Migration("d11", "z3", 1000), out _);
        }
        cluster.Pump();
        cluster.Run(4000);

        var newPrimary = cluster.Node("z1", 1);
        Assert.True(newPrimary.IsPrimary);
        Assert.Equal(1, newPrimary.Metrics.SlotsInFlightPeak);
        // Every migration executed exactly once as allowed, in one order everywhere.
        var reference = cluster.Executed("z1", 1).Select(e => (e.Slot, e.Order.Device, e.Outcome)).ToList();
        Assert.Equal(Moves.Select(m => m.Device).Append("d10").Append("d11").Order(), reference.Where(r => r.Outcome == "allowed").Select(r => r.Device).Order());
        foreach (var node in cluster.All)
        {
            Assert.Equal(reference, cluster.Executed(node.Zone, node.Self).Select(e => (e.Slot, e.Order.Device, e.Outcome)));
            Assert.Equal(newPrimary.Metadata.Digest(), node.Metadata.Digest());
        }
    }

    private static bool IsSlot(Wire.GlobalMessage message, ulong slot) => StepOf(message)?.Slot == slot;

    private static Wire.GlobalStep? StepOf(Wire.GlobalMessage message) =>
        message.KindCase == Wire.GlobalMessage.KindOneofCase.Step ? Wire.GlobalStep.Parser.ParseFrom(message.Step.Body) : null;
}
