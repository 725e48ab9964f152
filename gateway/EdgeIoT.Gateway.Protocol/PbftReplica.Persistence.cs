using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// What a replica must remember across a crash to stay safe: its view (never go back), the proposal it
/// accepted for each sequence number of that view (never accept a second one, never prepare twice),
/// its prepared certificates (a view change after the restart must still report them — quorum
/// intersection depends on it) and what it committed. The host writes <see cref="ReplicaReady"/>'s
/// records durably before sending anything, and <see cref="Restore"/> rebuilds the replica.
/// </summary>
public sealed partial class PbftReplica
{
    private void MarkDirty(LogEntry entry) => _ready.PersistEntries[entry.Seq] = Snapshot(entry);

    private void MarkViewDirty() => _ready.PersistView = new PersistedView
    {
        View = View,
        ViewChanging = IsViewChanging,
        TargetView = TargetView,
        NextSeq = NextSeq,
        LowWatermark = LowWatermark,
        StableProof = ByteString.CopyFrom(_stableProof),
        NewView = _installingNewView,
    };

    private static PersistedEntry Snapshot(LogEntry entry)
    {
        var persisted = new PersistedEntry { Seq = entry.Seq };
        if (entry.PrePrepare is { } accepted)
            persisted.PrePrepare = new PrePrepare
            {
                View = accepted.View,
                Seq = entry.Seq,
                BatchDigest = ByteString.CopyFrom(accepted.Digest.ToArray()),
                Batch = accepted.Batch,
                Signature = ByteString.CopyFrom(accepted.Signature),
            };
        if (entry.Prepared is { } prepared)
        {
            persisted.Prepared = new PreparedEntry
            {
                View = prepared.View,
                Seq = entry.Seq,
                BatchDigest = ByteString.CopyFrom(prepared.Digest.ToArray()),
                PrePrepareSignature = ByteString.CopyFrom(prepared.PrePrepareSignature),
            };
            foreach (var (replica, signature) in prepared.Prepares)
                persisted.Prepared.Prepares.Add(new PhaseSignature { Replica = (uint)replica, Signature = ByteString.CopyFrom(signature) });
            persisted.PreparedBatch = prepared.Batch;
        }
        if (entry.CommittedBatch is { } committed)
        {
            persisted.Committed = true;
            persisted.Certificate = committed.Certificate;
            persisted.PreparedBatch ??= committed.Batch;
        }
        if (persisted.PreparedBatch is not null && entry.PrePrepare is { } proposal && ReferenceEquals(persisted.PreparedBatch, proposal.Batch))
        {
            persisted.PreparedBatch = null;
            persisted.PreparedBatchIsProposal = true;
        }
        return persisted;
    }

    /// <summary>
    /// Rebuilds a replica from what it persisted. Committed batches the verifier has not decided are
    /// delivered again (the invoker lost them with the process), and an interrupted view change is
    /// announced again.
    /// </summary>
    public void Restore(PersistedView? view, IEnumerable<PersistedEntry> entries)
    {
        if (_log.Count > 0 || View != 0 || LowWatermark != 0)
            throw new InvalidOperationException("Restore must run on a freshly constructed replica");
        if (view is not null)
        {
            View = view.View;
            IsViewChanging = view.ViewChanging;
            TargetView = view.ViewChanging ? view.TargetView : view.View;
            NextSeq = Math.Max(1, view.NextSeq);
            LowWatermark = view.LowWatermark;
            _stableProof = view.StableProof.ToByteArray();
            _installingNewView = view.NewView;
            _newViewSentFor = _options.Primary(View) == Self ? View : 0;
            _committedFrontier = LowWatermark;
        }
        foreach (var persisted in entries.OrderBy(e => e.Seq))
        {
            if (persisted.Seq <= LowWatermark) continue;
            var entry = Entry(persisted.Seq);
            if (persisted.PrePrepare is { Batch: not null } proposal)
            {
                var txDigests = Batches.TxDigests(proposal.Batch);
                entry.PrePrepare = new AcceptedPrePrepare(proposal.View, Batches.Digest(txDigests), proposal.Batch, txDigests, proposal.Signature.ToByteArray());
                entry.AcceptedTick = _tick;
                if (_options.Primary(proposal.View) != Self)
                {
                    // Signatures are deterministic: re-signing restores our own vote exactly as sent.
                    entry.PrepareSentInView = proposal.View;
                    LogEntry.Record(entry.Prepares, Self, new PhaseVote(proposal.View, entry.PrePrepare.Digest,
                        PhaseStatement.Sign(_key, SignatureDomain.Prepare, _zone, proposal.View, persisted.Seq, entry.PrePrepare.Digest)));
                }
                foreach (var digest in txDigests) RememberOrdered(digest);
            }
            var preparedBatch = persisted.PreparedBatch ?? (persisted.PreparedBatchIsProposal ? persisted.PrePrepare?.Batch : null);
            if (persisted.Prepared is { } prepared && preparedBatch is not null && Bytes32.TryCreate(prepared.BatchDigest.Span, out var preparedDigest))
            {
                entry.Prepared = new PreparedCertificate(prepared.View, preparedDigest, preparedBatch, prepared.PrePrepareSignature.ToByteArray(),
                    prepared.Prepares.Select(p => ((int)p.Replica, p.Signature.ToByteArray())).ToArray());
                entry.CommitSentInView = prepared.View;
                LogEntry.Record(entry.Commits, Self, new PhaseVote(prepared.View, preparedDigest, new CommitStatement(_zone, prepared.View, persisted.Seq, preparedDigest).Sign(_key)));
            }
            if (persisted.Committed && persisted.Certificate is { } certificate && preparedBatch is { } batch)
            {
                var txDigests = Batches.TxDigests(batch);
                var committed = new CommittedBatch(persisted.Seq, certificate.View, Batches.Digest(txDigests), batch, txDigests, certificate);
                entry.Certificate = certificate;
                entry.CommittedBatch = committed;
                _committedDigests[persisted.Seq] = committed.Digest;
                _ready.Committed.Add(committed);
            }
        }
        while (_log.TryGetValue(_committedFrontier + 1, out var next) && next.Committed) _committedFrontier++;
        if (IsViewChanging)
        {
            // Announce the interrupted view change again, under the same target view.
            var target = TargetView;
            IsViewChanging = false;
            TargetView = View;
            StartViewChange(target, "resuming a view change interrupted by a restart");
        }
    }
}
