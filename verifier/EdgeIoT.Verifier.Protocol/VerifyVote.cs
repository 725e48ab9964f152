using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>
/// A VERIFY whose executor signature the host has already checked. <see cref="MatchKey"/> identifies
/// what executors must agree on: H(u64be seq || batch digest || outcomes bytes) — results, read
/// versions and writes, byte for byte (serverlessbft Fig. 3 line 23).
/// </summary>
public sealed record VerifyVote(int Executor, Verify Message, Bytes32 BatchDigest, Bytes32 MatchKey)
{
    /// <summary>Digests of the batch's transactions (the host computes them to check the batch digest).</summary>
    public Bytes32[] TxDigests { get; init; } = [];

    public string Zone => Message.Zone;
    public ulong Seq => Message.Seq;

    public static Bytes32 ComputeMatchKey(ulong seq, ReadOnlySpan<byte> batchDigest, ReadOnlySpan<byte> outcomes)
    {
        Span<byte> prefix = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(prefix, seq);
        return Sha256Digest.OfParts(prefix, batchDigest, outcomes);
    }
}

public enum VoteVerdict
{
    Counted,
    Decided,
    DuplicateExecutor,
    AlreadyDecided,
    TooFarAhead,
    UnknownZone,
}
