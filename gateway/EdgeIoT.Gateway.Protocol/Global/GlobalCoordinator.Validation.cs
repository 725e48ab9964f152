using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// What a gateway checks before endorsing a body: its own acceptor state for the slot (Paxos promises
/// and accepts), its executed slots and metadata, and the certified evidence the primary attached.
/// </summary>
public sealed partial class GlobalCoordinator
{
    private bool Validate(GlobalStep body, IReadOnlyList<CertifiedStep> evidence, out string reason)
    {
        switch (body.Kind)
        {
            case GlobalStepKind.GlobalStepPropose:
                if (!InitiatorSlot(body, stableFirstBallot: false, out reason) || !FreshOrder(body.Order, out reason)) return false;
                var highest = SlotOrNull(body.Slot)?.HighestN ?? 0;
                if (body.Ballot.N > highest + _options.BallotJumpMax) { reason = $"ballot n {body.Ballot.N} jumps more than {_options.BallotJumpMax} above {highest}"; return false; }
                return true;
            case GlobalStepKind.GlobalStepPromise: return ValidatePromise(body, evidence, out reason);
            case GlobalStepKind.GlobalStepAccept: return ValidateAccept(body, evidence, out reason);
            case GlobalStepKind.GlobalStepAccepted: return ValidateAccepted(body, evidence, out reason);
            case GlobalStepKind.GlobalStepCommit: return ValidateCommit(body, evidence, out reason);
            case GlobalStepKind.GlobalStepHistory: return ValidateHistory(body, out reason);
            default:
                reason = "unknown kind";
                return false;
        }
    }

    /// <summary>
    /// An initiator's PROPOSE/ACCEPT: for the next slot to execute here, where a PROPOSE recovers what
    /// earlier ballots may have accepted one slot at a time. The stable leader's ⟨1⟩ ACCEPT may be for a
    /// later slot in the window (pipelining, decision Z6): no earlier ballot exists to recover.
    /// </summary>
    private bool InitiatorSlot(GlobalStep body, bool stableFirstBallot, out string reason)
    {
        if (stableFirstBallot) return FollowerSlot(body.Slot, out reason);
        if (body.Slot != LastExecuted + 1) { reason = $"slot {body.Slot} is not the next to execute here ({LastExecuted + 1})"; return false; }
        reason = "";
        return true;
    }

    /// <summary>A request this zone may put into a slot now: valid, initiated here, from the device's current zone, not executed.</summary>
    private bool FreshOrder(MigrationOrder order, out string reason)
    {
        if (!CheckOrder(order, out reason)) return false;
        if (MigrationRequests.InitiatorZone(_registry, order.ToZone) != Zone) { reason = $"zone {Zone} does not initiate migrations to {order.ToZone}"; return false; }
        if (_metadata.ZoneOf(order.Device) != order.FromZone) { reason = $"{order.Device} is in {_metadata.ZoneOf(order.Device)}, the order says {order.FromZone}"; return false; }
        if (order.Timestamp <= _metadata.LastTimestamp(order.Device)) { reason = $"{order.Device}@{order.Timestamp} is executed or stale"; return false; }
        return true;
    }

    /// <summary>Requests whose signature this gateway checked, by digest (the device's JWS is verified once).</summary>
    private readonly Dictionary<Core.Crypto.Bytes32, MigrationRequest> _ordersChecked = [];

    private bool CheckOrder(MigrationOrder order, out string reason)
    {
        var digest = MigrationRequests.Digest(order);
        if (!_ordersChecked.TryGetValue(digest, out var request))
        {
            if (!MigrationRequests.TryDecode(order.Request.ToByteArray(), _registry, out request, out var rejection))
            {
                reason = $"the order's request is invalid: {rejection}";
                return false;
            }
            if (_ordersChecked.Count >= _options.VerifiedCacheMax) _ordersChecked.Clear();
            _ordersChecked[digest] = request;
        }
        return MigrationRequests.Matches(order, request, out reason);
    }

