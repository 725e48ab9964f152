using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// The initiator role: device requests queue at every gateway of the initiator zone; the primary puts
/// the oldest into the next slot (PROPOSE → ACCEPT → COMMIT, or ACCEPT → COMMIT for the stable leader).
/// Leader election runs one slot at a time; the stable leader drives up to
/// global.slotsInFlightMax slots at once (decision Z6), each with a migration of a different device. A slot
/// lost to a higher ballot or a silent majority is retried with a higher ballot after a random back-off up
/// to collisionBackoffMaxMs, once it is the next slot to execute.
/// </summary>
public sealed partial class GlobalCoordinator
{
    private sealed class PendingRequest(MigrationRequest request, long tick)
    {
        public MigrationRequest Request { get; } = request;
        public long ArrivalTick { get; set; } = tick;
        public bool Relayed { get; set; }
    }

    private enum Phase { Proposing, Accepting, Committing }

    private sealed class Attempt(ulong slot, BallotKey ballot, MigrationOrder order, Phase phase, long tick)
    {
        public ulong Slot { get; } = slot;
        public BallotKey Ballot { get; } = ballot;
        public MigrationOrder Order { get; } = order;
        public Phase Phase { get; set; } = phase;
        public long PhaseTick { get; set; } = tick;
        public long SentTick { get; set; } = tick;
        public GlobalStep? Accept { get; set; }
    }

    private readonly LinkedList<PendingRequest> _requests = new();
    private readonly HashSet<(string Device, ulong Timestamp)> _requestKeys = [];
    private readonly int _backoffMaxTicks;
    /// <summary>This primary's slots in flight, by slot.</summary>
    private readonly SortedDictionary<ulong, Attempt> _attempts = [];
    private long _backoffUntilTick;
    /// <summary>The highest ballot n this gateway used per slot, so a retry goes higher.</summary>
    private readonly Dictionary<ulong, ulong> _usedN = [];

    /// <summary>
    /// A device's migration envelope from MQTT (or relayed by a member). False, with the reason, when it
    /// does not verify, is not a migration to a zone of the network, is not initiated by this zone, or the
    /// queue is full. A request executed already is answered again (its refusal re-published).
    /// </summary>
    public bool OnMigrationRequest(byte[] jws, out Rejection rejection)
    {
        var accepted = Admit(jws, out rejection);
        if (!accepted && rejection.Reason != RejectReason.None) Reject($"migration request: {rejection}");
        Drive();
        return accepted;
    }

    private bool Admit(byte[] jws, out Rejection rejection)
    {
        if (!MigrationRequests.TryDecode(jws, _registry, out var request, out rejection)) return false;
        var initiator = MigrationRequests.InitiatorZone(_registry, request.ToZone);
        if (initiator != Zone)
        {
            rejection = new(RejectReason.WrongZone, $"zone {initiator} initiates migrations to {request.ToZone}, not {Zone}");
            return false;
        }
        if (request.Timestamp <= _metadata.LastTimestamp(request.Device))
        {
            var entry = _metadata.History.LastOrDefault(h => h.Device == request.Device && h.Timestamp == request.Timestamp);
            if (entry is not null && entry.Outcome.StartsWith("refused: ", StringComparison.Ordinal))
                _ready.DeviceRefusals.Add(new DeviceRefusal(request.Device, request.Timestamp, request.Tx.Digest, entry.Outcome["refused: ".Length..], "executed earlier"));
            rejection = default;
            return false;
        }
        if (!_requestKeys.Add((request.Device, request.Timestamp))) { rejection = default; return true; }
        if (_requests.Count >= _settings.PendingMax)
        {
            _requestKeys.Remove((request.Device, request.Timestamp));
            rejection = new(RejectReason.Overloaded, $"{_settings.PendingMax} migration requests are waiting");
            return false;
        }
        _requests.AddLast(new PendingRequest(request, _tick));
        Metrics.RequestsQueued++;
        return true;
    }

    private void OnRelayed(RelayedRequest relayed)
    {
        Metrics.RequestsRelayed++;
        if (!Admit(relayed.Request.ToByteArray(), out var rejection) && rejection.Reason != RejectReason.None)
            Reject($"relayed migration request: {rejection}");
    }

