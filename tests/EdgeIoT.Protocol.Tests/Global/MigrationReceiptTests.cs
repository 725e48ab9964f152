namespace EdgeIoT.Protocol.Tests.Global;

/// <summary>
/// The verifier's receipts name the migration's slot; a gateway matches them by slot, because a device
/// can take the same route twice and, under a stable leader, with the same ballot ⟨1, stable zone⟩.
/// </summary>
public class MigrationReceiptTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_repeated_receipt_of_a_finished_migration_does_not_stand_in_for_the_next_one_on_the_same_route(bool adopt)
    {
        using var cluster = new GlobalCluster();
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var first = Assert.Single(cluster.Receipts, r => r.Device == "d20" && r.Adopt == adopt);
        Assert.Equal(1UL, first.Slot);

        // A duplicated or re-announced notice brings slot 1's receipt again, after the migration finished.
        foreach (var node in cluster.Zones[adopt ? "z3" : "z2"])
        {
            if (adopt) node.OnAdopted(first);
            else node.OnLockPoint(1, first);
        }
        cluster.Pump();

        // The device goes back and then takes the first route again (z2 -> z3), in slot 3.
        cluster.Submit("z1", cluster.Migration("d20", "z2", 2000));
        cluster.Submit("z1", cluster.Migration("d20", "z3", 3000));
        cluster.Run(2000);

        Assert.Contains(cluster.Receipts, r => r.Device == "d20" && !r.Adopt && r.Slot == 3 && r.FromZone == "z2");
        Assert.Contains(cluster.Receipts, r => r.Device == "d20" && r.Adopt && r.Slot == 3 && r.ToZone == "z3");
        Assert.All(cluster.All, n => Assert.Equal("z3", n.Metadata.ZoneOf("d20")));
        Assert.All(cluster.All, n => Assert.DoesNotContain("d20", n.Metadata.LockedDevices));
    }
}
