using EdgeIoT.Gateway.Protocol.Global;

namespace EdgeIoT.Protocol.Tests.Global;

/// <summary>
/// The stable leader drives several slots at once (docs/zones.md decision Z6): slots overlap their round
/// trips and execute in slot order everywhere; after a view change the new primary recovers with PROPOSE,
/// one at a time, the slots its predecessor's ballot touched, and pipelines fresh ones again.
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
    public void After_a_view_change_the_stable_zone_recovers_its_predecessors_slots_and_pipelines_fresh_ones()
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
        var newPrimary = cluster.Node("z1", 1);
        Assert.True(newPrimary.IsPrimary);
        // Slots its predecessor's ⟨1⟩ touched go through PROPOSE, one at a time.
        Assert.Equal(1, newPrimary.Metrics.SlotsInFlightPeak);

        // Two more requests at once, for slots no ballot has touched: the new primary pipelines them under ⟨1⟩.
        foreach (var node in cluster.Zones["z1"])
        {
            node.OnMigrationRequest(cluster.Migration("d10", "z2", 1000), out _);
            node.OnMigrationRequest(cluster.Migration("d11", "z3", 1000), out _);
        }
        cluster.Pump();
        cluster.Run(4000);

        Assert.Equal(2, newPrimary.Metrics.SlotsInFlightPeak);
        // Every migration executed exactly once as allowed, in one order everywhere.
        var reference = cluster.Executed("z1", 1).Select(e => (e.Slot, e.Order.Device, e.Outcome)).ToList();
        Assert.Equal(Moves.Select(m => m.Device).Append("d10").Append("d11").Order(), reference.Where(r => r.Outcome == "allowed").Select(r => r.Device).Order());
        foreach (var node in cluster.All)
        {
            Assert.Equal(reference, cluster.Executed(node.Zone, node.Self).Select(e => (e.Slot, e.Order.Device, e.Outcome)));
            Assert.Equal(newPrimary.Metadata.Digest(), node.Metadata.Digest());
        }
    }

    [Fact]
    public void A_new_primary_whose_first_ballot_collides_with_its_predecessors_recovers_the_accepted_order()
    {
        using var cluster = new GlobalCluster(configure: g => g.SlotsInFlightMax = 8);
        // z1's old primary (0) puts d20's move into slot 1 under ⟨1, z1⟩ with members 2 and 3; member 1, the
        // next primary, hears nothing of it. z2 accepts it too, so it is chosen, but z1 never hears z2's
        // ACCEPTED, and z3 hears nothing: nobody commits it.
        cluster.Filter = (fz, _, tz, ti, _) => !(tz == "z1" && ti == 1) && tz != "z3" && fz != "z3" && !(fz == "z2" && tz == "z1");
        cluster.Node("z1", 0).OnMigrationRequest(cluster.Migration("d20", "z3", 1000), out _);
        cluster.Pump();
        Assert.All(cluster.All, n => Assert.Equal(0UL, n.LastExecuted));
        Assert.Equal(0UL, cluster.Node("z1", 1).LastExecuted);

        // View 1: the new primary only knows d30's request, and tries it in slot 1 under the same ⟨1, z1⟩.
        var firstBallotOrders = new HashSet<string>();
        cluster.Filter = (fz, fi, tz, _, m) =>
        {
            if (fz != tz && StepOf(m) is { Kind: Wire.GlobalStepKind.GlobalStepAccept, Slot: 1, Ballot.N: 1 } accept) firstBallotOrders.Add(accept.Order.Device);
            return !(fz == "z1" && fi == 0);
        };
        foreach (var node in cluster.Zones["z1"]) node.OnView(1);
        foreach (var node in cluster.Zones["z1"]) node.OnMigrationRequest(cluster.Migration("d30", "z2", 1000), out _);
        cluster.Pump();
        cluster.Run(6000);

        // Members 2 and 3 endorsed d20's ⟨1⟩ ACCEPT and refuse d30's: the new primary gives the slot up,
        // recovers it with PROPOSE, finds the accepted order and finishes it; d30 takes slot 2.
        Assert.DoesNotContain("d30", firstBallotOrders); // z1 never certified a second order under ⟨1⟩ in slot 1
        var newPrimary = cluster.Node("z1", 1);
        Assert.True(newPrimary.Metrics.Recovered >= 1, "the new primary should have recovered d20's order");
        foreach (var node in cluster.All.Where(n => !(n.Zone == "z1" && n.Self == 0)))
            Assert.Equal([(1UL, "d20"), (2UL, "d30")], cluster.Executed(node.Zone, node.Self).Select(e => (e.Slot, e.Order.Device)));
    }

    private static bool IsSlot(Wire.GlobalMessage message, ulong slot) => StepOf(message)?.Slot == slot;

    private static Wire.GlobalStep? StepOf(Wire.GlobalMessage message) =>
        message.KindCase == Wire.GlobalMessage.KindOneofCase.Step ? Wire.GlobalStep.Parser.ParseFrom(message.Step.Body) : null;
}
