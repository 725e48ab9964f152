using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>One replica's vote in a phase: the view and digest it voted for, and its signature.</summary>
internal readonly record struct PhaseVote(ulong View, Bytes32 Digest, byte[] Signature);

/// <summary>The pre-prepare a replica accepted for a sequence number in some view.</summary>
internal sealed record AcceptedPrePrepare(ulong View, Bytes32 Digest, Batch Batch, Bytes32[] TxDigests, byte[] Signature);

/// <summary>
/// Proof that (view, seq, digest) prepared: the primary's signed pre-prepare and 2f signed prepares.
/// Transferable, so a view change can carry it (decisions.md D1).
/// </summary>
internal sealed record PreparedCertificate(ulong View, Bytes32 Digest, Batch Batch, byte[] PrePrepareSignature, (int Replica, byte[] Signature)[] Prepares);

/// <summary>
/// A sequence number's state at one replica. Each gateway contributes at most one PREPARE and one
/// COMMIT per sequence number (a newer view replaces an older vote), so memory per entry is O(n)
/// whatever byzantine peers send.
/// </summary>
internal sealed class LogEntry(ulong seq, int replicas)
{
    public ulong Seq { get; } = seq;
    public AcceptedPrePrepare? PrePrepare { get; set; }
    /// <summary>When the current pre-prepare was accepted: a backup times consensus from here (§5.1.1 node timer).</summary>
    public long AcceptedTick { get; set; }
    public PhaseVote?[] Prepares { get; } = new PhaseVote?[replicas];
    public PhaseVote?[] Commits { get; } = new PhaseVote?[replicas];
    /// <summary>The latest view in which this replica saw the entry prepare, with proof.</summary>
    public PreparedCertificate? Prepared { get; set; }
    /// <summary>The view in which this replica sent its COMMIT, if any.</summary>
    public ulong? CommitSentInView { get; set; }
    /// <summary>The view in which this replica sent its PREPARE, if any.</summary>
    public ulong? PrepareSentInView { get; set; }
    public bool Committed => Certificate is not null;
    public CommitCertificate? Certificate { get; set; }
    /// <summary>The committed batch (with its digests), kept to serve catch-up requests.</summary>
    public CommittedBatch? CommittedBatch { get; set; }

    /// <summary>Records a vote unless the replica already voted in this or a later view.</summary>
    public static bool Record(PhaseVote?[] votes, int replica, PhaseVote vote)
    {
        if (votes[replica] is { } existing && existing.View >= vote.View) return false;
        votes[replica] = vote;
        return true;
    }

    public static int Count(PhaseVote?[] votes, ulong view, in Bytes32 digest, int excluding = -1)
    {
        var count = 0;
        for (var i = 0; i < votes.Length; i++)
            if (i != excluding && votes[i] is { } vote && vote.View == view && vote.Digest == digest) count++;
        return count;
    }
}
