using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>The normal case: PRE-PREPARE, PREPARE, COMMIT (serverlessbft §4.2, Fig. 3 lines 4-13).</summary>
public sealed partial class PbftReplica
{
    private void OnPrePrepare(int from, PrePrepare message)
    {
        if (from != _options.Primary(message.View) || message.View != View) { Metrics.WrongView++; return; }
        if (!InWindow(message.Seq)) { Metrics.OutsideWindow++; return; }
        if (message.Batch is null || !Bytes32.TryCreate(message.BatchDigest.Span, out var digest)) { Metrics.BadDigest++; return; }
        var txDigests = Batches.TxDigests(message.Batch);
        if (Batches.Digest(txDigests) != digest) { Metrics.BadDigest++; return; }

        var entry = Entry(message.Seq);
        if (entry.PrePrepare is { } accepted && accepted.View == message.View)
        {
            // "r did not accept a k-th proposal from p" (Fig. 3 line 10): a second, different
            // proposal for the same (view, k) is equivocation and is ignored.
            if (accepted.Digest != digest) Metrics.Equivocations++;
            return;
        }
        AcceptPrePrepare(entry, new AcceptedPrePrepare(message.View, digest, message.Batch, txDigests, message.Signature.ToByteArray()));
    }

    private void AcceptPrePrepare(LogEntry entry, AcceptedPrePrepare prePrepare)
    {
        entry.PrePrepare = prePrepare;
        RemoveFromPending(prePrepare.TxDigests);
        if (!IsPrimary && entry.PrepareSentInView != prePrepare.View)
        {
            entry.PrepareSentInView = prePrepare.View;
            var signature = PhaseStatement.Sign(_key, SignatureDomain.Prepare, _zone, prePrepare.View, entry.Seq, prePrepare.Digest);
            LogEntry.Record(entry.Prepares, Self, new PhaseVote(prePrepare.View, prePrepare.Digest, signature));
            Broadcast(new PeerMessage
            {
                Prepare = new Prepare
                {
                    View = prePrepare.View,
                    Seq = entry.Seq,
                    BatchDigest = ByteString.CopyFrom(prePrepare.Digest.ToArray()),
                    Signature = ByteString.CopyFrom(signature),
                },
            });
        }
        AdvancePhases(entry);
    }

    private void OnPrepare(int from, Prepare message)
    {
        if (message.View != View || from == _options.Primary(message.View)) { Metrics.WrongView++; return; }
        if (!InWindow(message.Seq)) { Metrics.OutsideWindow++; return; }
        if (!Bytes32.TryCreate(message.BatchDigest.Span, out var digest)) { Metrics.BadDigest++; return; }
        var entry = Entry(message.Seq);
        if (!LogEntry.Record(entry.Prepares, from, new PhaseVote(message.View, digest, message.Signature.ToByteArray())))
        {
            if (entry.Prepares[from] is { } earlier && earlier.View == message.View && earlier.Digest != digest) Metrics.Equivocations++;
            return;
        }
        AdvancePhases(entry);
    }

    private void OnCommit(int from, Commit message)
    {
        if (message.View != View) { Metrics.WrongView++; return; }
        if (!InWindow(message.Seq)) { Metrics.OutsideWindow++; return; }
        if (!Bytes32.TryCreate(message.BatchDigest.Span, out var digest)) { Metrics.BadDigest++; return; }
        var entry = Entry(message.Seq);
        if (!LogEntry.Record(entry.Commits, from, new PhaseVote(message.View, digest, message.Signature.ToByteArray())))
        {
            if (entry.Commits[from] is { } earlier && earlier.View == message.View && earlier.Digest != digest) Metrics.Equivocations++;
            return;
        }
        AdvancePhases(entry);
    }

    /// <summary>prepared → send COMMIT; committed-local → deliver. Runs after every vote.</summary>
    private void AdvancePhases(LogEntry entry)
    {
        if (entry.PrePrepare is not { } prePrepare || prePrepare.View != View) return;
        var digest = prePrepare.Digest;
        var prepared = LogEntry.Count(entry.Prepares, View, digest, excluding: _options.Primary(View)) >= _options.PreparesNeeded;
        if (!prepared) return;

        if (entry.CommitSentInView != View)
        {
            entry.CommitSentInView = View;
            var signature = new CommitStatement(_zone, View, entry.Seq, digest).Sign(_key);
            LogEntry.Record(entry.Commits, Self, new PhaseVote(View, digest, signature));
            Broadcast(new PeerMessage
            {
                Commit = new Commit
                {
                    View = View,
                    Seq = entry.Seq,
                    BatchDigest = ByteString.CopyFrom(digest.ToArray()),
                    Signature = ByteString.CopyFrom(signature),
                },
            });
        }

        if (entry.Committed || LogEntry.Count(entry.Commits, View, digest) < _options.Quorum) return;
        entry.Committed = true;
        Metrics.BatchesCommitted++;
        var signers = new List<(int, byte[])>(_options.Quorum);
        for (var i = 0; i < entry.Commits.Length && signers.Count < _options.Quorum; i++)
            if (entry.Commits[i] is { } vote && vote.View == View && vote.Digest == digest)
                signers.Add((i, vote.Signature));
        var certificate = CommitCertificates.Build(new CommitStatement(_zone, View, entry.Seq, digest), signers);
        _ready.Committed.Add(new CommittedBatch(entry.Seq, View, digest, prePrepare.Batch, prePrepare.TxDigests, certificate));
    }
}
