using System.Buffers.Binary;

namespace EdgeIoT.Core.Crypto;

/// <summary>SHA-256 (FIPS 180-4) digests as <see cref="Bytes32"/>, computed by libsodium (see <see cref="Sodium"/> for why).</summary>
public static unsafe class Sha256Digest
{
    /// <summary>Bytes of an incremental hashing state: <c>stackalloc byte[StateBytes]</c> for a <see cref="Sha256Hasher"/>.</summary>
    public static readonly int StateBytes = checked((int)Sodium.crypto_hash_sha256_statebytes());

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
        var hash = new Sha256Hasher(stackalloc byte[StateBytes]);
        hash.Append(first);
        hash.Append(second);
        hash.Append(third);
        return hash.Finish();
    }

    /// <summary>
    /// Digest of an ordered list of 32-byte digests, each prefixed by the count: the batch digest is
    /// H(count || H(tx_1) || ... || H(tx_n)), so a batch is identified without hashing its bytes twice.
    /// </summary>
    public static Bytes32 OfList(IReadOnlyList<Bytes32> items)
    {
        var hash = new Sha256Hasher(stackalloc byte[StateBytes]);
        Span<byte> buffer = stackalloc byte[Bytes32.Size];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)items.Count);
        hash.Append(buffer[..4]);
        foreach (var item in items)
        {
            item.CopyTo(buffer);
            hash.Append(buffer);
        }
        return hash.Finish();
    }
}

/// <summary>
/// Incremental SHA-256 over a caller-provided state (<c>stackalloc byte[Sha256Digest.StateBytes]</c>), so
/// a chain or a list hashes piece by piece with no allocation and one libsodium call per piece.
/// </summary>
public unsafe ref struct Sha256Hasher
{
    private readonly Span<byte> _state;

    public Sha256Hasher(Span<byte> state)
    {
        if (state.Length < Sha256Digest.StateBytes) throw new ArgumentException($"a SHA-256 state needs {Sha256Digest.StateBytes} bytes", nameof(state));
        _state = state;
        fixed (byte* s = _state) Sodium.crypto_hash_sha256_init(s);
    }

    public readonly void Append(ReadOnlySpan<byte> data)
    {
        fixed (byte* s = _state)
        fixed (byte* d = data)
            Sodium.crypto_hash_sha256_update(s, d, (ulong)data.Length);
    }

    public readonly Bytes32 Finish()
    {
        Span<byte> digest = stackalloc byte[Bytes32.Size];
        fixed (byte* s = _state)
        fixed (byte* d = digest)
            Sodium.crypto_hash_sha256_final(s, d);
        return new Bytes32(digest);
    }
}
