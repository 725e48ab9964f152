using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Gateway;

public class PbftReplicaTests
{
    private static TestNetwork Network(int batchSize = 10, int window = 64, int batchTimeoutMs = 5) =>
        new(protocol: p => { p.BatchSizeMax = batchSize; p.WindowBatches = window; p.BatchTimeoutMs = batchTimeoutMs; });

    private static IEnumerable<ClientRequest> Requests(TestNetwork network, ReplicaCluster cluster, int count) =>
        Enumerable.Range(0, count).Select(i => cluster.Request(network.Tx($"d{i % 4}", "kv", "update", new { key = $"kv/{i}", value = "v" }))).ToList();

    [Fact]
    public void Every_replica_commits_every_batch_with_a_certificate_executors_accept()
    {
        using var network = Network(batchSize: 10);
        for (var seed = 1; seed <= 20; seed++)
        {
            var cluster = new ReplicaCluster(network, seed);
            foreach (var request in Requests(network, cluster, 35)) cluster.ProposeToAll(request);
            cluster.Run();
            // The partial fourth batch waits while full ones are undecided (adaptive batching), then goes on its timer.
            foreach (var full in cluster.Committed[0].OrderBy(c => c.Seq).ToList()) cluster.DecideEverywhere(full.Seq, full.TxDigests);
            cluster.Tick(10);
            cluster.Run();

            for (var r = 0; r < 4; r++)
            {
                Assert.Equal([1UL, 2, 3, 4], cluster.Committed[r].Select(c => c.Seq).Order().ToArray());
                Assert.Equal(35, cluster.Committed[r].Sum(c => c.Batch.Txs.Count));
                foreach (var batch in cluster.Committed[r])
                {
                    Assert.True(CommitCertificates.Verify(batch.Certificate, network.Zone, batch.Seq, batch.Digest, out var reason), reason);
                    Assert.Equal(batch.Digest, cluster.Committed[0].Single(c => c.Seq == batch.Seq).Digest);
                }
            }
            Assert.Equal(0, cluster.AuthenticationFailures);
        }
    }

    [Fact]
    public void A_partial_batch_waits_for_the_batch_timer()
    {
        using var network = Network(batchSize: 10, batchTimeoutMs: 5);
        var cluster = new ReplicaCluster(network);
        Assert.False(cluster.Replicas[0].BatchTimerRunning);
        foreach (var request in Requests(network, cluster, 3)) cluster.ProposeToAll(request);
        cluster.Run();
        Assert.Empty(cluster.Committed[0]);
        // The host ticks the primary at full resolution while its batch timer runs, and backups coarsely.
        Assert.True(cluster.Replicas[0].BatchTimerRunning);
        Assert.All(cluster.Replicas.Skip(1), backup => Assert.False(backup.BatchTimerRunning));
        cluster.Tick(4);
        cluster.Run();
        Assert.Empty(cluster.Committed[0]);
        cluster.Tick(1);
        cluster.Run();
        Assert.Equal(3, Assert.Single(cluster.Committed[0]).Batch.Txs.Count);
        Assert.False(cluster.Replicas[0].BatchTimerRunning);
    }

    [Fact]
    public void Under_load_a_partial_batch_gathers_requests_until_the_batch_before_it_is_decided()
    {
        using var network = Network(batchSize: 10, batchTimeoutMs: 2);
        var cluster = new ReplicaCluster(network);
        var requests = Requests(network, cluster, 8).ToList();
        foreach (var request in requests.Take(2)) cluster.ProposeToAll(request);
        cluster.Tick(2);
        cluster.Run();
        // An idle zone: the partial batch goes on its timer.
        var first = Assert.Single(cluster.Committed[0]);
        Assert.Equal(2, first.Batch.Txs.Count);

        foreach (var request in requests.Skip(2)) cluster.ProposeToAll(request);
        cluster.Run();
        Assert.True(cluster.Replicas[0].BatchTimerRunning);
        cluster.Tick(20);
        cluster.Run();
        // Batch 1 is undecided: the next requests wait however long their timer has run, and gather.
        Assert.Single(cluster.Committed[0]);
        Assert.Equal(6, cluster.Replicas[0].PendingCount);
        // The expired timer is not running: the decision cuts the held batch, so the host may tick coarsely.
        Assert.False(cluster.Replicas[0].BatchTimerRunning);

        cluster.DecideEverywhere(1, first.TxDigests);
        cluster.Run();
        Assert.Equal(6, cluster.Committed[0].Single(c => c.Seq == 2).Batch.Txs.Count);
    }

