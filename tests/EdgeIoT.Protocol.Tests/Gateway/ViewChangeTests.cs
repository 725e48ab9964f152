using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Gateway;

public class ViewChangeTests
{
    private static TestNetwork Network(int batchSize = 2) => new(protocol: p =>
    {
        p.BatchSizeMax = batchSize;
        p.BatchTimeoutMs = 2;
        p.RequestTimeoutMs = 50;
        p.ViewChangeTimeoutMs = 100;
        p.CheckpointInterval = 2;
    });

    private static List<ClientRequest> Requests(TestNetwork network, ReplicaCluster cluster, int count, int offset = 0) =>
        Enumerable.Range(offset, count).Select(i => cluster.Request(network.Tx($"d{i % 4}", "kv", "update", new { key = $"kv/{i}", value = "v" }))).ToList();

    private static void AssertNoDivergence(ReplicaCluster cluster, IEnumerable<int> correct)
    {
        var bySeq = correct.SelectMany(r => cluster.Committed[r]).GroupBy(c => c.Seq);
        foreach (var group in bySeq)
            Assert.True(group.Select(c => c.Digest).Distinct().Count() == 1, $"correct replicas committed different batches at seq {group.Key}");
    }

    [Fact]
    public void A_primary_that_ignores_requests_is_replaced_and_the_requests_commit_in_the_next_view()
    {
        // S1 (serverlessbft §5.1): the primary receives requests and proposes nothing.
        using var network = Network();
        var cluster = new ReplicaCluster(network) { Filter = (from, _, _) => from != 0 };
        foreach (var request in Requests(network, cluster, 4)) cluster.ProposeToAll(request);
        cluster.RunFor(400);

        foreach (var r in new[] { 1, 2, 3 })
        {
            Assert.True(cluster.Replicas[r].View >= 1, $"replica {r} is still in view {cluster.Replicas[r].View}");
            Assert.Equal(4, cluster.Committed[r].Sum(c => c.Batch.Txs.Count));
        }
        Assert.True(cluster.Replicas[1].Metrics.ViewsInstalled >= 1);
        AssertNoDivergence(cluster, [1, 2, 3]);
        // The suspicion says what the backup weighed, so an operator can tell censorship from a slow zone.
        var reason = Assert.Single(RequestSuspicions(cluster, 1, fromView: 0));
        Assert.Matches(@"\(S1\): waited \d+ ms; 0 proposals undecided, 4 requests waiting; partial batches: none accepted$", reason);
    }

    [Fact]
    public void A_decision_slower_than_the_request_timeout_is_not_blamed_on_the_primary()
    {
        // Adaptive batching (decisions.md D20): a partial batch waits until the one before it is decided.
        // Executors or a verifier slower than the request timeout hold the next request back by design.
        using var network = Network(batchSize: 4);
        var cluster = new ReplicaCluster(network);
        cluster.ProposeToAll(Requests(network, cluster, 1).Single());
        cluster.RunFor(5);
        var first = Assert.Single(cluster.Committed[1]);

        var waiting = Requests(network, cluster, 1, offset: 1).Single();
        cluster.ProposeToAll(waiting);
        cluster.RunFor(200); // four request timeouts, batch 1 committed but undecided

        Assert.All(cluster.Replicas, r => Assert.Equal((0UL, 0L), (r.View, r.Metrics.Suspicions)));
        Assert.Single(cluster.Committed[1]);

        cluster.DecideEverywhere(first.Seq, first.TxDigests);
        cluster.RunFor(5);
        Assert.Equal(waiting.Digest, Assert.Single(cluster.Committed[1][1].TxDigests));
    }

