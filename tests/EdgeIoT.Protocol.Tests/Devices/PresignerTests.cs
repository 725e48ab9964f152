using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Devices;

namespace EdgeIoT.Protocol.Tests.Devices;

public sealed class PresignerTests
{
    [Fact]
    public void Presigned_transactions_carry_strictly_increasing_timestamps_and_verify()
    {
        using var key = SigningKey.FromSeed(new byte[32]);
        var device = new DeviceIdentity("d0001", "z1", key);
        var workload = Workloads.Create("kv", new ApplicationSettings(), new WorkloadOptions { WorkRounds = 10 });
        var signed = Presigner.Presign(device, workload, new Random(1), 500);
        Assert.Equal(500, signed.Length);
        for (var i = 1; i < signed.Length; i++) Assert.True(signed[i].Timestamp > signed[i - 1].Timestamp, $"timestamp {i} does not increase");
        Assert.All(signed, s =>
        {
            Assert.True(JwsCompact.TryParse(s.Jws, 4096, out var jws, out _));
            Assert.True(jws.VerifySignature(s.Jws, key.PublicKey));
            Assert.Contains("\"op\":\"work\"", System.Text.Encoding.UTF8.GetString(jws.Payload));
        });
        // A later live transaction continues above the pre-signed ones.
        Assert.True(device.NextTimestamp() > signed[^1].Timestamp);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Presigner.PerDeviceMax + 1)]
    public void A_count_outside_the_bound_is_refused(int count)
    {
        using var key = SigningKey.FromSeed(new byte[32]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Presigner.Presign(new DeviceIdentity("d1", "z1", key), new LedgerWorkload(10), new Random(1), count));
    }
}
