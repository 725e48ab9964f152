using System.Security.Cryptography;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// The verifier never decides (zone, k) without f_E+1 matching VERIFY from distinct registered
/// executors (serverlessbft Fig. 3 line 23) that support the decision — or, for a batch aborted whole
/// (§6.4.1), without 2 f_E + 1 distinct executors' VERIFY, f_E + 1 of them carrying the batch. Judged on what was actually
/// delivered to the verifier, checked here independently of the host's own filtering: signatures are
/// verified by this checker, and the matching group's outcomes must carry every committed result and
/// write the verifier applied.
/// </summary>
public sealed class VerifyQuorumChecker(World world) : Checker(world)
{
    /// <summary>Distinct VERIFY kept per (zone, k); a flood beyond it is a scenario without bounds.</summary>
    public const int MaxPerSlot = 4096;
    private readonly Dictionary<(string Zone, ulong Seq), Slot> _slots = new();
    private readonly Dictionary<string, ulong> _decidedThrough = new(StringComparer.Ordinal);

    public override string Name => "verify-quorum";
    public long Delivered { get; private set; }

    public override void OnVerifyDelivered(byte[] body)
    {
        Delivered++;
        if (!SignedMessages.TryParse(Signed.Parser, body, out var signed) || !SignedMessages.TryParse(Verify.Parser, signed.Body.Span, out var verify)) return;
        if (!World.Registry.TryGetZone(verify.Zone, out _)) return;
        var through = _decidedThrough.TryGetValue(verify.Zone, out var t) ? t : 0;
        if (verify.Seq <= through || verify.Seq > through + (ulong)World.Registry.Protocol.VerifierPendingMax) return;
        if (!_slots.TryGetValue((verify.Zone, verify.Seq), out var slot)) _slots[(verify.Zone, verify.Seq)] = slot = new Slot();
        if (!slot.Seen.Add(Convert.ToHexString(SHA256.HashData(body)))) return;
        if (slot.Candidates.Count >= MaxPerSlot) throw new InvalidOperationException($"more than {MaxPerSlot} distinct VERIFY for {verify.Zone}/{verify.Seq}: an unbounded flood");
        slot.Candidates.Add((signed, verify));
    }

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        _decidedThrough[batch.Zone] = batch.Seq;
        _slots.Remove((batch.Zone, batch.Seq), out var slot);
        foreach (var stale in _slots.Keys.Where(k => k.Zone == batch.Zone && k.Seq <= batch.Seq).ToList()) _slots.Remove(stale);

        var needed = World.Registry.Executors.MatchQuorum;
        var executors = World.Registry.Executors.Members;
        var groups = (slot?.Candidates ?? [])
            .Where(c => c.Signed.Signer < executors.Count && c.Verify.Zone == batch.Zone && c.Verify.Seq == batch.Seq)
            .GroupBy(c => Convert.ToHexString(c.Verify.BatchDigest.Span) + "/" + Convert.ToHexString(c.Verify.Outcomes.Span));
        var best = 0;
        foreach (var group in groups)
        {
            var first = group.First().Verify;
            if (!Bytes32.TryCreate(first.BatchDigest.Span, out var digest) || digest != batch.BatchDigest || first.Batch is null || Batches.Digest(first.Batch) != digest) continue;
            if (!Supports(first, batch)) continue;
            var signers = new HashSet<uint>();
            foreach (var (signed, _) in group)
            {
                if (signers.Contains(signed.Signer)) continue;
                if (!SignedMessages.Verify(signed, SignatureDomain.Verify, executors[(int)signed.Signer].Key)) continue;
                signers.Add(signed.Signer);
                if (signers.Count >= needed) return;
            }
            best = Math.Max(best, signers.Count);
        }
        if (IsJustifiedAbort(batch, slot)) return;
        throw Violation($"zone {batch.Zone} k={batch.Seq}: decided with at most {best} matching, validly signed VERIFY from distinct registered executors supporting the decision ({slot?.Candidates.Count ?? 0} distinct VERIFY delivered); f_E+1 = {needed} are required");
    }

    /// <summary>
    /// §6.4.1: a batch may be aborted without f_E+1 matching VERIFY once at least 2 f_E + 1 distinct
    /// executors answered (all n_E, or τ_m expired) — enough to trust that execution happened — and at
    /// least f_E + 1 of them carried this batch (so a correct executor vouched for its certificate).
    /// Nothing may be committed or written then.
    /// </summary>
    private bool IsJustifiedAbort(DecidedBatch batch, Slot? slot)
    {
        if (slot is null || batch.Writes.Count > 0 || batch.Entries.Any(e => e.Status == TxStatus.Committed)) return false;
        var executors = World.Registry.Executors;
        var answered = new HashSet<uint>();
        var carried = new HashSet<uint>();
        foreach (var (signed, verify) in slot.Candidates)
        {
            if (signed.Signer >= executors.Members.Count || verify.Zone != batch.Zone || verify.Seq != batch.Seq) continue;
            if (answered.Contains(signed.Signer) && carried.Contains(signed.Signer)) continue;
            if (!SignedMessages.Verify(signed, SignatureDomain.Verify, executors.Members[(int)signed.Signer].Key)) continue;
            answered.Add(signed.Signer);
            if (Bytes32.TryCreate(verify.BatchDigest.Span, out var digest) && digest == batch.BatchDigest) carried.Add(signed.Signer);
        }
        return answered.Count >= 2 * executors.Faulty + 1 && carried.Count >= executors.MatchQuorum;
    }

    /// <summary>The outcomes carry every result and write the verifier committed, position by position.</summary>
    private bool Supports(Verify verify, DecidedBatch batch)
    {
        Outcomes outcomes;
        try { outcomes = Outcomes.Parser.ParseFrom(verify.Outcomes); }
        catch (InvalidProtocolBufferException) { return false; }
        if (outcomes.Items.Count != batch.Entries.Count) return false;
        var zoneIndex = World.ZoneIndex(batch.Zone);
        for (var position = 0; position < batch.Entries.Count; position++)
        {
            var entry = batch.Entries[position];
            if (entry.Status != TxStatus.Committed) continue;
            var outcome = outcomes.Items[position];
            if (outcome.Status != TxStatus.Committed || outcome.Result != entry.Result) return false;
            var version = KeyVersion.Of(zoneIndex, batch.Seq, position);
            var applied = batch.Writes.Where(w => w.Version == version).ToList();
            if (applied.Count != outcome.Writes.Count) return false;
            for (var i = 0; i < applied.Count; i++)
            {
                var proposed = outcome.Writes[i];
                if (applied[i].Key != proposed.Key || applied[i].Value != (proposed.Deleted ? null : proposed.Value)) return false;
            }
        }
        return true;
    }

    private sealed class Slot
    {
        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);
        public List<(Signed Signed, Verify Verify)> Candidates { get; } = [];
    }
}