    [Fact]
    public void The_primary_stops_at_the_window_until_the_verifier_decides()
    {
        using var network = Network(batchSize: 1, window: 2);
        var cluster = new ReplicaCluster(network);
        var requests = Requests(network, cluster, 5).ToList();
        foreach (var request in requests) cluster.ProposeToAll(request);
        cluster.Run();
        Assert.Equal([1UL, 2], cluster.Committed[0].Select(c => c.Seq).Order().ToArray());
        Assert.Equal(3, cluster.Replicas[0].PendingCount);

        cluster.DecideEverywhere(1, cluster.Committed[0].Single(c => c.Seq == 1).TxDigests);
        cluster.Run();
        Assert.Equal([1UL, 2, 3], cluster.Committed[0].Select(c => c.Seq).Order().ToArray());
        Assert.Equal(2UL, cluster.Replicas[1].HighWatermark - 1);
    }

    [Fact]
    public void A_request_seen_again_after_it_was_ordered_is_not_ordered_twice()
    {
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network);
        var request = Requests(network, cluster, 1).Single();
        cluster.ProposeToAll(request);
        cluster.Run();
        cluster.ProposeToAll(request);
        cluster.Tick(20);
        cluster.Run();
        Assert.Single(cluster.Committed[0]);
        Assert.Equal(0, cluster.Replicas[2].PendingCount);
    }

    [Fact]
    public void An_equivocating_primary_cannot_make_two_correct_replicas_commit_different_batches()
    {
        // D2 (serverlessbft §5.2): the primary sends batch A to replicas 1 and 2 and batch B to
        // replica 3 at the same sequence number, and votes for both.
        using var network = Network(batchSize: 1);
        for (var seed = 1; seed <= 30; seed++)
        {
            var cluster = new ReplicaCluster(network, seed);
            var a = Requests(network, cluster, 1).Single();
            var b = cluster.Request(network.Tx("d3", "kv", "update", new { key = "kv/99", value = "B" }));
            // Replica 0 is the byzantine primary: everything it sends is replaced below.
            cluster.Filter = (from, _, _) => from != 0;
            cluster.ProposeToAll(a);
            cluster.Run();
            Assert.All(cluster.Committed, c => Assert.Empty(c));

            var primaryKey = network.GatewayKeys[0];
            foreach (var (to, request) in new[] { (1, a), (2, a), (3, b) })
            {
                cluster.Inject(0, to, ReplicaCluster.SignedPrePrepare(primaryKey, 0, 1, request));
                var digest = Core.Execution.Batches.Digest(new Batch { Txs = { ByteString.CopyFrom(request.Raw) } });
                foreach (var target in new[] { 1, 2, 3 })
                    cluster.Inject(0, target, new PeerMessage
                    {
                        Commit = new Commit
                        {
                            View = 0, Seq = 1, BatchDigest = ByteString.CopyFrom(digest.ToArray()),
                            Signature = ByteString.CopyFrom(new CommitStatement("z1", 0, 1, digest).Sign(primaryKey)),
                        },
                    });
            }
            cluster.Run();
            var committed = cluster.Committed.Skip(1).SelectMany(c => c).Where(c => c.Seq == 1).Select(c => c.Digest).Distinct().ToList();
            Assert.True(committed.Count <= 1, $"seed {seed}: correct replicas committed {committed.Count} different batches at seq 1");
            Assert.Empty(cluster.Committed[3]);
        }
    }

    [Fact]
    public void Messages_with_forged_signatures_never_reach_the_replicas()
    {
        using var network = Network(batchSize: 1);
        var cluster = new ReplicaCluster(network);
        using var stranger = SigningKey.Generate();
        var digest = Sha256Digest.Of("x"u8);
        cluster.Inject(1, 2, new PeerMessage
        {
            Commit = new Commit
            {
                View = 0, Seq = 1, BatchDigest = ByteString.CopyFrom(digest.ToArray()),
                Signature = ByteString.CopyFrom(new CommitStatement("z1", 0, 1, digest).Sign(stranger)),
            },
        });
        cluster.Run();
        Assert.Equal(1, cluster.AuthenticationFailures);
    }

    [Fact]
    public void Prepares_claiming_to_come_from_the_primary_and_votes_outside_the_window_do_not_count()
    {
        using var network = Network(batchSize: 1, window: 4);
        var replica = new PbftReplica(new ReplicaOptions { Zone = network.Zone, SelfIndex = 1, Protocol = network.Registry.Protocol }, network.GatewayKeys[1]);
        var digest = Sha256Digest.Of("x"u8);
        var bytes = ByteString.CopyFrom(digest.ToArray());
        replica.Step(0, new PeerMessage { Prepare = new Prepare { View = 0, Seq = 1, BatchDigest = bytes } });
        replica.Step(2, new PeerMessage { Commit = new Commit { View = 0, Seq = 99, BatchDigest = bytes } });
        replica.Step(2, new PeerMessage { Commit = new Commit { View = 7, Seq = 1, BatchDigest = bytes } });
        Assert.Equal(1, replica.Metrics.OutsideWindow);
        Assert.Equal(1, replica.Metrics.WrongView);
        // A vote for a later view is kept for when that view installs; alone it changes nothing.
        Assert.True(replica.TakeReady().IsEmpty);
    }
}
