using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Tests;

public class Ed25519Tests
{
    // RFC 8032 §7.1, TEST 1-3: secret key (seed), public key, message, signature.
    public static TheoryData<string, string, string, string> Rfc8032Vectors => new()
    {
        {
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void Signing_matches_the_RFC_8032_test_vectors(string seed, string publicKey, string message, string signature)
    {
        using var key = SigningKey.FromSeed(Convert.FromHexString(seed));
        Assert.Equal(publicKey, key.PublicKey.ToHex());
        Assert.Equal(signature, Convert.ToHexStringLower(key.Sign(Convert.FromHexString(message))));
    }

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void Verification_accepts_the_RFC_8032_signatures_and_rejects_any_flipped_bit(string seed, string publicKey, string message, string signature)
    {
        _ = seed;
        var pk = new Bytes32(Convert.FromHexString(publicKey));
        var msg = Convert.FromHexString(message);
        var sig = Convert.FromHexString(signature);
        Assert.True(Ed25519.Verify(pk, msg, sig));
        for (var bit = 0; bit < sig.Length * 8; bit += 37)
        {
            var tampered = (byte[])sig.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(Ed25519.Verify(pk, msg, tampered));
        }
        if (msg.Length > 0)
        {
            var other = (byte[])msg.Clone();
            other[0] ^= 1;
            Assert.False(Ed25519.Verify(pk, other, sig));
        }
    }

    [Fact]
    public void A_signature_made_for_one_domain_does_not_verify_in_another()
    {
        using var key = SigningKey.Generate();
        var body = "statement"u8.ToArray();
        var signature = key.Sign(SignatureDomain.Commit, body);
        Assert.True(Ed25519.Verify(key.PublicKey, SignatureDomain.Commit, body, signature));
        Assert.False(Ed25519.Verify(key.PublicKey, SignatureDomain.Execute, body, signature));
        Assert.False(Ed25519.Verify(key.PublicKey, body, signature));
    }

    [Fact]
    public void Signatures_of_the_wrong_length_are_rejected_without_calling_libsodium()
    {
        using var key = SigningKey.Generate();
        Assert.False(Ed25519.Verify(key.PublicKey, "m"u8, new byte[63]));
        Assert.False(Ed25519.Verify(key.PublicKey, "m"u8, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Pairwise_MAC_keys_agree_at_both_ends_and_differ_between_pairs()
    {
        using var a = SigningKey.Generate();
        using var b = SigningKey.Generate();
        using var c = SigningKey.Generate();
        var context = "edgeiot/v1/peer-mac/z1"u8.ToArray();
        var ab = PairwiseMacKeys.Derive(a, b.PublicKey, context);
        var ba = PairwiseMacKeys.Derive(b, a.PublicKey, context);
        var ac = PairwiseMacKeys.Derive(a, c.PublicKey, context);
        Assert.Equal(ab, ba);
        Assert.NotEqual(ab, ac);
        Assert.NotEqual(ab, PairwiseMacKeys.Derive(a, b.PublicKey, "other"u8.ToArray()));
    }
}
