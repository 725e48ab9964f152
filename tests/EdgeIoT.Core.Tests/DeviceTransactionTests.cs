using System.Text;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Text;

namespace EdgeIoT.Core.Tests;

public class DeviceTransactionTests
{
    private const string Valid = "{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":42,\"app\":\"kv\",\"op\":\"update\",\"args\":{\"key\":\"kv/1\",\"value\":\"x\"},\"rw\":{\"r\":[\"kv/1\"],\"w\":[\"kv/1\"]}}";

    [Fact]
    public void A_well_formed_signed_transaction_decodes_with_all_fields()
    {
        using var devices = new TestDevices();
        var raw = devices.Sign("d1", Valid);
        Assert.True(DeviceTransaction.TryDecode(raw, devices, 4096, out var tx, out var rejection), rejection.ToString());
        Assert.Equal("d1", tx.DeviceId);
        Assert.Equal("z1", tx.Zone);
        Assert.Equal(42UL, tx.Timestamp);
        Assert.Equal("kv", tx.App);
        Assert.Equal("update", tx.Op);
        Assert.Equal("kv/1", tx.Args.GetProperty("key").GetString());
        Assert.Equal(["kv/1"], tx.DeclaredReads!);
        Assert.Equal(["kv/1"], tx.DeclaredWrites!);
        Assert.Equal(Crypto.Sha256Digest.Of(raw), tx.Digest);
    }

    [Fact]
    public void Read_write_sets_are_optional_and_may_be_partial()
    {
        using var devices = new TestDevices();
        var raw = devices.Sign("d1", "{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1,\"app\":\"kv\",\"op\":\"read\",\"args\":{\"key\":\"kv/1\"},\"rw\":{\"w\":[]}}");
        Assert.True(DeviceTransaction.TryDecode(raw, devices, 4096, out var tx, out _));
        Assert.Null(tx.DeclaredReads);
        Assert.Empty(tx.DeclaredWrites!);
    }

    [Fact]
    public void An_unknown_device_is_rejected()
    {
        using var devices = new TestDevices();
        using var stranger = Crypto.SigningKey.Generate();
        var raw = JwsCompact.Sign(stranger, "ghost", Encoding.UTF8.GetBytes(Valid.Replace("d1", "ghost")));
        Assert.False(DeviceTransaction.TryDecode(raw, devices, 4096, out _, out var rejection));
        Assert.Equal(RejectReason.UnknownDevice, rejection.Reason);
    }

    [Fact]
    public void A_signature_by_another_key_is_rejected()
    {
        using var devices = new TestDevices();
        devices.Key("d1");
        using var impostor = Crypto.SigningKey.Generate();
        var raw = JwsCompact.Sign(impostor, "d1", Encoding.UTF8.GetBytes(Valid));
        Assert.False(DeviceTransaction.TryDecode(raw, devices, 4096, out _, out var rejection));
        Assert.Equal(RejectReason.BadSignature, rejection.Reason);
    }

    [Fact]
    public void A_payload_naming_another_device_than_its_signer_is_rejected()
    {
        using var devices = new TestDevices();
        devices.Key("d2");
        var raw = devices.Sign("d2", Valid);
        Assert.False(DeviceTransaction.TryDecode(raw, devices, 4096, out _, out var rejection));
        Assert.Equal(RejectReason.DeviceMismatch, rejection.Reason);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"app\":\"kv\",\"op\":\"read\"}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":-1,\"app\":\"kv\",\"op\":\"read\"}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1.5,\"app\":\"kv\",\"op\":\"read\"}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":9007199254740992,\"app\":\"kv\",\"op\":\"read\"}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z 1\",\"ts\":1,\"app\":\"kv\",\"op\":\"read\"}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1,\"app\":\"kv\",\"op\":\"read\",\"args\":[1]}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1,\"app\":\"kv\",\"op\":\"read\",\"rw\":{\"r\":\"kv/1\"}}")]
    [InlineData("{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1,\"app\":\"kv\",\"op\":\"read\",\"rw\":{\"r\":[1]}}")]
    public void Malformed_payloads_are_rejected_with_a_reason(string payload)
    {
        using var devices = new TestDevices();
        var raw = devices.Sign("d1", payload);
        Assert.False(DeviceTransaction.TryDecode(raw, devices, 4096, out _, out var rejection));
        Assert.Equal(RejectReason.MalformedPayload, rejection.Reason);
    }

    [Fact]
    public void Deeply_nested_payloads_are_rejected_not_crashed_on()
    {
        using var devices = new TestDevices();
        var deep = "{\"dev\":\"d1\",\"zone\":\"z1\",\"ts\":1,\"app\":\"kv\",\"op\":\"x\",\"args\":" + new string('[', 200) + new string(']', 200) + "}";
        var raw = devices.Sign("d1", deep);
        Assert.False(DeviceTransaction.TryDecode(raw, devices, 8192, out _, out var rejection));
        Assert.Equal(RejectReason.MalformedPayload, rejection.Reason);
    }

    [Fact]
    public void Random_garbage_never_throws()
    {
        using var devices = new TestDevices();
        var valid = devices.Sign("d1", Valid);
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var j = 0; j < 1 + random.Next(4); j++)
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) mutated = mutated[..random.Next(mutated.Length)];
            var ok = DeviceTransaction.TryDecode(mutated, devices, 4096, out _, out var rejection);
            Assert.True(ok || rejection.Reason != RejectReason.None);
        }
        Assert.False(DeviceTransaction.TryDecode(Encoding.ASCII.GetBytes(Base64Url.Encode(new byte[10])), devices, 4096, out _, out _));
    }
}
