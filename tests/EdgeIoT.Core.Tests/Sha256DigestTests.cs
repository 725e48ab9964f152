using System.Text;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Tests;

public class Sha256DigestTests
{
    [Fact]
    public void Digest_of_abc_is_the_FIPS_180_example()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256Digest.Of(Encoding.ASCII.GetBytes("abc")).ToHex());
    }

    [Fact]
    public void List_digest_depends_on_order_and_count()
    {
        var a = Sha256Digest.Of("a"u8);
        var b = Sha256Digest.Of("b"u8);
        Assert.NotEqual(Sha256Digest.OfList([a, b]), Sha256Digest.OfList([b, a]));
        Assert.NotEqual(Sha256Digest.OfList([a]), Sha256Digest.OfList([a, a]));
        Assert.Equal(Sha256Digest.OfList([a, b]), Sha256Digest.OfList([a, b]));
    }

    [Fact]
    public void Bytes32_round_trips_and_compares_by_value()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var value = new Bytes32(bytes);
        Assert.Equal(bytes, value.ToArray());
        Assert.Equal(value, new Bytes32(bytes));
        Assert.False(value.IsZero);
        Assert.True(default(Bytes32).IsZero);
        Assert.False(Bytes32.TryCreate(new byte[31], out _));
    }
}
