using EdgeIoT.Core.Execution;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Global;

/// <summary>
/// How long a zone's primary may take over a LOCK entry (docs/zones.md, decision Z5): three step timeouts
/// to commit it, then only as long as the zone's decisions keep moving towards it.
/// </summary>
public class EntryOrderingTests
{
    private const int StepTicks = 200; // GlobalCluster's stepTimeoutMs on 1-ms ticks

    /// <summary>d20 moves from z2 to z3; the data plane is left to the test, so z2's LOCK waits where the test puts it.</summary>
    private static (GlobalCluster Cluster, Batch LockBatch) MigrationWaitingForItsLock()
    {
        var cluster = new GlobalCluster { AutoDataPlane = false };
        cluster.Submit("z1", cluster.Migration("d20", "z3", 1000));
        var request = Assert.Single(cluster.Readies.Where(r => r.Zone == "z2" && r.Gateway == 0).SelectMany(r => r.Ready.LockRequests));
        return (cluster, new Batch { Txs = { ByteString.CopyFrom(SystemEntries.Encode(new SystemEntry { Lock = request.Commit })) } });
    }

    private static void Commit(GlobalCluster cluster, ulong seq, Batch batch)
    {
        foreach (var node in cluster.Zones["z2"]) node.OnZoneCommitted(seq, batch);
        cluster.Pump();
    }

    private static List<string> LockSuspicions(GlobalCluster cluster, int from) =>
        cluster.Readies.Skip(from).Where(r => r.Zone == "z2").SelectMany(r => r.Ready.Suspicions).Where(s => s.Contains("LOCK of d20")).ToList();

    private static int LockRequests(GlobalCluster cluster, int from) =>
        cluster.Readies.Skip(from).Where(r => r.Zone == "z2" && r.Gateway == 0).Sum(r => r.Ready.LockRequests.Count);

    [Fact]
    public void A_committed_LOCK_behind_slow_but_moving_decisions_is_not_the_primarys_fault()
    {
        var (cluster, lockBatch) = MigrationWaitingForItsLock();
        using var _ = cluster;
        // Committed behind nine undecided batches, which the verifier decides one per step timeout.
        Commit(cluster, 10, lockBatch);
        var from = cluster.Readies.Count;
        for (var batch = 0; batch < 9; batch++)
        {
            cluster.Run(StepTicks);
            cluster.DecideLocal("z2");
        }

        Assert.Empty(LockSuspicions(cluster, from));
        Assert.Equal(0, LockRequests(cluster, from));
        // z3 waits for d20's HISTORY all along and asks z2 for it; z2's primary owes it only once the LOCK is decided.
        Assert.Empty(cluster.Readies.Skip(from).Where(r => r.Zone == "z2").SelectMany(r => r.Ready.Suspicions));
    }

    [Fact]
    public void A_committed_LOCK_whose_zone_stops_deciding_is_the_primarys_fault()
    {
        var (cluster, lockBatch) = MigrationWaitingForItsLock();
        using var _ = cluster;
        Commit(cluster, 10, lockBatch);
        var from = cluster.Readies.Count;

        cluster.Run(3 * StepTicks + StepTicks / 4);

        var suspicions = LockSuspicions(cluster, from);
        Assert.True(suspicions.Count >= 3, string.Join("; ", suspicions));
        Assert.All(suspicions, s => Assert.Contains("committed at 10 but the zone's decisions stopped at 0", s));
    }

    [Fact]
    public void A_LOCK_the_primary_never_commits_is_its_fault_however_busy_the_zone()
    {
        var (cluster, _) = MigrationWaitingForItsLock();
        using var __ = cluster;
        var from = cluster.Readies.Count;
        for (var step = 0; step < 4; step++)
        {
            cluster.Run(StepTicks);
            cluster.DecideLocal("z2");
        }

        var suspicions = LockSuspicions(cluster, from);
        Assert.True(suspicions.Count >= 3, string.Join("; ", suspicions));
        Assert.All(suspicions, s => Assert.Contains("was not ordered in time", s));
        Assert.True(LockRequests(cluster, from) >= 3, "an uncommitted LOCK is offered again every step timeout");
    }

    [Fact]
    public void A_LOCK_decided_without_its_receipt_reaching_the_gateway_is_offered_again()
    {
        var (cluster, lockBatch) = MigrationWaitingForItsLock();
        using var _ = cluster;
        Commit(cluster, 1, lockBatch);
        var from = cluster.Readies.Count;
        cluster.Run(2 * StepTicks);
        Assert.Equal(0, LockRequests(cluster, from));

        // The notice of seq 1 reaches the gateways, its receipt does not: repeating the entry repeats the receipt.
        cluster.DecideLocal("z2");
        cluster.Run(StepTicks / 4);

        Assert.Equal(1, LockRequests(cluster, from));
        Assert.Empty(LockSuspicions(cluster, from));
    }
}
