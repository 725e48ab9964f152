using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Protocol.Tests.Support;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Gateway;

/// <summary>What a replica writes before it sends, read back as the gateway's store does (protobuf bytes).</summary>
public sealed class PersistenceTests
{
    private static TestNetwork Network() => new(protocol: p =>
    {
        p.BatchSizeMax = 1;
        p.BatchTimeoutMs = 2;
    });

    [Fact]
    public void A_committed_entry_stores_its_batch_once_and_a_restart_from_the_bytes_delivers_it_again()
    {
        using var network = Network();
        var cluster = new ReplicaCluster(network);
        foreach (var i in Enumerable.Range(0, 3))
            cluster.ProposeToAll(cluster.Request(network.Tx($"d{i}", "kv", "update", new { key = $"kv/{i}", value = "v" })));
        cluster.RunFor(10);
        var committed = cluster.Committed[2].OrderBy(c => c.Seq).ToList();
        Assert.Equal(3, committed.Count);

        // The last record of each entry, through bytes, as GatewayStore keeps it.
        var records = new Dictionary<ulong, byte[]>();
        PersistedView? view = null;
        foreach (var ready in cluster.Persisted[2])
        {
            foreach (var (seq, entry) in ready.PersistEntries) records[seq] = entry.ToByteArray();
            if (ready.PersistView is { } v) view = PersistedView.Parser.ParseFrom(v.ToByteArray());
        }
        var entries = records.Values.Select(bytes => PersistedEntry.Parser.ParseFrom(bytes)).ToList();
        Assert.All(entries, e =>
        {
            Assert.True(e.Committed);
            Assert.True(e.PreparedBatchIsProposal, "the prepared batch is the proposal's and is not written a second time");
            Assert.Null(e.PreparedBatch);
        });

        var restarted = new PbftReplica(new ReplicaOptions { Zone = network.Zone, SelfIndex = 2, Protocol = network.Registry.Protocol }, network.GatewayKeys[2]);
        restarted.Restore(view, entries);
        var redelivered = restarted.TakeReady().Committed.OrderBy(c => c.Seq).ToList();
        Assert.Equal(committed.Select(c => (c.Seq, c.Digest)), redelivered.Select(c => (c.Seq, c.Digest)));
        Assert.Equal(committed.Select(c => c.Batch), redelivered.Select(c => c.Batch));
    }
}
