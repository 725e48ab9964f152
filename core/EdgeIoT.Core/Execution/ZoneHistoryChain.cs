using System.Buffers.Binary;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Core.Execution;

/// <summary>
/// A zone's decided-history chain, the digest of its lazy checkpoints (ziziphus §3.4, docs/zones.md
/// decision Z4): D_0 = 32 zero bytes, D_k = SHA-256("edgeiot/v1/zone-history\0" || D_{k-1} || u64be(k)
/// || for each entry of batch k in order: tx_digest || u8 status).
///
/// An entry is every transaction of the batch the zone ordered, system entries included: tx_digest is
/// SHA-256 of the exact bytes the zone's PBFT ordered (a device's JWS, or 0x00 || SystemEntry) and status
/// the verifier's decision (<see cref="TxStatus"/>; a LOCK or ADOPT is SYSTEM whether applied or refused —
/// the notice's receipts and the ownership replay tell those apart). So D_k binds both what the zone
/// ordered and what the verifier decided, and anyone holding the stored log rows (their <c>tx</c> bytes
/// and status) recomputes it.
/// </summary>
public static class ZoneHistoryChain
{
    private static readonly byte[] Domain = "edgeiot/v1/zone-history\0"u8.ToArray();

    /// <summary>D_0: no batch decided yet.</summary>
    public static Bytes32 Genesis => default;

    /// <summary>D_k from D_{k-1} and batch k's entries (tx digest, status), in batch order.</summary>
    public static Bytes32 Next(in Bytes32 previous, ulong seq, IEnumerable<(Bytes32 TxDigest, TxStatus Status)> entries)
    {
        var hash = new Sha256Hasher(stackalloc byte[Sha256Digest.StateBytes]);
        Span<byte> buffer = stackalloc byte[Bytes32.Size + 1];
        hash.Append(Domain);
        previous.CopyTo(buffer);
        hash.Append(buffer[..Bytes32.Size]);
        BinaryPrimitives.WriteUInt64BigEndian(buffer, seq);
        hash.Append(buffer[..8]);
        foreach (var (digest, status) in entries)
        {
            digest.CopyTo(buffer);
            // Statuses are small protobuf enum values (0-4); one byte keeps the encoding fixed-width.
            buffer[Bytes32.Size] = checked((byte)status);
            hash.Append(buffer);
        }
        return hash.Finish();
    }
}
