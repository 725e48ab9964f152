using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>The normal case: PRE-PREPARE, PREPARE, COMMIT (serverlessbft §4.2, Fig. 3 lines 4-13).</summary>
public sealed partial class PbftReplica
{
    private readonly SortedDictionary<ulong, (int From, PrePrepare Message)> _laterViewProposals = new();

    /// <summary>Processes proposals that arrived for the view just installed, before its NEW-VIEW.</summary>
    private void ReplayLaterViewProposals()
    {
        var ready = _laterViewProposals.Where(p => p.Value.Message.View == View).ToList();
        foreach (var stale in _laterViewProposals.Where(p => p.Value.Message.View <= View).Select(p => p.Key).ToList()) _laterViewProposals.Remove(stale);
        foreach (var (_, (from, message)) in ready) OnPrePrepare(from, message);
    }

    private void OnPrePrepare(int from, PrePrepare message)
    {
        if (from != _options.Primary(message.View) || message.View < View || (IsViewChanging && message.View == View))
        {
            Metrics.WrongView++;
            return;
        }
        if (message.View > View || IsViewChanging)
        {
            // From a later view's primary: the network may deliver it before that view's NEW-VIEW.
            // Keep it (one per seq, bounded by the window) until the view installs.
            NoteHigherView(from, message.View);
            if (message.Seq > LowWatermark && message.Seq <= HighWatermark + (ulong)_options.Protocol.WindowBatches)
                _laterViewProposals[message.Seq] = (from, message);
            return;
        }
        if (!InWindow(message.Seq)) { CountOutside(message.Seq); return; }
        if (!TryDigest(message, out var digest, out var txDigests)) { Metrics.BadDigest++; return; }
        var entry = Entry(message.Seq);
        if (entry.PrePrepare is { } accepted && accepted.View == message.View)
        {
            // "r did not accept a k-th proposal from p" (Fig. 3 line 10): a second, different
            // proposal for the same (view, k) is equivocation and is ignored.
            if (accepted.Digest != digest) Metrics.Equivocations++;
            return;
        }
        if (message.Batch.Txs.Count == 0)
        {
            // Null batches exist only to fill gaps in a NEW-VIEW; a primary never proposes one.
            Metrics.BadDigest++;
            return;
        }
        AcceptPrePrepare(entry, new AcceptedPrePrepare(message.View, digest, message.Batch, txDigests, message.Signature.ToByteArray()));
    }

    private void CountOutside(ulong seq)
    {
        if (seq <= LowWatermark) Metrics.BelowWindow++;
        else Metrics.OutsideWindow++;
    }

    private static bool TryDigest(PrePrepare message, out Bytes32 digest, out Bytes32[] txDigests)
    {
        txDigests = [];
        if (message.Batch is null || !Bytes32.TryCreate(message.BatchDigest.Span, out digest)) { digest = default; return false; }
        txDigests = Batches.TxDigests(message.Batch);
        return Batches.Digest(txDigests) == digest;
    }

    private void AcceptPrePrepare(LogEntry entry, AcceptedPrePrepare prePrepare)
    {
        entry.PrePrepare = prePrepare;
        entry.AcceptedTick = _tick;
        if (prePrepare.TxDigests.Length < _options.Protocol.BatchSizeMax) _partialAcceptedTick = _tick;
        RemoveFromPending(prePrepare.TxDigests);
        MarkDirty(entry);
        if (Self != _options.Primary(prePrepare.View) && entry.PrepareSentInView != prePrepare.View)
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
        if (!AcceptsVoteFor(from, message.View)) return;
        if (from == _options.Primary(message.View)) { Metrics.WrongView++; return; }
        if (!InWindow(message.Seq)) { CountOutside(message.Seq); return; }
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
        if (!AcceptsVoteFor(from, message.View)) return;
        if (!InWindow(message.Seq)) { CountOutside(message.Seq); return; }
        if (!Bytes32.TryCreate(message.BatchDigest.Span, out var digest)) { Metrics.BadDigest++; return; }
        var entry = Entry(message.Seq);
        if (!LogEntry.Record(entry.Commits, from, new PhaseVote(message.View, digest, message.Signature.ToByteArray())))
        {
            if (entry.Commits[from] is { } earlier && earlier.View == message.View && earlier.Digest != digest) Metrics.Equivocations++;
            return;
        }
        AdvancePhases(entry);
    }

    /// <summary>
    /// Votes of the current view count. Votes of later views are kept (they may arrive before this
    /// replica installs that view) but count only then; votes of earlier views are stale.
    /// </summary>
    private bool AcceptsVoteFor(int from, ulong view)
    {
        if (view < View || (IsViewChanging && view == View))
        {
            Metrics.WrongView++;
            return false;
        }
        if (view > View) NoteHigherView(from, view);
        return true;
    }

    /// <summary>prepared → send COMMIT; committed-local → deliver. Runs after every vote.</summary>
    private void AdvancePhases(LogEntry entry)
    {
        if (IsViewChanging || entry.PrePrepare is not { } prePrepare || prePrepare.View != View) return;
        var digest = prePrepare.Digest;
        var primary = _options.Primary(View);
        var prepared = LogEntry.Count(entry.Prepares, View, digest, excluding: primary) >= _options.PreparesNeeded;
        if (!prepared) return;

        if (entry.CommitSentInView != View)
        {
            entry.CommitSentInView = View;
            entry.Prepared = new PreparedCertificate(View, digest, prePrepare.Batch, prePrepare.Signature, PrepareSignatures(entry, digest, primary));
            var signature = new CommitStatement(_zone, View, entry.Seq, digest).Sign(_key);
            LogEntry.Record(entry.Commits, Self, new PhaseVote(View, digest, signature));
            MarkDirty(entry);
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
        var signers = new List<(int, byte[])>(_options.Quorum);
        for (var i = 0; i < entry.Commits.Length && signers.Count < _options.Quorum; i++)
            if (entry.Commits[i] is { } vote && vote.View == View && vote.Digest == digest)
                signers.Add((i, vote.Signature));
        var certificate = CommitCertificates.Build(new CommitStatement(_zone, View, entry.Seq, digest), signers);
        MarkCommitted(entry, new CommittedBatch(entry.Seq, View, digest, prePrepare.Batch, prePrepare.TxDigests, certificate));
    }

    private (int, byte[])[] PrepareSignatures(LogEntry entry, Bytes32 digest, int primary)
    {
        var prepares = new List<(int, byte[])>();
        for (var i = 0; i < entry.Prepares.Length && prepares.Count < _options.PreparesNeeded; i++)
            if (i != primary && entry.Prepares[i] is { } vote && vote.View == View && vote.Digest == digest)
                prepares.Add((i, vote.Signature));
        return prepares.ToArray();
    }

    /// <summary>A batch is committed here — by consensus or by a certificate fetched in catch-up.</summary>
    private void MarkCommitted(LogEntry entry, CommittedBatch batch)
    {
        if (entry.Committed) return;
        entry.Certificate = batch.Certificate;
        entry.CommittedBatch = batch;
        RemoveFromPending(batch.TxDigests);
        Settle(batch.TxDigests);
        MarkDirty(entry);
        Metrics.BatchesCommitted++;
        _ready.Committed.Add(batch);
        OnCommittedForCheckpoint(entry);
    }
}