    [Fact]
    public void A_primary_that_keeps_proposing_partial_batches_without_a_waiting_request_is_replaced()
    {
        // The excuse above is not a way to censor: the primary never takes the request (it never sees
        // it here) and keeps a partial batch of other requests undecided at every tick, proposing the
        // next one the moment the one before it is decided.
        using var network = Network(batchSize: 4);
        var cluster = new ReplicaCluster(network);
        var censored = Requests(network, cluster, 1, offset: 100).Single();
        foreach (var backup in new[] { 1, 2, 3 }) cluster.Replicas[backup].Propose(censored);
        cluster.ProposeToAll(Requests(network, cluster, 1).Single());
        cluster.RunFor(5);
        // 30 rounds of 5 ticks: three request timeouts.
        for (var round = 1; round < 30 && cluster.Replicas[1].View == 0; round++)
        {
            cluster.ProposeToAll(Requests(network, cluster, 1, offset: round).Single());
            cluster.RunFor(5);
            var undecided = cluster.Committed[1].Last();
            cluster.DecideEverywhere(undecided.Seq, undecided.TxDigests);
            cluster.Run();
        }

        Assert.All(new[] { 1, 2, 3 }, r => Assert.True(cluster.Replicas[r].View >= 1, $"replica {r} is still in view {cluster.Replicas[r].View}"));
        var lastCommitted = cluster.Committed[1].Last();
        cluster.DecideEverywhere(lastCommitted.Seq, lastCommitted.TxDigests);
        cluster.RunFor(300);
        Assert.Contains(cluster.Committed[1], c => c.TxDigests.Contains(censored.Digest));
        AssertNoDivergence(cluster, [1, 2, 3]);
    }

    [Fact]
    public void A_batch_that_may_have_committed_is_re_proposed_at_its_sequence_number_in_the_new_view()
    {
        using var network = Network(batchSize: 1);
        for (var seed = 1; seed <= 10; seed++)
        {
            var cluster = new ReplicaCluster(network, seed);
            // Replica 1 alone sees commits: it commits, the others only prepare. Then the primary dies.
            cluster.Filter = (_, to, message) => message.KindCase != PeerMessage.KindOneofCase.Commit || to == 1;
            cluster.ProposeToAll(Requests(network, cluster, 1).Single());
            cluster.Run();
            var committedInView0 = Assert.Single(cluster.Committed[1]);
            Assert.All(new[] { 2, 3 }, r => Assert.Empty(cluster.Committed[r]));

            cluster.Crashed.Add(0);
            cluster.Filter = (_, _, _) => true;
            cluster.ProposeToAll(Requests(network, cluster, 1, offset: 10).Single());
            cluster.RunFor(600);

            foreach (var r in new[] { 2, 3 })
            {
                var atSeq1 = cluster.Committed[r].Single(c => c.Seq == 1);
                Assert.Equal(committedInView0.Digest, atSeq1.Digest);
                Assert.True(atSeq1.View >= 1);
            }
            AssertNoDivergence(cluster, [1, 2, 3]);
            Assert.Contains(cluster.Committed[2], c => c.Seq == 2 && c.Batch.Txs.Count == 1);
        }
    }

    [Fact]
    public void Equivocation_followed_by_view_changes_never_makes_correct_replicas_diverge()
    {
        using var network = Network(batchSize: 1);
        for (var seed = 1; seed <= 20; seed++)
        {
            var cluster = new ReplicaCluster(network, seed);
            var a = Requests(network, cluster, 1).Single();
            var b = cluster.Request(network.Tx("d3", "kv", "update", new { key = "kv/99", value = "B" }));
            cluster.Filter = (from, _, _) => from != 0; // the byzantine primary's own messages are crafted below
            cluster.ProposeToAll(a);
            cluster.ProposeToAll(b);
            foreach (var (to, request) in new[] { (1, a), (2, a), (3, b) })
                cluster.Inject(0, to, ReplicaCluster.SignedPrePrepare(network.GatewayKeys[0], 0, 1, request));
            cluster.RunFor(800);
            AssertNoDivergence(cluster, [1, 2, 3]);
            foreach (var r in new[] { 1, 2, 3 })
            {
                var transactions = cluster.Committed[r].SelectMany(c => c.TxDigests).ToList();
                Assert.Contains(a.Digest, transactions);
                Assert.Contains(b.Digest, transactions);
            }
        }
    }

