namespace EdgeIoT.Bench.Cluster;

/// <summary>Starts one replica of a cluster, of the spec's protocol.</summary>
public static class ClusterReplicas
{
    /// <summary>A started replica; dispose it to stop it.</summary>
    public static async Task<IAsyncDisposable> StartAsync(ClusterSpec spec, int index, CancellationToken ct)
    {
        spec.EnsureValid();
        if (index < 0 || index >= spec.Replicas) throw new ArgumentOutOfRangeException(nameof(index), index, $"a replica index is within 0..{spec.Replicas - 1}");
        ReplicaLoop replica = spec.Protocol == ClusterProtocol.Pbft ? new PbftClusterReplica(spec, index) : new PaxosClusterReplica(spec, index);
        await replica.StartAsync(ct);
        return replica;
    }
}

/// <summary>
/// The whole cluster in this process: n replicas and the client node, each with its own real TCP
/// peer links on loopback (frames cross the kernel's loopback, MAC'd, as between gateways).
/// </summary>
public static class InProcessCluster
{
    public static async Task<ClusterLoadResult> RunAsync(ClusterSpec spec, CancellationToken ct)
    {
        spec.EnsureValid();
        var replicas = new List<IAsyncDisposable>();
        try
        {
            for (var i = 0; i < spec.Replicas; i++) replicas.Add(await ClusterReplicas.StartAsync(spec, i, ct));
            await using var clients = new ClientLoad(spec);
            await clients.StartAsync(ct);
            return await clients.RunAsync(ct);
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }
}
