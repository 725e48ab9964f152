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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Digest_matches_the_platform_SHA256_at_every_length_class(int length)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), Sha256Digest.Of(data).ToArray());
    }

    [Fact]
    public void List_digest_is_the_documented_construction()
    {
        var items = new[] { Sha256Digest.Of("x"u8), Sha256Digest.Of("y"u8), Sha256Digest.Of("z"u8) };
        var input = new byte[] { 0, 0, 0, 3 }.Concat(items.SelectMany(i => i.ToArray())).ToArray();
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(input), Sha256Digest.OfList(items).ToArray());
    }

    [Fact]
    public void Hashing_piece_by_piece_equals_hashing_the_whole()
    {
        var data = Enumerable.Range(0, 300).Select(i => (byte)(i * 13)).ToArray();
        var hash = new Sha256Hasher(stackalloc byte[Sha256Digest.StateBytes]);
        hash.Append(data.AsSpan(0, 1));
        hash.Append(data.AsSpan(1, 100));
        hash.Append(ReadOnlySpan<byte>.Empty);
        hash.Append(data.AsSpan(101));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), hash.Finish().ToArray());
        Assert.Equal(Sha256Digest.Of(data), Sha256Digest.OfParts(data.AsSpan(0, 7), data.AsSpan(7, 200), data.AsSpan(207)));
    }

    [Fact]
    public void Frame_mac_is_HMAC_SHA256_of_both_parts_RFC_4231_case_2()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?", split across the two parts.
        using var mac = new FrameMac("Jefe"u8);
        var output = new byte[FrameMac.MacSize];
        mac.Compute("what do ya "u8, "want for nothing?"u8, output);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(output));
        // The keyed state is reused: a second frame under the same key is independent of the first.
        mac.Compute(""u8, "what do ya want for nothing?"u8, output);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Frame_mac_matches_the_platform_HMAC_for_long_keys_and_payloads()
    {
        var key = Enumerable.Range(0, 131).Select(i => (byte)i).ToArray(); // longer than the block: hashed first
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)(i ^ 0x5a)).ToArray();
        using var mac = new FrameMac(key);
        var output = new byte[FrameMac.MacSize];
        mac.Compute(payload.AsSpan(0, 4), payload.AsSpan(4), output);
        Assert.Equal(System.Security.Cryptography.HMACSHA256.HashData(key, payload), output);
        mac.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mac.Compute(payload, payload, output));
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
