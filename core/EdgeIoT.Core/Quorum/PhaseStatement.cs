using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Core.Quorum;

/// <summary>
/// PRE-PREPARE, PREPARE and COMMIT statements: the same fixed encoding as <see cref="CommitStatement"/>
/// (zone, view, seq, batch digest), signed under each phase's own domain so that a signature for one
/// phase never counts for another.
/// </summary>
public static class PhaseStatement
{
    public static byte[] Encode(string zone, ulong view, ulong seq, in Bytes32 digest) =>
        new CommitStatement(zone, view, seq, digest).Encode();

    public static byte[] Sign(SigningKey key, SignatureDomain phase, string zone, ulong view, ulong seq, in Bytes32 digest) =>
        key.Sign(phase, Encode(zone, view, seq, digest));

    public static bool Verify(in Bytes32 publicKey, SignatureDomain phase, string zone, ulong view, ulong seq, in Bytes32 digest, ReadOnlySpan<byte> signature) =>
        signature.Length == Ed25519.SignatureSize && Ed25519.Verify(publicKey, phase, Encode(zone, view, seq, digest), signature);
}
