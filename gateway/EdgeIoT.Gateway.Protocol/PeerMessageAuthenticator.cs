using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Checks every signature and proof a peer message carries before the host steps it into the
/// replica: phase signatures, VIEW-CHANGE proofs (prepared certificates, the verifier's proof of h),
/// NEW-VIEW contents, checkpoint signatures, fetched commit certificates and forwarded verifier
/// notices. Pure, so the simulator checks exactly what production checks; the replica trusts what
/// passes. Bad input is refused with a reason.
/// </summary>
public sealed class PeerMessageAuthenticator(ZoneInfo zone, Bytes32 verifierKey, ProtocolSettings protocol)
{
    public bool TryAuthenticate(int from, PeerMessage message, out string reason)
    {
        if ((uint)from >= (uint)zone.Gateways.Count)
        {
            reason = $"sender index {from} is not a gateway of {zone.Id}";
            return false;
        }
        var key = zone.Gateways[from].Key;
        switch (message.KindCase)
        {
            case PeerMessage.KindOneofCase.PrePrepare:
                return Phase(key, SignatureDomain.PrePrepare, message.PrePrepare.View, message.PrePrepare.Seq, message.PrePrepare.BatchDigest.Span, message.PrePrepare.Signature.Span, out reason);
            case PeerMessage.KindOneofCase.Prepare:
                return Phase(key, SignatureDomain.Prepare, message.Prepare.View, message.Prepare.Seq, message.Prepare.BatchDigest.Span, message.Prepare.Signature.Span, out reason);
            case PeerMessage.KindOneofCase.Commit:
                return Phase(key, SignatureDomain.Commit, message.Commit.View, message.Commit.Seq, message.Commit.BatchDigest.Span, message.Commit.Signature.Span, out reason);
            case PeerMessage.KindOneofCase.ViewChange:
                return ViewChangeMessage(from, message.ViewChange, out reason);
            case PeerMessage.KindOneofCase.NewView:
                return NewView(message.NewView, out reason);
            case PeerMessage.KindOneofCase.Checkpoint:
                return Checkpoint(from, message.Checkpoint, out reason);
            case PeerMessage.KindOneofCase.Committed:
                return CommittedEntries(message.Committed, out reason);
            case PeerMessage.KindOneofCase.Forwarded:
                if (!VerifierNotice(message.Forwarded.Notice.Span, out var forwarded, out reason)) return false;
                if (NoticeZone(forwarded) != zone.Id)
                {
                    reason = $"a forwarded notice for zone {NoticeZone(forwarded)}";
                    return false;
                }
                return true;
            case PeerMessage.KindOneofCase.Fetch:
            case PeerMessage.KindOneofCase.FetchNewView:
            case PeerMessage.KindOneofCase.Suspect:
                reason = "";
                return true;
            default:
                reason = "empty or unknown peer message";
                return false;
        }
    }

    private bool Phase(in Bytes32 key, SignatureDomain phase, ulong view, ulong seq, ReadOnlySpan<byte> digestBytes, ReadOnlySpan<byte> signature, out string reason)
    {
        if (!Bytes32.TryCreate(digestBytes, out var digest))
        {
            reason = $"{phase} batch digest is not 32 bytes";
            return false;
        }
        if (!PhaseStatement.Verify(key, phase, zone.Id, view, seq, digest, signature))
        {
            reason = $"{phase} signature for view {view} seq {seq} does not verify";
            return false;
        }
        reason = "";
        return true;
    }

    private bool ViewChangeMessage(int from, Wire.ViewChangeMessage message, out string reason)
    {
        if (message.ViewChange is null || message.ViewChange.Signer != from)
        {
            reason = "VIEW-CHANGE not signed by its sender";
            return false;
        }
        if (!ViewChangeBody(message.ViewChange, out var body, out reason)) return false;
        var batches = new HashSet<Bytes32>();
        foreach (var batch in message.Batches)
        {
            if (batch.Txs.Count > protocol.BatchSizeMax) { reason = "VIEW-CHANGE carries an oversized batch"; return false; }
            batches.Add(Batches.Digest(batch));
        }
        foreach (var entry in body.Prepared)
            if (!batches.Contains(new Bytes32(entry.BatchDigest.Span)))
            {
                reason = $"VIEW-CHANGE reports seq {entry.Seq} prepared without carrying its batch";
                return false;
            }
        if (batches.Count > body.Prepared.Count)
        {
            reason = "VIEW-CHANGE carries batches it does not report as prepared";
            return false;
        }
        return true;
    }