    [Fact]
    public void A_NEW_VIEW_that_drops_a_prepared_batch_is_refused_and_the_view_change_moves_on()
    {
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network);
        // Seq 1 prepares everywhere but commits nowhere; then the primary of view 0 dies.
        cluster.Filter = (_, _, message) => message.KindCase != PeerMessage.KindOneofCase.Commit;
        var request = Requests(network, cluster, 1).Single();
        cluster.ProposeToAll(request);
        cluster.Run();
        cluster.Crashed.Add(0);

        // Replica 1, primary of view 1, is byzantine: its honest NEW-VIEW is suppressed and replaced by
        // one that quotes the real view changes but proposes a null batch where a batch prepared.
        var viewChanges = new Dictionary<uint, Signed>();
        cluster.Filter = (from, _, message) =>
        {
            if (message.KindCase == PeerMessage.KindOneofCase.ViewChange) viewChanges[message.ViewChange.ViewChange.Signer] = message.ViewChange.ViewChange;
            return !(from == 1 && message.KindCase == PeerMessage.KindOneofCase.NewView);
        };
        foreach (var r in new[] { 1, 2, 3 }) cluster.Replicas[r].StartViewChange(1, "test");
        cluster.Tick(0); // collects what the replicas produced
        cluster.Run();
        Assert.Equal(3, viewChanges.Count);

        var forged = new NewView { Zone = "z1", View = 1 };
        forged.ViewChanges.AddRange(viewChanges.Values);
        var nullBatch = new Batch();
        var nullDigest = Batches.Digest(nullBatch);
        forged.PrePrepares.Add(new PrePrepare
        {
            View = 1, Seq = 1, BatchDigest = ByteString.CopyFrom(nullDigest.ToArray()), Batch = nullBatch,
            Signature = ByteString.CopyFrom(PhaseStatement.Sign(network.GatewayKeys[1], SignatureDomain.PrePrepare, "z1", 1, 1, nullDigest)),
        });
        var signed = SignedMessages.Sign(forged, SignatureDomain.NewView, 1, network.GatewayKeys[1]);
        cluster.Inject(1, 2, new PeerMessage { NewView = signed });
        cluster.Inject(1, 3, new PeerMessage { NewView = signed });
        cluster.Run();
        Assert.Equal(1, cluster.Replicas[2].Metrics.NewViewsRejected);
        Assert.Equal(1, cluster.Replicas[3].Metrics.NewViewsRejected);
        Assert.NotEqual(1UL, cluster.Replicas[2].View); // never installed the forged view

