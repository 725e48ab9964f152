using EdgeIoT.Applications;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Protocol.Tests.Functions;

/// <summary>The kv "work" operation (serverlessbft §9.4's execution length): deterministic, bounded, real.</summary>
public sealed class KvWorkTests
{
    private sealed class OneDevice(Bytes32 key) : IDeviceDirectory
    {
        public bool TryGetDeviceKey(string deviceId, out Bytes32 publicKey)
        {
            publicKey = key;
            return deviceId == "d1";
        }
    }

    private sealed class State : ITxState
    {
        public Dictionary<string, string> Rows { get; } = new() { ["kv/7"] = "seed" };
        public string? Read(string key) => Rows.GetValueOrDefault(key);
        public void Write(string key, string value) => Rows[key] = value;
    }

    private static DeviceTransaction Tx(object args)
    {
        using var key = SigningKey.FromSeed(new byte[32]);
        var identity = new EdgeIoT.Devices.DeviceIdentity("d1", "z1", key);
        var (jws, _) = identity.Sign("kv", "work", args);
        Assert.True(DeviceTransaction.TryDecode(jws, new OneDevice(key.PublicKey), 4096, out var tx, out var rejection), rejection.ToString());
        return tx;
    }

    [Fact]
    public void Work_hashes_the_value_the_given_rounds_and_every_executor_gets_the_same_result()
    {
        var tx = Tx(new { key = "kv/7", rounds = 3 });
        var (a, b) = (new State(), new State());
        Assert.Null(new KvApplication().Execute(tx, a).Rejection);
        Assert.Null(new KvApplication().Execute(tx, b).Rejection);
        var expected = System.Security.Cryptography.SHA256.HashData(System.Security.Cryptography.SHA256.HashData(System.Security.Cryptography.SHA256.HashData("seed"u8.ToArray())));
        Assert.Equal(Convert.ToHexStringLower(expected), a.Rows["kv/7"]);
        Assert.Equal(a.Rows["kv/7"], b.Rows["kv/7"]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(KvApplication.WorkRoundsMax + 1)]
    public void Work_outside_its_bound_is_refused_as_invalid_arguments(long rounds)
    {
        var state = new State();
        var result = new KvApplication().Execute(Tx(new { key = "kv/7", rounds }), state);
        Assert.Equal(RejectReason.InvalidArguments, result.Rejection?.Reason);
        Assert.Equal("seed", state.Rows["kv/7"]);
    }
}