    /// <summary>A signed VIEW-CHANGE body: its signature, its proof of h, and every prepared certificate.</summary>
    private bool ViewChangeBody(Signed signed, out ViewChange body, out string reason)
    {
        body = null!;
        if (signed.Signer >= zone.Gateways.Count || !SignedMessages.Verify(signed, SignatureDomain.ViewChange, zone.Gateways[(int)signed.Signer].Key))
        {
            reason = "VIEW-CHANGE signature does not verify";
            return false;
        }
        if (!SignedMessages.TryParse(ViewChange.Parser, signed.Body.Span, out body) || body.Zone != zone.Id)
        {
            reason = "VIEW-CHANGE body is malformed or for another zone";
            return false;
        }
        if (body.Prepared.Count > 2 * protocol.WindowBatches)
        {
            reason = $"VIEW-CHANGE reports {body.Prepared.Count} prepared entries, more than two windows of {protocol.WindowBatches}";
            return false;
        }
        if (body.StableSeq > 0)
        {
            if (!VerifierNotice(body.StableProof.Span, out var notice, out reason)) { reason = $"VIEW-CHANGE proof of h: {reason}"; return false; }
            if (notice.KindCase != Wire.VerifierNotice.KindOneofCase.Decided || notice.Decided.Zone != zone.Id || notice.Decided.Seq < body.StableSeq)
            {
                reason = $"VIEW-CHANGE claims h = {body.StableSeq} without the verifier's decision proving it";
                return false;
            }
        }
        var seen = new HashSet<ulong>();
        foreach (var entry in body.Prepared)
        {
            // A replica keeps messages up to two windows above its h (PbftReplica.InWindow).
            if (entry.Seq <= body.StableSeq || entry.Seq > body.StableSeq + 2 * (ulong)protocol.WindowBatches || !seen.Add(entry.Seq) || entry.View >= body.NewView)
            {
                reason = $"VIEW-CHANGE prepared entry for seq {entry.Seq} is outside its window, repeated, or not from an earlier view";
                return false;
            }
            if (!PreparedCertificate(entry, out reason)) return false;
        }
        reason = "";
        return true;
    }

    /// <summary>The primary's signed pre-prepare and 2f signed prepares from distinct backups, all for (view, seq, digest).</summary>
    private bool PreparedCertificate(PreparedEntry entry, out string reason)
    {
        var primary = (int)(entry.View % (ulong)zone.Gateways.Count);
        if (!Phase(zone.Gateways[primary].Key, SignatureDomain.PrePrepare, entry.View, entry.Seq, entry.BatchDigest.Span, entry.PrePrepareSignature.Span, out reason))
        {
            reason = $"prepared certificate for seq {entry.Seq}: {reason}";
            return false;
        }
        var signers = new HashSet<int>();
        foreach (var prepare in entry.Prepares)
        {
            var replica = (int)prepare.Replica;
            if (replica >= zone.Gateways.Count || replica == primary || !signers.Add(replica)) continue;
            if (!Phase(zone.Gateways[replica].Key, SignatureDomain.Prepare, entry.View, entry.Seq, entry.BatchDigest.Span, prepare.Signature.Span, out _))
                signers.Remove(replica);
        }
        if (signers.Count < 2 * zone.FaultyGateways)
        {
            reason = $"prepared certificate for seq {entry.Seq} has {signers.Count} valid prepares, {2 * zone.FaultyGateways} needed";
            return false;
        }
        reason = "";
        return true;
    }

