using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Tests;

public class HkdfSha256Tests
{
    [Theory]
    // RFC 5869 appendix A.1 (basic) and A.3 (no salt, no info).
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")]
    public void Derives_the_RFC_5869_test_vectors(string ikm, string salt, string info, string okm)
    {
        var output = new byte[okm.Length / 2];
        HkdfSha256.DeriveKey(Convert.FromHexString(ikm), output, Convert.FromHexString(salt), Convert.FromHexString(info));
        Assert.Equal(okm, Convert.ToHexStringLower(output));
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(32, 64, 3)]
    [InlineData(33, 13, 80)]
    [InlineData(100, 80, 1)]
    [InlineData(HkdfSha256.OutputMax, 32, 200)]
    public void Matches_the_platform_HKDF_at_every_length_class(int outputLength, int saltLength, int infoLength)
    {
        // Salts longer than SHA-256's 64-byte block are hashed into the HMAC key; lengths past one
        // 32-byte block take several expand rounds.
        byte[] Bytes(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * seed + 1)).ToArray();
        var ikm = Bytes(32, 7);
        var salt = Bytes(saltLength, 11);
        var info = Bytes(infoLength, 13);
        var ours = new byte[outputLength];
        var platform = new byte[outputLength];
        HkdfSha256.DeriveKey(ikm, ours, salt, info);
        System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, ikm, platform, salt, info);
        Assert.Equal(platform, ours);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(HkdfSha256.OutputMax + 1)]
    public void Refuses_output_lengths_RFC_5869_does_not_define(int outputLength)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HkdfSha256.DeriveKey(new byte[32], new byte[outputLength], default, default));
    }
}