        // The view change moves on to view 2, whose primary (replica 2) re-proposes the prepared batch.
        cluster.Filter = (_, _, _) => true;
        cluster.RunFor(400);
        Assert.Equal(2UL, cluster.Replicas[3].View);
        var atSeq1 = cluster.Committed[3].Single(c => c.Seq == 1);
        Assert.Equal(request.Digest, Assert.Single(atSeq1.TxDigests));
        AssertNoDivergence(cluster, [2, 3]);
    }

    [Fact]
    public void A_replica_kept_in_the_dark_catches_up_from_checkpoints_with_certificates()
    {
        // D1 (serverlessbft §5.2): the primary never sends replica 3 anything; 2f+1 others still commit.
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network) { Filter = (from, to, _) => !(from == 0 && to == 3) };
        var requests = Requests(network, cluster, 4);
        foreach (var request in requests) cluster.ProposeToAll(request);
        cluster.RunFor(20);

        Assert.Equal(4UL, cluster.Replicas[1].StableCheckpoint);
        Assert.Equal(4, cluster.Replicas[3].Metrics.BatchesCaughtUp);
        Assert.Equal(cluster.Committed[1].OrderBy(c => c.Seq).Select(c => c.Digest), cluster.Committed[3].OrderBy(c => c.Seq).Select(c => c.Digest));
        // Caught up, it no longer waits for those requests, so it never suspects the primary alone for long.
        Assert.Equal(0, cluster.Replicas[3].PendingCount);
        Assert.All(cluster.Committed[3], c => Assert.True(CommitCertificates.Verify(c.Certificate, network.Zone, c.Seq, c.Digest, out _)));
    }

    [Fact]
    public void A_restarted_replica_remembers_what_it_accepted_and_will_not_prepare_a_different_batch()
    {
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network);
        cluster.Filter = (_, _, message) => message.KindCase == PeerMessage.KindOneofCase.PrePrepare;
        cluster.ProposeToAll(Requests(network, cluster, 1).Single());
        cluster.Run();
        cluster.Restart(2);

        // The primary, now byzantine, sends replica 2 a different proposal for the same (view, seq).
        var other = cluster.Request(network.Tx("d3", "kv", "update", new { key = "kv/5", value = "other" }));
        cluster.Replicas[2].Step(0, ReplicaCluster.SignedPrePrepare(network.GatewayKeys[0], 0, 1, other));
        Assert.Equal(1, cluster.Replicas[2].Metrics.Equivocations);
        Assert.DoesNotContain(cluster.Replicas[2].TakeReady().Messages, m => m.Message.KindCase == PeerMessage.KindOneofCase.Prepare);
    }

    [Fact]
    public void A_replica_restarted_after_a_view_change_learns_the_current_view_from_its_peers()
    {
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network);
        cluster.Crashed.Add(3);
        cluster.Crashed.Add(0);
        cluster.Crashed.Remove(0);
        foreach (var r in new[] { 0, 1, 2 }) cluster.Replicas[r].StartViewChange(1, "test");
        cluster.RunFor(50);
        Assert.Equal(1UL, cluster.Replicas[1].View);

        cluster.Restart(3); // it persisted nothing: it starts in view 0
        Assert.Equal(0UL, cluster.Replicas[3].View);
        foreach (var request in Requests(network, cluster, 2)) cluster.ProposeToAll(request);
        cluster.RunFor(50);
        Assert.Equal(1UL, cluster.Replicas[3].View);
        Assert.Equal(2, cluster.Committed[3].Sum(c => c.Batch.Txs.Count));
    }

    [Fact]
    public void A_primary_returning_in_a_later_view_never_leaves_a_gap_in_sequence_numbers()
    {
        // Replica 0 proposes seq 1..3 in view 0 but no one else hears it; views 1..3 pass without
        // proposals; in view 4 replica 0 is primary again and must start right after max-s, not at 4.
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network) { Filter = (from, _, message) => !(from == 0 && message.KindCase == PeerMessage.KindOneofCase.PrePrepare) };
        foreach (var request in Requests(network, cluster, 3)) cluster.Replicas[0].Propose(request);
        cluster.Tick(0);
        cluster.Run();
        Assert.Equal(4UL, cluster.Replicas[0].NextSeq);
        cluster.Filter = (_, _, _) => true;
        foreach (var r in new[] { 0, 1, 2, 3 }) cluster.Replicas[r].StartViewChange(4, "test");
        cluster.Tick(0);
        cluster.Run();
        Assert.Equal(4UL, cluster.Replicas[0].View);
        var request2 = cluster.Request(network.Tx("d3", "kv", "update", new { key = "kv/77", value = "x" }));
        cluster.ProposeToAll(request2);
        cluster.RunFor(10);
        // The three requests of the dropped proposals and the new one take seq 1..4: no gap.
        Assert.Equal([1UL, 2, 3, 4], cluster.Committed[2].Select(c => c.Seq).Order().ToArray());
    }
    /// <summary>A LOCK entry as the primary's coordinator offers it (GatewayNode.ProposeSystem).</summary>
    private static ClientRequest SystemRequest(string device)
    {
        var raw = SystemEntries.Encode(new SystemEntry { Lock = new CertifiedStep { Body = ByteString.CopyFromUtf8(device) } });
        return new ClientRequest(Sha256Digest.Of(raw), raw, device, 0);
    }

    private static List<string> RequestSuspicions(ReplicaCluster cluster, int replica, ulong fromView) =>
        cluster.Persisted[replica].SelectMany(r => r.Suspicions).Where(s => s.View >= fromView && s.Reason.Contains("(S1)")).Select(s => s.Reason).ToList();

    [Fact]
    public void A_LOCK_entry_from_a_proposal_the_view_change_dropped_is_not_held_against_the_new_primary()
    {
        // Only a primary orders LOCK/ADOPT entries, each from its own coordinator's certificate (docs/zones.md,
        // Z5). Backups 2 and 3 accepted the old primary's proposal of one; it never prepared, so the new view
        // drops it. The new primary never saw those bytes and will not propose them; if the backups put them
        // back in line, S1 makes them suspect a correct primary ("@0" in the logs) and the zone changes view
        // again. The coordinators re-offer the entry to the new primary themselves.
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network)
        {
            Filter = (_, to, message) => message.KindCase switch
            {
                PeerMessage.KindOneofCase.PrePrepare => to != 1,
                PeerMessage.KindOneofCase.Prepare => false,
                _ => true,
            },
        };
        cluster.Replicas[0].Propose(SystemRequest("d0"));
        cluster.Tick(0);
        cluster.Run();
        bool Accepted(int r) => cluster.Persisted[r].Any(ready => ready.PersistEntries.ContainsKey(1));
        Assert.Equal([false, true, true], new[] { 1, 2, 3 }.Select(Accepted).ToArray());

        cluster.Crashed.Add(0);
        cluster.Filter = (_, _, _) => true;
        var request = Requests(network, cluster, 1).Single();
        cluster.ProposeToAll(request);
        cluster.RunFor(600); // the view change, then a dozen request timeouts in view 1

        Assert.All(new[] { 1, 2, 3 }, r => Assert.Equal(1UL, cluster.Replicas[r].View));
        Assert.All(new[] { 2, 3 }, r => Assert.Empty(RequestSuspicions(cluster, r, fromView: 1)));
        Assert.Contains(cluster.Committed[2], c => c.View == 1 && c.TxDigests.Contains(request.Digest));
    }

    [Fact]
    public void A_former_primary_forgets_the_LOCK_entry_it_was_holding_back_when_it_becomes_a_backup()
    {
        // Replica 0 held its coordinator's LOCK entry behind an undecided partial batch (D20) when the
        // zone moved to view 1. As a backup it must not time that entry: the new primary orders its own.
        using var network = Network(batchSize: 4);
        var cluster = new ReplicaCluster(network);
        cluster.ProposeToAll(Requests(network, cluster, 1).Single());
        cluster.RunFor(5);
        var first = Assert.Single(cluster.Committed[0]);
        cluster.Replicas[0].Propose(SystemRequest("d0"));
        cluster.RunFor(5);
        Assert.Single(cluster.Committed[0]); // held back: the batch before it is undecided

        foreach (var r in new[] { 0, 1, 2, 3 }) cluster.Replicas[r].StartViewChange(1, "test");
        cluster.Tick(0);
        cluster.Run();
        Assert.All(cluster.Replicas, r => Assert.Equal(1UL, r.View));
        cluster.DecideEverywhere(first.Seq, first.TxDigests);
        cluster.RunFor(400);

        Assert.All(cluster.Replicas, r => Assert.Equal(1UL, r.View));
        Assert.Empty(RequestSuspicions(cluster, 0, fromView: 1));
    }
}
