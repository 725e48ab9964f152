using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Protocol;

public enum VerifyAdmissionStatus
{
    Accepted,
    /// <summary>For a decided (zone, k): dropped before any cryptography (flooding, §5.3).</summary>
    AlreadyDecided,
    /// <summary>This executor already has a verified vote for (zone, k): dropped before any cryptography.</summary>
    Duplicate,
    TooLarge,
    Malformed,
    Forbidden,
}

/// <summary>
/// The checks a VERIFY passes before it becomes a vote: size, shape, a registered executor, cheap
/// flood filters, the executor's signature, and a batch that matches its digest. Pure, so the simulator
/// admits exactly what the verifier's endpoint admits.
/// </summary>
public sealed class VerifyAdmission(NetworkRegistry registry)
{
    public int MaxVerifyBytes => 2 * registry.Protocol.BatchSizeMax * (registry.Protocol.MaxTxBytes + 512) + 256 * 1024;

    /// <param name="nextSeq">k_max per zone (a possibly stale read is fine: it only filters).</param>
    /// <param name="alreadyVoted">Whether (zone, k, executor) already has a verified vote; null to skip.</param>
    /// <param name="decided">Told (zone, k) of a VERIFY for a decided k: its zone's gateways may have missed the decision (<see cref="LatestDecided"/>).</param>
    public VerifyAdmissionStatus TryAdmit(ReadOnlySpan<byte> body, Func<string, ulong> nextSeq, Func<string, ulong, int, bool>? alreadyVoted, out VerifyVote vote, out string reason,
        Action<string, ulong>? decided = null)
    {
        vote = null!;
        if (body.Length > MaxVerifyBytes) { reason = $"VERIFY larger than {MaxVerifyBytes} bytes"; return VerifyAdmissionStatus.TooLarge; }
        if (!SignedMessages.TryParse(Signed.Parser, body, out var signed) || !SignedMessages.TryParse(Verify.Parser, signed.Body.Span, out var verify))
        {
            reason = "not a Signed{Verify} protobuf";
            return VerifyAdmissionStatus.Malformed;
        }
        if (signed.Signer >= registry.Executors.Members.Count)
        {
            reason = $"executor index {signed.Signer} is not registered";
            return VerifyAdmissionStatus.Forbidden;
        }
        var executor = (int)signed.Signer;
        if (verify.Seq < nextSeq(verify.Zone))
        {
            decided?.Invoke(verify.Zone, verify.Seq);
            reason = "already decided";
            return VerifyAdmissionStatus.AlreadyDecided;
        }
        if (alreadyVoted?.Invoke(verify.Zone, verify.Seq, executor) == true) { reason = "duplicate"; return VerifyAdmissionStatus.Duplicate; }
        if (!SignedMessages.Verify(signed, SignatureDomain.Verify, registry.Executors.Members[executor].Key))
        {
            reason = $"VERIFY signature does not verify under executor {registry.Executors.Members[executor].Id}'s key";
            return VerifyAdmissionStatus.Forbidden;
        }
        var txDigests = verify.Batch is null ? [] : Batches.TxDigests(verify.Batch);
        if (!Bytes32.TryCreate(verify.BatchDigest.Span, out var batchDigest) || verify.Batch is null || Batches.Digest(txDigests) != batchDigest)
        {
            reason = "the batch does not match its digest";
            return VerifyAdmissionStatus.Malformed;
        }
        vote = new VerifyVote(executor, verify, batchDigest, VerifyVote.ComputeMatchKey(verify.Seq, verify.BatchDigest.Span, verify.Outcomes.Span)) { TxDigests = txDigests };
        reason = "";
        return VerifyAdmissionStatus.Accepted;
    }
}