    private bool NewView(Signed signed, out string reason)
    {
        if (!SignedMessages.TryParse(Wire.NewView.Parser, signed.Body.Span, out var newView) || newView.Zone != zone.Id)
        {
            reason = "NEW-VIEW body is malformed or for another zone";
            return false;
        }
        var primary = (int)(newView.View % (ulong)zone.Gateways.Count);
        if (signed.Signer != primary || !SignedMessages.Verify(signed, SignatureDomain.NewView, zone.Gateways[primary].Key))
        {
            reason = $"NEW-VIEW {newView.View} is not signed by its primary {zone.Gateways[primary].Id}";
            return false;
        }
        var senders = new HashSet<uint>();
        foreach (var vc in newView.ViewChanges)
        {
            if (!ViewChangeBody(vc, out var body, out reason)) { reason = $"NEW-VIEW quotes a bad VIEW-CHANGE: {reason}"; return false; }
            if (body.NewView != newView.View || !senders.Add(vc.Signer))
            {
                reason = "NEW-VIEW quotes a VIEW-CHANGE for another view, or two from one gateway";
                return false;
            }
        }
        if (senders.Count < zone.QuorumSize)
        {
            reason = $"NEW-VIEW quotes {senders.Count} view changes, {zone.QuorumSize} needed";
            return false;
        }
        if (newView.PrePrepares.Count > 2 * protocol.WindowBatches)
        {
            reason = "NEW-VIEW proposes more sequence numbers than the window holds";
            return false;
        }
        foreach (var proposal in newView.PrePrepares)
        {
            if (proposal.Batch is null || proposal.Batch.Txs.Count > protocol.BatchSizeMax || Batches.Digest(proposal.Batch) != new Bytes32(proposal.BatchDigest.Span))
            {
                reason = $"NEW-VIEW proposal for seq {proposal.Seq} does not match its batch";
                return false;
            }
            if (!Phase(zone.Gateways[primary].Key, SignatureDomain.PrePrepare, proposal.View, proposal.Seq, proposal.BatchDigest.Span, proposal.Signature.Span, out reason))
                return false;
        }
        reason = "";
        return true;
    }

    private bool Checkpoint(int from, Signed signed, out string reason)
    {
        if (signed.Signer != from || !SignedMessages.Verify(signed, SignatureDomain.Checkpoint, zone.Gateways[from].Key))
        {
            reason = "CHECKPOINT is not signed by its sender";
            return false;
        }
        if (!SignedMessages.TryParse(Wire.Checkpoint.Parser, signed.Body.Span, out var body) || body.Zone != zone.Id || body.Digest.Length != Bytes32.Size)
        {
            reason = "CHECKPOINT body is malformed or for another zone";
            return false;
        }
        reason = "";
        return true;
    }

    private bool CommittedEntries(Wire.CommittedEntries entries, out string reason)
    {
        if (entries.Entries.Count > PbftReplica.MaxEntriesPerFetch)
        {
            reason = $"more than {PbftReplica.MaxEntriesPerFetch} committed entries in one answer";
            return false;
        }
        foreach (var entry in entries.Entries)
        {
            if (entry.Batch is null || entry.Batch.Txs.Count > protocol.BatchSizeMax
                || !CommitCertificates.Verify(entry.Certificate, zone, entry.Seq, Batches.Digest(entry.Batch), out reason))
            {
                reason = $"committed entry for seq {entry.Seq} has no valid certificate";
                return false;
            }
        }
        reason = "";
        return true;
    }

    /// <summary>The zone a verifier notice is about.</summary>
    public static string? NoticeZone(VerifierNotice notice) => notice.KindCase switch
    {
        Wire.VerifierNotice.KindOneofCase.Decided => notice.Decided.Zone,
        Wire.VerifierNotice.KindOneofCase.ErrorSeq => notice.ErrorSeq.Zone,
        Wire.VerifierNotice.KindOneofCase.ErrorTx => notice.ErrorTx.Zone,
        Wire.VerifierNotice.KindOneofCase.Replace => notice.Replace.Zone,
        Wire.VerifierNotice.KindOneofCase.Ack => notice.Ack.Zone,
        _ => null,
    };

    /// <summary>A Signed{VerifierNotice} whose signature is the verifier's.</summary>
    public bool VerifierNotice(ReadOnlySpan<byte> bytes, out VerifierNotice notice, out string reason)
    {
        notice = null!;
        if (!SignedMessages.TryParse(Signed.Parser, bytes, out var signed) || !SignedMessages.Verify(signed, SignatureDomain.VerifierNotice, verifierKey)
            || !SignedMessages.TryParse(Wire.VerifierNotice.Parser, signed.Body.Span, out notice))
        {
            reason = "not a notice signed by the verifier";
            return false;
        }
        reason = "";
        return true;
    }
}
