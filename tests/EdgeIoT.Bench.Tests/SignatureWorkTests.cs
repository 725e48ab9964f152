using EdgeIoT.Bench.Crypto;

namespace EdgeIoT.Bench.Tests;

public sealed class SignatureWorkTests
{
    [Fact]
    public void Four_gateways_three_executors_count_as_the_cost_table_says()
    {
        // docs/performance.md: 8 per transaction; per batch 24 PBFT + 0.75 checkpoint + 9 certificate + 3 VERIFY + 4 notice.
        Assert.Equal(8, SignatureWork.PerTransaction(gateways: 4, executors: 3));
        Assert.Equal(40.75, SignatureWork.PerBatch(gateways: 4, executors: 3, faultyGateways: 1, checkpointInterval: 16));
        Assert.Equal(8 + 40.75 / 10, SignatureWork.PerCommittedTransaction(4, 3, 1, averageBatch: 10), precision: 9);
    }

    [Fact]
    public void A_lone_gateway_has_no_PBFT_phases_and_larger_batches_share_the_batch_work()
    {
        Assert.Equal(0 + 0 + 3 * 1 + 3 + 1, SignatureWork.PerBatch(gateways: 1, executors: 3, faultyGateways: 0, checkpointInterval: 16));
        Assert.True(SignatureWork.PerCommittedTransaction(4, 3, 1, 100) < SignatureWork.PerCommittedTransaction(4, 3, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => SignatureWork.PerCommittedTransaction(4, 3, 1, 0));
    }
}
