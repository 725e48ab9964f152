using System.Text.Json.Nodes;
using EdgeIoT.Bench.Crypto;
using EdgeIoT.Bench.Experiments;
using EdgeIoT.Bench.Results;

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

    [Fact]
    public void A_one_zone_run_is_set_against_the_ceiling_at_its_own_average_batch()
    {
        var crypto = new CryptoCeilingResult(20_000, 40_000, 2, 2);
        var run = new RunResult { Experiment = "Q1", Series = "servbft-4", X = 50, Params = [], Machine = new Machine(2, "cpu"), StartedAt = "t", Ok = true, ThroughputTps = 1_000 };
        var report = new JsonObject { ["avg_batch_txs"] = 10.0 };

        var result = BenchRunner.WithCryptoCeiling(run, new SystemParams(), report, crypto);

        Assert.Equal(12.08, result.Extra["ed25519_verifications_per_tx"]);
        Assert.Equal(Math.Round(40_000 / 12.075, 1), result.Extra["crypto_ceiling_tps"]);
        Assert.Equal(Math.Round(1_000 / (40_000 / 12.075), 3), result.Extra["share_of_crypto_ceiling"]);
        // Zones add global work the count does not cover; a run without the batch figure has no ceiling.
        Assert.False(BenchRunner.WithCryptoCeiling(run, new SystemParams { Zones = 3 }, report, crypto).Extra.ContainsKey("crypto_ceiling_tps"));
        Assert.False(BenchRunner.WithCryptoCeiling(run, new SystemParams(), new JsonObject(), crypto).Extra.ContainsKey("crypto_ceiling_tps"));
    }
}
