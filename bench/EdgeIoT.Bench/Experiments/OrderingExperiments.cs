using EdgeIoT.Bench.Cluster;

namespace EdgeIoT.Bench.Experiments;

/// <summary>
/// The ordering layer alone (issue 6's BFT-SMaRt comparison): EdgeIoT's PBFT replica with null
/// execution, 4 replicas, 50 closed-loop clients, requests of a 12-byte header and no payload, in
/// this process over real TCP peer links. The run also measures the crypto ceiling.
/// </summary>
public static class OrderingExperiments
{
    /// <summary>BFT-SMaRt v1.2's ThroughputLatency microbenchmark on this machine (4 replicas, MACs, 0-byte requests, 50 clients).</summary>
    public const double BftSmartRequestsPerSecond = 5_400;

    private static BenchPoint Point(int batch) => new("pbft-null", batch, PointKind.ClusterInProcess)
    {
        Cluster = new ClusterSpec { Protocol = ClusterProtocol.Pbft, Execution = ClusterExecution.Null, Replicas = 4, Clients = 50, RequestBytes = 0, BatchSizeMax = batch },
    };

    public static Experiment Ordering { get; } = new("ORDERING", "PBFT ordering layer, null execution", "issue 6 (BFT-SMaRt ThroughputLatency)", "batch size",
        [Point(10), Point(50), Point(100)],
        [Point(100)]) { FullSeconds = 15, FullWarmupSeconds = 3 };

    public static IReadOnlyList<Experiment> All { get; } = [Ordering];
}
