using EdgeIoT.Core.Net;

namespace EdgeIoT.Bench.Cluster;

/// <summary>
/// A cluster node's real TCP peer links (MAC'd frames on loopback), opened from the spec: the same
/// transport the gateways use, with a frame limit sized for the largest batch.
/// </summary>
internal static class NodeLinks
{
    public static PeerLinks Open(ClusterSpec spec, int index, PeerLinks.PeerMessageHandler onMessage)
    {
        using var key = spec.KeyFor(index);
        var frameBytes = (long)spec.BatchSizeMax * (spec.RequestBytes + ClusterWire.RequestHeaderBytes + 64) * 4 + (1 << 20);
        return new PeerLinks(spec.LinkZone(), index, key, new PeerLinksOptions
        {
            MaxFrameBytes = (int)Math.Min(frameBytes, 64L << 20),
            QueueCapacity = 65_536,
        }, onMessage);
    }

    /// <summary>Sends to every replica but <paramref name="self"/>; never to the client node.</summary>
    public static void SendToReplicas(PeerLinks links, ClusterSpec spec, int self, ReadOnlyMemory<byte> payload)
    {
        for (var i = 0; i < spec.Replicas; i++)
            if (i != self) links.Send(i, payload);
    }

    /// <summary>Waits until this node's outbound link to each of <paramref name="peers"/> is connected.</summary>
    public static async Task WaitConnectedAsync(PeerLinks links, IEnumerable<int> peers, TimeSpan timeout, CancellationToken ct)
    {
        var wanted = peers.Where(p => p != links.SelfIndex).ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (!wanted.All(p => links.Stats[p].OutboundConnected))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"node {links.SelfIndex} could not connect to nodes {string.Join(", ", wanted.Where(p => !links.Stats[p].OutboundConnected))} within {timeout.TotalSeconds:0} s");
            await Task.Delay(10, ct);
        }
    }
}