    private bool ValidatePromise(GlobalStep body, IReadOnlyList<CertifiedStep> evidence, out string reason)
    {
        if (!FollowerSlot(body.Slot, out reason)) return false;
        if (evidence.Count < 1 || !TryVerifyStep(evidence[0], out var propose, out reason)) { reason = $"no valid PROPOSE as evidence: {reason}"; return false; }
        if (propose.Kind != GlobalStepKind.GlobalStepPropose || propose.Slot != body.Slot || Key(propose.Ballot) != Key(body.Ballot) || propose.RequestDigest != body.RequestDigest)
        {
            reason = "the evidence is not the PROPOSE of this slot, ballot and request";
            return false;
        }
        var state = SlotOrNull(body.Slot);
        var promised = state?.Promised ?? default;
        var ballot = Key(body.Ballot);
        if (ballot < promised || (ballot == promised && !_endorsed.ContainsKey((GlobalStepKind.GlobalStepPromise, body.Slot, ballot))))
        {
            reason = $"promised {promised} already in slot {body.Slot}";
            return false;
        }
        var own = state?.Accepted ?? default;
        var reported = Key(body.Accepted);
        if (!reported.IsSet)
        {
            if (own.IsSet) { reason = $"the PROMISE hides the accepted ballot {own}"; return false; }
            return true;
        }
        if (reported < own) { reason = $"the PROMISE reports accepted {reported}, this gateway accepted {own}"; return false; }
        if (reported >= ballot) { reason = "the accepted ballot is not below the promised one"; return false; }
        foreach (var step in evidence.Skip(1))
        {
            if (TryVerifyStep(step, out var accept, out _) && accept.Kind == GlobalStepKind.GlobalStepAccept && accept.Slot == body.Slot
                && Key(accept.Ballot) == reported && accept.Order.Equals(body.Order))
                return true;
        }
        reason = $"no certified ACCEPT of {reported} with the reported order";
        return false;
    }

    private bool ValidateAccept(GlobalStep body, IReadOnlyList<CertifiedStep> evidence, out string reason)
    {
        if (evidence.Count == 0)
        {
            // Stable leader: ballot <1, stable> is the lowest there is (§3.2.2), and _endorsed lets it carry one order per slot.
            if (!(StableFastPath && body.Ballot.N == 1))
            {
                reason = "an ACCEPT without promises is only the stable leader's ballot <1>";
                return false;
            }
            return InitiatorSlot(body, stableFirstBallot: true, out reason) && FreshOrder(body.Order, out reason);
        }
        if (!InitiatorSlot(body, stableFirstBallot: false, out reason)) return false;
        var promises = Quorum(body, evidence, GlobalStepKind.GlobalStepPromise, out reason);
        if (promises is null) return false;
        var best = promises.Where(p => Key(p.Accepted).IsSet).MaxBy(p => Key(p.Accepted));
        if (best is not null)
        {
            if (!best.Order.Equals(body.Order)) { reason = $"a promise reports the order accepted under {Key(best.Accepted)}; the ACCEPT must carry it"; return false; }
            return CheckOrder(body.Order, out reason);
        }
        if (promises.Any(p => p.RequestDigest != body.RequestDigest)) { reason = "the promises are for another request"; return false; }
        return FreshOrder(body.Order, out reason);
    }

    private bool ValidateAccepted(GlobalStep body, IReadOnlyList<CertifiedStep> evidence, out string reason)
    {
        if (!FollowerSlot(body.Slot, out reason)) return false;
        if (evidence.Count < 1 || !TryVerifyStep(evidence[0], out var accept, out reason)) { reason = $"no valid ACCEPT as evidence: {reason}"; return false; }
        if (accept.Kind != GlobalStepKind.GlobalStepAccept || accept.Slot != body.Slot || Key(accept.Ballot) != Key(body.Ballot) || !accept.Order.Equals(body.Order))
        {
            reason = "the evidence is not the ACCEPT of this slot, ballot and order";
            return false;
        }
        var promised = SlotOrNull(body.Slot)?.Promised ?? default;
        if (Key(body.Ballot) < promised && !_options.UnsafeAcceptBelowPromise) { reason = $"promised {promised} in slot {body.Slot}"; return false; }
        return true;
    }

