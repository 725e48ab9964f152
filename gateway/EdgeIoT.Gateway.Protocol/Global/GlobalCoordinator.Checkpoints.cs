using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// Lazy checkpoints (ziziphus §3.4, docs/zones.md decision Z4). A zone's checkpoint is (zone, k, D_k):
/// a sequence number the verifier decided for the zone and its decided-history chain, from the
/// verifier-signed DECIDED notices every gateway of the zone receives (<see cref="OnZoneDecided"/>).
/// The primary puts its latest into every PROMISE and ACCEPTED it asks its zone to endorse; a member
/// endorses only a checkpoint it knows with the same digest, so a certificate means 2f+1 gateways — f+1
/// correct — saw the verifier say so. The initiator's COMMIT carries the checkpoints of the ACCEPTEDs it
/// gathered; every gateway keeps the latest certified checkpoint of every zone.
///
/// A checkpoint never holds a step up: a member that has not heard of k yet waits for its notice (it
/// retries then), and a primary whose round is not certified by its first re-send asks again for the
/// same content without the checkpoint, which any 2f+1 endorse as before.
/// </summary>
public sealed partial class GlobalCoordinator
{
    /// <summary>This zone's recent decided (k → D_k), from the verifier's notices; the last <see cref="GlobalCoordinatorOptions.ZoneDigestsMax"/>.</summary>
    private readonly SortedList<ulong, Bytes32> _zoneDecided = [];
    /// <summary>The latest certified checkpoint of every zone (one per registered zone).</summary>
    private readonly Dictionary<string, HeldCheckpoint> _checkpoints = new(StringComparer.Ordinal);
    /// <summary>Endorse requests whose checkpoint names a k this gateway has not heard decided yet: retried on the notice.</summary>
    private readonly List<(int From, EndorseRequest Request, Bytes32 Digest, ulong Seq)> _awaitingDecided = [];
    private const int AwaitingDecidedMax = 16;

    /// <summary>The latest certified checkpoint of each zone this gateway holds, with its proof.</summary>
    public IReadOnlyDictionary<string, HeldCheckpoint> Checkpoints => _checkpoints;

    /// <summary>The highest sequence number of this zone the verifier told this gateway it decided (0: none yet).</summary>
    public ulong ZoneDecidedSeq => _zoneDecided.Count == 0 ? 0 : _zoneDecided.Keys[^1];

    /// <summary>
    /// The verifier decided sequence <paramref name="seq"/> of this zone, with decided-history digest
    /// <paramref name="digest"/> (<c>Decided.zone_digest</c> of its signed notice, checked by the host).
    /// </summary>
    public void OnZoneDecided(ulong seq, ReadOnlySpan<byte> digest)
    {
        if (seq == 0 || !Bytes32.TryCreate(digest, out var value)) { Reject($"decided notice of seq {seq} without a 32-byte zone digest"); return; }
        if (_zoneDecided.TryGetValue(seq, out var known))
        {
            // The verifier is trusted and its chain deterministic: two digests mean a host or verifier bug.
            if (known != value) Reject($"two zone digests for decided seq {seq} of {Zone}: {known.ToHex()[..12]} and {value.ToHex()[..12]}");
            return;
        }
        if (_zoneDecided.Count >= _options.ZoneDigestsMax && seq < _zoneDecided.Keys[0]) return; // older than anything kept
        _zoneDecided[seq] = value;
        while (_zoneDecided.Count > _options.ZoneDigestsMax) _zoneDecided.RemoveAt(0);
        RetryAwaitingDecided();
        Drive();
    }

    /// <summary>As primary: the checkpoint a PROMISE or ACCEPTED of this zone carries — the latest decided k it knows.</summary>
    private void AttachCheckpoint(GlobalStep body)
    {
        if (body.Kind is not (GlobalStepKind.GlobalStepPromise or GlobalStepKind.GlobalStepAccepted) || _zoneDecided.Count == 0) return;
        var digest = _zoneDecided.Values[^1].ToArray();
        // Testing only: a byzantine primary that lies about its zone's history.
        if (_options.UnsafeCheckpointLie) digest[0] ^= 0xff;
        body.Checkpoint = new ZoneCheckpoint { Zone = Zone, Seq = _zoneDecided.Keys[^1], Digest = ByteString.CopyFrom(digest) };
        Metrics.CheckpointsAttached++;
    }

    /// <summary>
    /// As member: may this gateway endorse a body carrying <paramref name="checkpoint"/>? Only if it knows
    /// D_k and it is the same. A different digest is refused (the primary lies about its zone's history);
    /// a k not heard of yet waits for its notice; a k it cannot check (a missed notice, older than kept) is
    /// not endorsed — the primary's re-request without the checkpoint is.
    /// </summary>
    private bool CheckpointConfirmed(int from, EndorseRequest request, GlobalStep body, ZoneCheckpoint checkpoint)
    {
        if (_options.UnsafeSkipCheckpointCheck) return true;
        var claimed = new Bytes32(checkpoint.Digest.Span);
        if (_zoneDecided.TryGetValue(checkpoint.Seq, out var own))
        {
            if (own == claimed)
            {
                Metrics.CheckpointsConfirmed++;
                return true;
            }
            Metrics.CheckpointMismatches++;
            Metrics.EndorseRefused++;
            Reject($"refused to endorse {StepCertificates.Describe(body)}: its checkpoint says D_{checkpoint.Seq} of {Zone} is {claimed.ToHex()[..12]}, the verifier told this gateway {own.ToHex()[..12]} (byzantine primary)");
            return false;
        }
        if (checkpoint.Seq > ZoneDecidedSeq)
        {
            Metrics.CheckpointsAwaited++;
            var digest = Sha256Digest.Of(request.Body.Span);
            if (_awaitingDecided.TrueForAll(a => a.Digest != digest))
            {
                if (_awaitingDecided.Count >= AwaitingDecidedMax) _awaitingDecided.RemoveAt(0);
                _awaitingDecided.Add((from, request, digest, checkpoint.Seq));
            }
            return false;
        }
        Metrics.EndorseRefused++;
        Reject($"not endorsing {StepCertificates.Describe(body)} now: its checkpoint names decided seq {checkpoint.Seq} of {Zone}, which this gateway cannot check (not among its last {_zoneDecided.Count} decided)");
        return false;
    }

