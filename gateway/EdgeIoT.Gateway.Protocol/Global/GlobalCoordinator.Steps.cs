using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// Certified steps, received or assembled here, and the follower role of Algorithm 1: every zone —
/// the initiator's own included — answers a PROPOSE with a PROMISE and an ACCEPT with an ACCEPTED.
/// </summary>
public sealed partial class GlobalCoordinator
{
    /// <summary>Everything this gateway knows about one slot above the last executed one.</summary>
    private sealed class SlotState(ulong slot, long tick)
    {
        public ulong Slot { get; } = slot;
        public long FirstSeenTick { get; } = tick;
        public long LastQueryTick { get; set; } = tick;
        /// <summary>Acceptor state: the highest ballot this gateway endorsed a PROMISE or ACCEPTED for.</summary>
        public BallotKey Promised { get; set; }
        public BallotKey Accepted { get; set; }
        public MigrationOrder? AcceptedOrder { get; set; }
        /// <summary>The certified ACCEPT of <see cref="Accepted"/> (evidence for a later PROMISE).</summary>
        public CertifiedStep? AcceptEvidence { get; set; }
        public ulong HighestN { get; set; }
        /// <summary>The highest ballot of any PROPOSE or ACCEPT seen in this slot.</summary>
        public BallotKey Highest { get; set; }
        /// <summary>When the latest new PROPOSE or ACCEPT arrived (what this zone may owe an answer to).</summary>
        public long LastStepTick { get; set; } = tick;
        public SortedDictionary<BallotKey, CertifiedStep> Proposes { get; } = [];
        public SortedDictionary<BallotKey, CertifiedStep> Accepts { get; } = [];
        /// <summary>Certificates this zone produced, by (kind, ballot): re-sent on queries and retransmissions.</summary>
        public Dictionary<(GlobalStepKind, BallotKey), CertifiedStep> Own { get; } = [];
        /// <summary>Initiator: the zones' PROMISE / ACCEPTED for each of its ballots.</summary>
        public Dictionary<BallotKey, Dictionary<string, (CertifiedStep Step, GlobalStep Body)>> Promises { get; } = [];
        public Dictionary<BallotKey, Dictionary<string, (CertifiedStep Step, GlobalStep Body)>> Accepteds { get; } = [];
        public long LastSuspectTick { get; set; } = tick;
    }

    private readonly SortedDictionary<ulong, SlotState> _slots = [];
    private const int BallotsPerSlotMax = 8;

    private SlotState? SlotOrNull(ulong slot) => _slots.GetValueOrDefault(slot);

    private SlotState Slot(ulong slot)
    {
        if (!_slots.TryGetValue(slot, out var state)) _slots[slot] = state = new SlotState(slot, _tick);
        return state;
    }

    private void OnStep(CertifiedStep step, string fromZone)
    {
        if (!TryVerifyStep(step, out var body, out var reason)) { Reject($"step from {fromZone}: {reason}"); return; }
        OnCertified(step, body, local: false);
    }

    /// <summary>A valid certified step. <paramref name="local"/>: assembled here from this zone's votes.</summary>
    private void OnCertified(CertifiedStep step, GlobalStep body, bool local)
    {
        if (local && IsPrimary) Route(step, body);
        HoldCheckpoints(step, body);
        if (body.Slot > LastExecuted + 1 && body.Kind is GlobalStepKind.GlobalStepHistory) QueryMissing(body.Zone);
        switch (body.Kind)
        {
            case GlobalStepKind.GlobalStepPropose:
            case GlobalStepKind.GlobalStepAccept:
                OnProposeOrAccept(step, body);
                break;
            case GlobalStepKind.GlobalStepPromise:
            case GlobalStepKind.GlobalStepAccepted:
                OnResponse(step, body);
                break;
            case GlobalStepKind.GlobalStepCommit:
                Decide(step, body);
                break;
            case GlobalStepKind.GlobalStepHistory:
                OnHistory(step, body);
                break;
        }
        if (body.Zone == Zone && body.Slot > LastExecuted && body.Kind != GlobalStepKind.GlobalStepHistory)
            Slot(body.Slot).Own.TryAdd((body.Kind, Key(body.Ballot)), step);
    }

    /// <summary>Where this zone's certificate goes when its primary assembled it.</summary>
    private void Route(CertifiedStep step, GlobalStep body)
    {
        // Members whose vote was not needed may not have the body: they learn the certificate too.
        SendToMembers(Wrap(step));
        switch (body.Kind)
        {
            case GlobalStepKind.GlobalStepPropose:
            case GlobalStepKind.GlobalStepAccept:
            case GlobalStepKind.GlobalStepCommit:
                SendToOtherZones(Wrap(step));
                break;
            case GlobalStepKind.GlobalStepPromise:
            case GlobalStepKind.GlobalStepAccepted:
                if (body.Ballot.Zone != Zone) SendToZone(body.Ballot.Zone, Wrap(step));
                break;
            case GlobalStepKind.GlobalStepHistory:
                SendToZone(body.Order.ToZone, Wrap(step));
                break;
        }
    }