    private bool ValidateCommit(GlobalStep body, IReadOnlyList<CertifiedStep> evidence, out string reason)
    {
        if (body.Slot <= LastExecuted) { reason = $"slot {body.Slot} is executed"; return false; }
        var accepted = Quorum(body, evidence, GlobalStepKind.GlobalStepAccepted, out reason);
        if (accepted is null) return false;
        if (accepted.Any(a => !a.Order.Equals(body.Order))) { reason = "the ACCEPTED steps carry another order"; return false; }
        return GatheredMatch(body, accepted, out reason);
    }

    private bool ValidateHistory(GlobalStep body, out string reason)
    {
        if (!_outgoing.TryGetValue(body.Device, out var outgoing) || outgoing.Slot != body.Slot || !outgoing.Order.Equals(body.Order))
        {
            reason = $"no executed migration of {body.Device} out of {Zone} at slot {body.Slot}";
            return false;
        }
        if (outgoing.Receipt is not { } receipt) { reason = $"no LOCK receipt for {body.Device} yet"; return false; }
        if (Key(receipt.Ballot) != Key(body.Ballot) || receipt.HistoryDigest != body.HistoryDigest || receipt.HistoryCount != body.HistoryCount || outgoing.LockSeq != body.LockSeq)
        {
            reason = "the HISTORY differs from the verifier's LOCK receipt";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>A follower's slot: not executed here, within the window.</summary>
    private bool FollowerSlot(ulong slot, out string reason)
    {
        if (slot <= LastExecuted) { reason = $"slot {slot} is executed"; return false; }
        if (slot > LastExecuted + (ulong)_options.SlotWindowMax) { reason = $"slot {slot} is beyond the window ({LastExecuted} + {_options.SlotWindowMax})"; return false; }
        reason = "";
        return true;
    }

    /// <summary>Steps of <paramref name="kind"/> for the body's slot and ballot from a quorum of distinct zones, or null.</summary>
    private List<GlobalStep>? Quorum(GlobalStep body, IReadOnlyList<CertifiedStep> evidence, GlobalStepKind kind, out string reason)
    {
        var byZone = new Dictionary<string, GlobalStep>(StringComparer.Ordinal);
        foreach (var step in evidence)
        {
            if (!TryVerifyStep(step, out var b, out _)) continue;
            if (b.Kind == kind && b.Slot == body.Slot && Key(b.Ballot) == Key(body.Ballot)) byZone.TryAdd(b.Zone, b);
        }
        if (byZone.Count < ZoneQuorum)
        {
            reason = $"{byZone.Count} zones' {StepCertificates.ShortKind(kind)} for slot {body.Slot} {Key(body.Ballot)}, {ZoneQuorum} needed";
            return null;
        }
        reason = "";
        return byZone.Values.ToList();
    }

    /// <summary>The acceptor effects of endorsing: a PROMISE promises its ballot, an ACCEPTED accepts its order.</summary>
    private void ApplyEndorsed(GlobalStep body, IReadOnlyList<CertifiedStep> evidence)
    {
        var ballot = Key(body.Ballot);
        switch (body.Kind)
        {
            case GlobalStepKind.GlobalStepPromise:
            {
                var state = Slot(body.Slot);
                if (ballot > state.Promised) state.Promised = ballot;
                break;
            }
            case GlobalStepKind.GlobalStepAccepted:
            {
                var state = Slot(body.Slot);
                if (ballot > state.Promised) state.Promised = ballot;
                if (ballot >= state.Accepted)
                {
                    state.Accepted = ballot;
                    state.AcceptedOrder = body.Order;
                    state.AcceptEvidence = evidence[0];
                }
                break;
            }
        }
    }
}