    private void RetryAwaitingDecided()
    {
        if (_awaitingDecided.Count == 0) return;
        var highest = ZoneDecidedSeq;
        var due = _awaitingDecided.Where(a => a.Seq <= highest).ToList();
        if (due.Count == 0) return;
        _awaitingDecided.RemoveAll(a => a.Seq <= highest);
        foreach (var (from, request, _, _) in due) OnEndorseRequest(from, request);
    }

    /// <summary>
    /// As primary: a PROMISE/ACCEPTED round with a checkpoint not certified by its first re-send is asked
    /// again without it (same content, so endorse-once allows it): a member in the dark or a missed notice
    /// costs the step its checkpoint, never its progress.
    /// </summary>
    private void ReissueWithoutCheckpoint(Round round)
    {
        var evidence = round.Request!.Evidence;
        round.Request = null;
        var body = round.Step.Clone();
        body.Checkpoint = null;
        var request = new EndorseRequest { Body = body.ToByteString() };
        request.Evidence.AddRange(evidence);
        if (!TryEndorse(request, body, out var fresh, out var reason))
        {
            Reject($"own {StepCertificates.Describe(body)} without its checkpoint is not endorsable: {reason}");
            return;
        }
        Metrics.CheckpointsDropped++;
        fresh.Request = request;
        fresh.LastSentTick = _tick;
        SendToMembers(new GlobalMessage { EndorseRequest = request });
        AddVote(fresh, Self, fresh.OwnVote!);
    }

    /// <summary>As initiator primary: the COMMIT carries the checkpoints of the certified ACCEPTEDs it gathered, one per zone.</summary>
    private static IEnumerable<ZoneCheckpoint> Gathered(IEnumerable<GlobalStep> accepteds) =>
        accepteds.Where(a => a.Checkpoint is not null).Select(a => a.Checkpoint).OrderBy(c => c.Zone, StringComparer.Ordinal);

    /// <summary>Endorsing a COMMIT: each checkpoint it carries is the one its zone's certified ACCEPTED in the evidence carries.</summary>
    private static bool GatheredMatch(GlobalStep commit, IReadOnlyList<GlobalStep> accepteds, out string reason)
    {
        foreach (var checkpoint in commit.Checkpoints)
        {
            var accepted = accepteds.FirstOrDefault(a => a.Zone == checkpoint.Zone);
            if (accepted?.Checkpoint is null || !accepted.Checkpoint.Equals(checkpoint))
            {
                reason = $"the COMMIT's checkpoint of {checkpoint.Zone} at {checkpoint.Seq} is not the one {checkpoint.Zone}'s certified ACCEPTED carries";
                return false;
            }
        }
        reason = "";
        return true;
    }

    /// <summary>Keeps the checkpoints a verified certified step carries, when later than what is held.</summary>
    private void HoldCheckpoints(CertifiedStep step, GlobalStep body)
    {
        if (body.Checkpoint is null && body.Checkpoints.Count == 0) return;
        foreach (var checkpoint in CheckpointProofs.All(body)) Hold(CheckpointProofs.Held(checkpoint, step, body), persist: true);
    }

    private void Hold(HeldCheckpoint checkpoint, bool persist)
    {
        if (_checkpoints.TryGetValue(checkpoint.Zone, out var held))
        {
            if (held.Seq == checkpoint.Seq && held.Digest != checkpoint.Digest)
            {
                // Two certified digests for one (zone, k): more than f gateways of a zone lied.
                Metrics.CheckpointConflicts++;
                Reject($"CHECKPOINT CONFLICT: {checkpoint} and {held} are both certified");
                return;
            }
            if (held.Seq >= checkpoint.Seq) return;
        }
        _checkpoints[checkpoint.Zone] = checkpoint;
        if (!persist) return;
        Metrics.CheckpointsKept++;
        _ready.Checkpoints.Add(checkpoint);
        _ready.Persist.Add(new GlobalPersist.Checkpoint(checkpoint));
    }

    /// <summary>At restore: a persisted checkpoint counts only if its proof still verifies against the registry and carries it.</summary>
    private void RestoreCheckpoint(HeldCheckpoint checkpoint)
    {
        if (!TryVerifyStep(checkpoint.Proof, out var body, out var reason)) { Reject($"restored checkpoint {checkpoint}: {reason}"); return; }
        var carried = CheckpointProofs.Find(body, checkpoint.Zone);
        if (carried is null || carried.Seq != checkpoint.Seq || !carried.Digest.Span.SequenceEqual(checkpoint.Digest.ToArray()))
        {
            Reject($"restored checkpoint {checkpoint}: its proof does not carry it");
            return;
        }
        Hold(CheckpointProofs.Held(carried, checkpoint.Proof, body), persist: false);
    }
}
