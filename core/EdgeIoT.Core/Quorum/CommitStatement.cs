using System.Buffers.Binary;
using System.Text;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Quorum;

/// <summary>
/// COMMIT(zone, view, k, Δ) — the statement a gateway signs when it commits a batch (serverlessbft
/// Fig. 3 line 13). Fixed binary encoding so any language can rebuild and check it:
/// <c>u8 1 | u8 len(zone) | zone (ASCII) | u64be view | u64be seq | 32-byte batch digest</c>.
/// </summary>
public readonly record struct CommitStatement(string Zone, ulong View, ulong Seq, Bytes32 BatchDigest)
{
    public const byte EncodingVersion = 1;

    public byte[] Encode()
    {
        var zone = Encoding.ASCII.GetBytes(Zone);
        if (zone.Length > byte.MaxValue) throw new ArgumentException("zone id too long");
        var buffer = new byte[2 + zone.Length + 8 + 8 + Bytes32.Size];
        buffer[0] = EncodingVersion;
        buffer[1] = (byte)zone.Length;
        zone.CopyTo(buffer, 2);
        var offset = 2 + zone.Length;
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(offset), View);
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(offset + 8), Seq);
        BatchDigest.CopyTo(buffer.AsSpan(offset + 16));
        return buffer;
    }

    public byte[] Sign(SigningKey key) => key.Sign(SignatureDomain.Commit, Encode());

    public bool VerifySignature(in Bytes32 publicKey, ReadOnlySpan<byte> signature) =>
        Ed25519.Verify(publicKey, SignatureDomain.Commit, Encode(), signature);
}
