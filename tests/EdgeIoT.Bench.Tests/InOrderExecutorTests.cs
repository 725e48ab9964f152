using EdgeIoT.Bench.Cluster;

namespace EdgeIoT.Bench.Tests;

public sealed class InOrderExecutorTests
{
    private static byte[] Raw(int client, ulong number) => ClusterWire.Request(new RequestId(client, number), 0)[1..];

    [Fact]
    public void Batches_committed_out_of_order_execute_in_sequence_order_exactly_once()
    {
        var executor = new InOrderExecutor(ClusterExecution.Kv, keys: 10);
        Assert.Empty(executor.OnCommitted(2, [Raw(1, 2)]));
        Assert.Empty(executor.OnCommitted(3, [Raw(1, 3)]));
        var done = executor.OnCommitted(1, [Raw(1, 1)]);
        Assert.Equal([1UL, 2UL, 3UL], done.Select(d => d.Seq));
        Assert.Equal(3UL, executor.Executed);
        Assert.Equal(3, executor.VersionOf(1));
        Assert.Empty(executor.OnCommitted(2, [Raw(1, 2)]));
        Assert.Equal(3, executor.VersionOf(1));
    }

    [Fact]
    public void A_malformed_request_is_counted_and_skipped()
    {
        var executor = new InOrderExecutor(ClusterExecution.Null);
        var done = executor.OnCommitted(1, [new byte[3], Raw(2, 1)]);
        Assert.Equal([new RequestId(2, 1)], done.Single().Requests);
        Assert.Equal(1, executor.MalformedRequests);
    }
}
