using System.Security.Cryptography;

namespace EdgeIoT.Core.Crypto;

/// <summary>
/// HMAC-SHA256 keys for gateway-to-gateway links, derived rather than distributed: both ends compute
/// X25519(own secret, peer public) from their Ed25519 identities and expand it with HKDF-SHA256, so an
/// operator flashes one key per board and no pairwise secret ever travels. The key is the same in both
/// directions; frames carry sender and receiver indices under the MAC so a frame cannot be reflected.
/// </summary>
public static unsafe class PairwiseMacKeys
{
    public const int KeySize = 32;

    public static byte[] Derive(SigningKey self, in Bytes32 peerPublicKey, ReadOnlySpan<byte> context)
    {
        Span<byte> curveSecret = stackalloc byte[Sodium.Curve25519Bytes];
        Span<byte> curvePeer = stackalloc byte[Sodium.Curve25519Bytes];
        Span<byte> edPeer = stackalloc byte[Sodium.PublicKeyBytes];
        Span<byte> shared = stackalloc byte[Sodium.Curve25519Bytes];
        try
        {
            self.ToCurve25519(curveSecret);
            peerPublicKey.CopyTo(edPeer);
            fixed (byte* cp = curvePeer)
            fixed (byte* ep = edPeer)
            {
                if (Sodium.crypto_sign_ed25519_pk_to_curve25519(cp, ep) != 0)
                    throw new CryptographicException("peer public key is not a valid Ed25519 point");
            }
            fixed (byte* q = shared)
            fixed (byte* n = curveSecret)
            fixed (byte* p = curvePeer)
            {
                if (Sodium.crypto_scalarmult_curve25519(q, n, p) != 0)
                    throw new CryptographicException("X25519 produced an all-zero shared secret");
            }
            // Salt with both public keys in a canonical order so both ends derive the same key.
            Span<byte> salt = stackalloc byte[2 * Bytes32.Size];
            var mine = self.PublicKey;
            var (first, second) = Compare(mine, peerPublicKey) <= 0 ? (mine, peerPublicKey) : (peerPublicKey, mine);
            first.CopyTo(salt);
            second.CopyTo(salt[Bytes32.Size..]);
            var key = new byte[KeySize];
            HkdfSha256.DeriveKey(shared, key, salt, context);
            return key;
        }
        finally
        {
            curveSecret.Clear();
            shared.Clear();
        }
    }

    private static int Compare(in Bytes32 a, in Bytes32 b)
    {
        Span<byte> x = stackalloc byte[Bytes32.Size];
        Span<byte> y = stackalloc byte[Bytes32.Size];
        a.CopyTo(x);
        b.CopyTo(y);
        return x.SequenceCompareTo(y);
    }
}