    private void ForgetRequests(string device, ulong upToTimestamp)
    {
        for (var node = _requests.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Request.Device == device && node.Value.Request.Timestamp <= upToTimestamp)
            {
                _requestKeys.Remove((device, node.Value.Request.Timestamp));
                _requests.Remove(node);
            }
            node = next;
        }
    }

    /// <summary>Everything the primary starts on its own: answers, its slot, HISTORY steps.</summary>
    private void Drive()
    {
        if (!IsPrimary) return;
        DriveFollower();
        DriveCommits();
        DriveInitiator();
        DriveHistory();
    }

    private void DriveInitiator()
    {
        // Drive runs on every message the primary takes: copy (ContinueAttempt may remove) only when there is something to continue.
        if (_attempts.Count > 0)
            foreach (var attempt in _attempts.Values.ToList()) ContinueAttempt(attempt);
        if (_tick < _backoffUntilTick) return;
        while (_attempts.Count < SlotsInFlight && StartAttempt())
        {
            if (_attempts.Count > 1) Metrics.PipelinedSlots++;
            Metrics.SlotsInFlightPeak = Math.Max(Metrics.SlotsInFlightPeak, _attempts.Count);
        }
    }

    /// <summary>
    /// Slots this primary may drive at once: the stable leader's ballot ⟨1, stable zone⟩ needs no PROPOSE in
    /// a slot no higher ballot has touched, so its slots can overlap (multi-Paxos with one leader); any
    /// PROPOSE is for the next slot to execute, one at a time.
    /// </summary>
    private int SlotsInFlight => StableFastPath ? Math.Min(_settings.SlotsInFlightMax, _options.SlotWindowMax) : 1;

    /// <summary>
    /// The stable zone initiates with ⟨1, stable⟩ and no PROPOSE, in every view (ziziphus §3.2.2: when its
    /// primary fails another gateway of the zone takes over and goes on). ⟨1⟩ carries one order per slot
    /// whichever primary asks, because each member endorses at most one ACCEPT per slot and ballot and
    /// remembers it across views and restarts; a new primary whose ⟨1⟩ ACCEPT collides with its
    /// predecessor's is refused by its own zone and recovers the slot with PROPOSE (docs/zones.md, Z6).
    /// </summary>
    private bool StableFastPath => IsStableLeader && Zone == StableZone;

    /// <summary>Puts the oldest waiting request of a device not already in flight into the next free slot; false when there is nothing to start now.</summary>
    private bool StartAttempt()
    {
        var slot = LastExecuted + 1;
        while (_attempts.ContainsKey(slot) || _decided.ContainsKey(slot)) slot++;
        if (slot > LastExecuted + (ulong)SlotsInFlight) return false;
        var state = Slot(slot);
        var fast = StableFastPath && state.HighestN == 0 && !_usedN.ContainsKey(slot);
        // A slot that lost its first ballot is retried with PROPOSE, which must be for the next slot to execute.
        if (!fast && slot != LastExecuted + 1) return false;
        // Another initiator is driving this slot: do not pre-empt it while it makes progress.
        if (state.Highest.IsSet && state.Highest.Zone != Zone && _tick - state.LastStepTick < 2 * _stepTicks) return false;
        var head = NextRequest();
        if (head is null) return false;
        var order = head.Request.ToOrder(_metadata.ZoneOf(head.Request.Device));
        var digest = ByteString.CopyFrom(MigrationRequests.Digest(order).ToArray());
        if (fast)
        {
            var ballot = new BallotKey(1, Zone);
            _usedN[slot] = 1;
            var accept = new GlobalStep { Kind = GlobalStepKind.GlobalStepAccept, Slot = slot, Ballot = ballot.ToBallot(), Previous = PreviousBallot(slot), RequestDigest = digest, Order = order };
            _attempts[slot] = new Attempt(slot, ballot, order, Phase.Accepting, _tick) { Accept = accept };
            Metrics.Proposals++;
            RequestEndorsement(accept, []);
            return true;
        }
        var n = Math.Max(state.HighestN, _usedN.GetValueOrDefault(slot)) + 1;
        _usedN[slot] = n;
        var proposal = new BallotKey(n, Zone);
        _attempts[slot] = new Attempt(slot, proposal, order, Phase.Proposing, _tick);
        Metrics.Proposals++;
        RequestEndorsement(new GlobalStep { Kind = GlobalStepKind.GlobalStepPropose, Slot = slot, Ballot = proposal.ToBallot(), RequestDigest = digest, Order = order }, []);
        return true;
    }

    /// <summary>The oldest waiting request whose device has no migration in one of this primary's slots in flight.</summary>
    private PendingRequest? NextRequest()
    {
        for (var node = _requests.First; node is not null;)
        {
            var next = node.Next;
            var request = node.Value.Request;
            if (request.Timestamp <= _metadata.LastTimestamp(request.Device))
            {
                _requestKeys.Remove((request.Device, request.Timestamp));
                _requests.Remove(node);
            }
            else if (!_attempts.Values.Any(a => a.Order.Device == request.Device)) return node.Value;
            node = next;
        }
        return null;
    }

    private void ContinueAttempt(Attempt attempt)
    {
        if (attempt.Slot <= LastExecuted) { _attempts.Remove(attempt.Slot); return; }
        var state = Slot(attempt.Slot);
        if (state.Highest > attempt.Ballot && attempt.Phase != Phase.Committing)
        {
            // Another initiator leads this slot with a higher ballot: let it finish (its COMMIT ends our
            // wait) and retry after a random back-off past the step timeout, so duelling initiators
            // do not pre-empt each other for ever (ziziphus §3.5).
            Metrics.Collisions++;
            GiveUp(attempt, 2 * _stepTicks);
            return;
        }
        switch (attempt.Phase)
        {
            case Phase.Proposing when state.Promises.TryGetValue(attempt.Ballot, out var promises) && promises.Count >= ZoneQuorum:
            {
                var best = promises.Values.Select(p => p.Body).Where(p => Key(p.Accepted).IsSet).MaxBy(p => Key(p.Accepted));
                var order = best?.Order ?? attempt.Order;
                if (!order.Equals(attempt.Order)) Metrics.Recovered++; // Paxos: finish the order a zone accepted first
                var accept = new GlobalStep
                {
                    Kind = GlobalStepKind.GlobalStepAccept, Slot = attempt.Slot, Ballot = attempt.Ballot.ToBallot(), Previous = PreviousBallot(attempt.Slot),
                    RequestDigest = ByteString.CopyFrom(MigrationRequests.Digest(order).ToArray()), Order = order,
                };
                attempt.Accept = accept;
                attempt.Phase = Phase.Accepting;
                attempt.PhaseTick = attempt.SentTick = _tick;
                RequestEndorsement(accept, promises.Values.Select(p => p.Step));
                break;
            }
            case Phase.Accepting when state.Accepteds.TryGetValue(attempt.Ballot, out var accepteds) && accepteds.Count >= ZoneQuorum:
                attempt.Phase = Phase.Committing;
                attempt.PhaseTick = attempt.SentTick = _tick;
                break;
            default:
                if (_tick - attempt.PhaseTick >= 2 * _stepTicks)
                {
                    GiveUp(attempt, 0);
                    return;
                }
                if (_tick - attempt.SentTick >= _stepTicks)
                {
                    // Lost on the way (§3.3): send our zone's current step again.
                    attempt.SentTick = _tick;
                    var kind = attempt.Phase switch { Phase.Proposing => GlobalStepKind.GlobalStepPropose, Phase.Accepting => GlobalStepKind.GlobalStepAccept, _ => GlobalStepKind.GlobalStepCommit };
                    if (state.Own.TryGetValue((kind, attempt.Ballot), out var own)) SendToOtherZones(Wrap(own));
                    else if (kind == GlobalStepKind.GlobalStepCommit && _decided.TryGetValue(attempt.Slot, out var decided)) SendToOtherZones(Wrap(decided.Step));
                }
                break;
        }
    }

    /// <summary>
    /// As primary: COMMIT every ballot of this zone that a quorum of zones accepted — whichever primary
    /// started it (a view change must not strand an accepted value).
    /// </summary>
    private void DriveCommits()
    {
        foreach (var state in _slots.Values)
        {
            if (state.Slot <= LastExecuted || _decided.ContainsKey(state.Slot)) continue;
            foreach (var (ballot, accepteds) in state.Accepteds)
            {
                if (ballot.Zone != Zone || accepteds.Count < ZoneQuorum || state.Own.ContainsKey((GlobalStepKind.GlobalStepCommit, ballot))) continue;
                var accepted = accepteds.Values.First().Body;
                var commit = new GlobalStep
                {
                    Kind = GlobalStepKind.GlobalStepCommit, Slot = state.Slot, Ballot = accepted.Ballot, Previous = accepted.Previous,
                    RequestDigest = accepted.RequestDigest, Order = accepted.Order,
                };
                commit.Checkpoints.AddRange(Gathered(accepteds.Values.Select(a => a.Body)));
                RequestEndorsement(commit, accepteds.Values.Select(a => a.Step));
            }
        }
    }

    private void GiveUp(Attempt attempt, int waitTicks)
    {
        Metrics.Retries++;
        _attempts.Remove(attempt.Slot);
        _backoffUntilTick = _tick + waitTicks + _random.Next(_backoffMaxTicks + 1);
    }

    /// <summary>⟨l, z_l⟩: the ballot under which this gateway executed the slot before (informational; slots order execution).</summary>
    private Ballot? PreviousBallot(ulong slot) => _commits.TryGetValue(slot - 1, out var previous) ? previous.Body.Ballot : null;
}
