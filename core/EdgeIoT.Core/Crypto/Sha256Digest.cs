using System.Security.Cryptography;

namespace EdgeIoT.Core.Crypto;

/// <summary>SHA-256 (FIPS 180-4) digests as <see cref="Bytes32"/>.</summary>
public static class Sha256Digest
{
    public static Bytes32 Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Bytes32.Size];
        SHA256.HashData(data, hash);
        return new Bytes32(hash);
    }

    /// <summary>
    /// Digest of an ordered list of 32-byte digests, each prefixed by the count: the batch digest is
    /// H(count || H(tx_1) || ... || H(tx_n)), so a batch is identified without hashing its bytes twice.
    /// </summary>
    public static Bytes32 OfList(IReadOnlyList<Bytes32> items)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[Bytes32.Size];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)items.Count);
        hash.AppendData(buffer[..4]);
        foreach (var item in items)
        {
            item.CopyTo(buffer);
            hash.AppendData(buffer);
        }
        hash.GetHashAndReset(buffer);
        return new Bytes32(buffer);
    }
}
