using System.Buffers.Binary;

namespace EdgeIoT.Core.Crypto;

/// <summary>SHA-256 (FIPS 180-4) digests as <see cref="Bytes32"/>, computed by libsodium (see <see cref="Sodium"/> for why).</summary>
public static unsafe class Sha256Digest
{
    private static readonly int StateBytes = checked((int)Sodium.crypto_hash_sha256_statebytes());

    public static Bytes32 Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Bytes32.Size];
        HashInto(data, hash);
        return new Bytes32(hash);
    }

    /// <summary>Writes SHA-256(<paramref name="data"/>) into the first 32 bytes of <paramref name="destination"/>.</summary>
    public static void HashInto(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < Bytes32.Size) throw new ArgumentException("a SHA-256 digest needs 32 bytes", nameof(destination));
        fixed (byte* input = data)
        fixed (byte* output = destination)
            Sodium.crypto_hash_sha256(output, input, (ulong)data.Length);
    }

    /// <summary>SHA-256 of the concatenation <paramref name="first"/> || <paramref name="second"/> || <paramref name="third"/>, without copying them together.</summary>
    public static Bytes32 OfParts(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third = default)
    {
        Span<byte> state = stackalloc byte[StateBytes];
        Span<byte> hash = stackalloc byte[Bytes32.Size];
        fixed (byte* s = state)
        fixed (byte* a = first)
        fixed (byte* b = second)
        fixed (byte* c = third)
        fixed (byte* h = hash)
        {
            Sodium.crypto_hash_sha256_init(s);
            Sodium.crypto_hash_sha256_update(s, a, (ulong)first.Length);
            Sodium.crypto_hash_sha256_update(s, b, (ulong)second.Length);
            Sodium.crypto_hash_sha256_update(s, c, (ulong)third.Length);
            Sodium.crypto_hash_sha256_final(s, h);
        }
        return new Bytes32(hash);
    }

    /// <summary>
    /// Digest of an ordered list of 32-byte digests, each prefixed by the count: the batch digest is
    /// H(count || H(tx_1) || ... || H(tx_n)), so a batch is identified without hashing its bytes twice.
    /// </summary>
    public static Bytes32 OfList(IReadOnlyList<Bytes32> items)
    {
        Span<byte> state = stackalloc byte[StateBytes];
        Span<byte> buffer = stackalloc byte[Bytes32.Size];
        fixed (byte* s = state)
        fixed (byte* b = buffer)
        {
            Sodium.crypto_hash_sha256_init(s);
            BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)items.Count);
            Sodium.crypto_hash_sha256_update(s, b, 4);
            foreach (var item in items)
            {
                item.CopyTo(buffer);
                Sodium.crypto_hash_sha256_update(s, b, Bytes32.Size);
            }
            Sodium.crypto_hash_sha256_final(s, b);
        }
        return new Bytes32(buffer);
    }
}
