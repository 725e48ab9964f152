using EdgeIoT.Core.Crypto;
using EdgeIoT.Verifier.Protocol;

namespace EdgeIoT.Protocol.Tests.Verifier;

public class LatestDecidedTests
{
    private static DecidedBatch Batch(string zone, ulong seq) =>
        new(zone, seq, default, [], [], new Dictionary<string, ulong>(), []) { ZoneDigest = new Bytes32(new byte[32]) };

    [Fact]
    public void A_VERIFY_for_a_decided_batch_announces_the_zones_latest_decision_again_at_most_once_per_interval()
    {
        var latest = new LatestDecided(intervalMs: 1000);
        latest.Record(Batch("z1", 7), nowMs: 10_000);
        latest.Record(Batch("z1", 6), nowMs: 10_001); // late and older: the latest stays

        Assert.Null(latest.Reannounce("z1", 5, nowMs: 10_500)); // just announced
        Assert.Equal(7UL, latest.Reannounce("z1", 5, nowMs: 11_000)?.Seq);
        Assert.Null(latest.Reannounce("z1", 7, nowMs: 11_999));
        Assert.Equal(7UL, latest.Reannounce("z1", 7, nowMs: 12_000)?.Seq);
        Assert.Null(latest.Reannounce("z2", 1, nowMs: 20_000)); // nothing known of z2
        // k_max moved past what was announced: its notice is still on its way, nothing to repeat.
        Assert.Null(latest.Reannounce("z1", 8, nowMs: 20_000));
    }

    [Fact]
    public void After_a_restart_the_stored_latest_decision_goes_out_at_the_first_VERIFY_for_a_decided_batch()
    {
        var latest = new LatestDecided();
        latest.Restore(Batch("z1", 3));

        Assert.Equal(3UL, latest.Reannounce("z1", 2, nowMs: 0)?.Seq);
        Assert.Null(latest.Reannounce("z1", 2, nowMs: LatestDecided.DefaultIntervalMs - 1));
    }
}