    private void OnProposeOrAccept(CertifiedStep step, GlobalStep body)
    {
        if (body.Slot <= LastExecuted)
        {
            // The initiator is behind: tell it how the slot ended.
            AnswerWithCommit(body.Slot, body.Ballot.Zone, -1);
            return;
        }
        if (body.Slot > LastExecuted + (ulong)_options.SlotWindowMax)
        {
            Reject($"{StepCertificates.Describe(body)} is beyond the slot window");
            QueryMissing(body.Ballot.Zone);
            return;
        }
        var state = Slot(body.Slot);
        state.HighestN = Math.Max(state.HighestN, body.Ballot.N);
        var ballot = Key(body.Ballot);
        if (ballot > state.Highest) state.Highest = ballot;
        var map = body.Kind == GlobalStepKind.GlobalStepPropose ? state.Proposes : state.Accepts;
        if (map.TryAdd(ballot, step)) state.LastStepTick = _tick;
        else
        {
            // A retransmission: the initiator may have missed our answer.
            var answer = body.Kind == GlobalStepKind.GlobalStepPropose ? GlobalStepKind.GlobalStepPromise : GlobalStepKind.GlobalStepAccepted;
            if (state.Own.TryGetValue((answer, ballot), out var own) && body.Ballot.Zone != Zone) SendToZone(body.Ballot.Zone, Wrap(own));
        }
        while (map.Count > BallotsPerSlotMax) map.Remove(map.Keys.First());
        if (body.Slot > LastExecuted + 1) QueryMissing(body.Ballot.Zone);
    }

    private void OnResponse(CertifiedStep step, GlobalStep body)
    {
        if (body.Ballot.Zone != Zone)
        {
            // Our own zone's answer to another initiator (assembled here), or a misdirected one.
            if (body.Zone != Zone) Reject($"{StepCertificates.Describe(body)} answers a ballot of {body.Ballot.Zone}, not of {Zone}");
            return;
        }
        if (body.Slot <= LastExecuted || body.Slot > LastExecuted + (ulong)_options.SlotWindowMax) return;
        var state = Slot(body.Slot);
        var ballot = Key(body.Ballot);
        var responses = body.Kind == GlobalStepKind.GlobalStepPromise ? state.Promises : state.Accepteds;
        if (!responses.TryGetValue(ballot, out var byZone))
        {
            if (responses.Count >= BallotsPerSlotMax) responses.Remove(responses.Keys.Min());
            responses[ballot] = byZone = new(StringComparer.Ordinal);
        }
        byZone.TryAdd(body.Zone, (step, body));
        if (body.Zone == Zone && body.Kind == GlobalStepKind.GlobalStepAccepted && state.Accepts.TryGetValue(ballot, out var accept))
        {
            // Our zone certified it: adopt it as our own acceptor state, even if our vote did not count.
            if (ballot > state.Promised) state.Promised = ballot;
            if (ballot > state.Accepted)
            {
                state.Accepted = ballot;
                state.AcceptedOrder = body.Order;
                state.AcceptEvidence = accept;
            }
        }
        else if (body.Zone == Zone && body.Kind == GlobalStepKind.GlobalStepPromise && ballot > state.Promised)
        {
            state.Promised = ballot;
        }
    }

    /// <summary>As primary: answer every PROPOSE and ACCEPT this zone owes an answer.</summary>
    private void DriveFollower()
    {
        foreach (var state in _slots.Values)
        {
            if (state.Slot <= LastExecuted) continue;
            if (state.Accepts.Count > 0)
            {
                var (ballot, accept) = state.Accepts.Last();
                if ((ballot >= state.Promised || _options.UnsafeAcceptBelowPromise) && !state.Own.ContainsKey((GlobalStepKind.GlobalStepAccepted, ballot)))
                {
                    var body = VerifiedBody(accept);
                    RequestEndorsement(new GlobalStep
                    {
                        Kind = GlobalStepKind.GlobalStepAccepted, Slot = state.Slot, Ballot = body.Ballot, Previous = body.Previous,
                        RequestDigest = body.RequestDigest, Order = body.Order,
                    }, [accept]);
                    continue;
                }
            }
            if (state.Proposes.Count > 0)
            {
                var (ballot, propose) = state.Proposes.Last();
                if (ballot < state.Promised || state.Own.ContainsKey((GlobalStepKind.GlobalStepPromise, ballot))) continue;
                if (state.Accepts.Count > 0 && state.Accepts.Keys.Last() >= ballot) continue;
                var body = VerifiedBody(propose);
                var promise = new GlobalStep { Kind = GlobalStepKind.GlobalStepPromise, Slot = state.Slot, Ballot = body.Ballot, RequestDigest = body.RequestDigest };
                List<CertifiedStep> evidence = [propose];
                if (state.Accepted.IsSet && state.AcceptEvidence is { } acceptEvidence)
                {
                    promise.Accepted = state.Accepted.ToBallot();
                    promise.Order = state.AcceptedOrder;
                    evidence.Add(acceptEvidence);
                }
                RequestEndorsement(promise, evidence);
            }
        }
    }

    private GlobalStep VerifiedBody(CertifiedStep step) =>
        TryVerifyStep(step, out var body, out var reason) ? body : throw new InvalidOperationException($"a stored certificate no longer verifies: {reason}");
}
