using EdgeIoT.Bench.Cluster;

namespace EdgeIoT.Bench.Tests;

/// <summary>The benchmark clusters order and execute for real: a short in-process run completes requests.</summary>
public sealed class ClusterTests
{
    [Theory]
    [InlineData(ClusterProtocol.Pbft, 27100)]
    [InlineData(ClusterProtocol.Paxos, 27120)]
    public async Task A_short_in_process_run_completes_requests_and_measures_latency(ClusterProtocol protocol, int basePort)
    {
        var spec = new ClusterSpec { Protocol = protocol, Execution = ClusterExecution.Kv, Replicas = 4, Clients = 8, BatchSizeMax = 10, BasePort = basePort, Seconds = 2, WarmupSeconds = 0.5 };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await InProcessCluster.RunAsync(spec, timeout.Token);
        Assert.True(result.Completed > 0, $"no request completed: {result}");
        Assert.True(result.Latency.P50 > 0 && result.Latency.P50 <= result.Latency.P99, $"latency {result.Latency}");
    }
}
