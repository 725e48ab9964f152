using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// Failure handling (ziziphus §3.3): a step not answered within stepTimeoutMs is re-sent and
/// RESPONSE-QUERY goes to every gateway of the silent zone; a gateway that has the answer resends it;
/// 2f+1 queries about a step its zone owes — or its own timers on what its zone owes (answers, LOCK,
/// HISTORY, ADOPT, a request not executed) — make a gateway suspect its primary.
/// </summary>
public sealed partial class GlobalCoordinator
{
    /// <summary>Distinct querying gateways per (what is owed, querying zone).</summary>
    private readonly Dictionary<(GlobalStepKind Kind, ulong Slot, string Device), Dictionary<string, HashSet<int>>> _queries = [];
    private ulong _suspectedView = ulong.MaxValue;
    private long _suspectedTick;
    private long _missingQueryTick = long.MinValue / 2;
    private long _probeTick;

    private long _viewTick;

    private void Suspect(string reason)
    {
        // A new primary gets time to take over before anything it inherited counts against it.
        if (_tick - _viewTick < 2 * _stepTicks) return;
        if (_suspectedView == View && _tick - _suspectedTick < _stepTicks) return;
        _suspectedView = View;
        _suspectedTick = _tick;
        Metrics.Suspicions++;
        _ready.Suspicions.Add(reason.Length > 200 ? reason[..200] : reason);
    }

    private void OnTimers()
    {
        ResendOpenRounds();
        TimeRequests();
        TimeSlots();
        TimeMigrations();
        if (Behind()) QueryMissing(_slots.Values.LastOrDefault()?.Highest.Zone);
        else if (_tick - _probeTick >= 4 * _stepTicks && _registry.Zones.Count > 1)
        {
            // Anti-entropy: a zone that was down or cut off may not know it missed slots, and an idle
            // network would never tell it. Now and then ask one other zone for the next slot.
            _probeTick = _tick;
            var others = _registry.Zones.Where(z => z.Id != Zone).ToList();
            Query(others[_random.Next(others.Count)].Id, GlobalStepKind.GlobalStepCommit, LastExecuted + 1, default, "");
        }
    }

    private void TimeRequests()
    {
        if (_requests.First?.Value is not { } head) return;
        var waited = _tick - head.ArrivalTick;
        if (!IsPrimary && !head.Relayed && waited >= 4 * _stepTicks + _backoffMaxTicks)
        {
            head.Relayed = true;
            SendToMember(PrimaryIndex, new GlobalMessage { Relayed = new RelayedRequest { Request = Google.Protobuf.ByteString.CopyFrom(head.Request.Tx.Raw) } });
        }
        if (!IsPrimary && waited >= 8 * _stepTicks + 2 * _backoffMaxTicks)
        {
            head.ArrivalTick = _tick;
            Suspect($"migration request {head.Request.Device}@{head.Request.Timestamp} was not executed in time (§3.3)");
        }
    }

    private void TimeSlots()
    {
        foreach (var state in _slots.Values)
        {
            if (state.Slot <= LastExecuted || _tick - state.LastQueryTick < _stepTicks) continue;
            state.LastQueryTick = _tick;
            // Whose step is late: our own ballots' answers, or another initiator's COMMIT.
            foreach (var (ballot, _) in state.Accepts.Concat(state.Proposes))
            {
                if (ballot.Zone == Zone)
                {
                    var kind = state.Accepts.ContainsKey(ballot) ? GlobalStepKind.GlobalStepAccepted : GlobalStepKind.GlobalStepPromise;
                    var answers = (kind == GlobalStepKind.GlobalStepAccepted ? state.Accepteds : state.Promises).GetValueOrDefault(ballot);
                    foreach (var zone in _registry.Zones)
                        if (zone.Id != Zone && (answers is null || !answers.ContainsKey(zone.Id))) Query(zone.Id, kind, state.Slot, ballot, "");
                }
                else Query(ballot.Zone, GlobalStepKind.GlobalStepCommit, state.Slot, ballot, "");
                break;
            }
            // What our zone owes: an answer to the highest PROPOSE/ACCEPT we may still answer.
            if (_tick - state.LastStepTick >= 2 * _stepTicks && _tick - state.LastSuspectTick >= 2 * _stepTicks && OwesAnswer(state) is { } owed)
            {
                state.LastSuspectTick = _tick;
                Suspect($"zone {Zone} did not answer {owed} in time");
            }
        }
    }

    private string? OwesAnswer(SlotState state)
    {
        if (state.Accepts.Count > 0)
        {
            var ballot = state.Accepts.Keys.Last();
            if (ballot >= state.Promised && !state.Own.ContainsKey((GlobalStepKind.GlobalStepAccepted, ballot))) return $"ACCEPT of slot {state.Slot} {ballot}";
            if (ballot >= state.Promised) return null;
        }
        if (state.Proposes.Count > 0)
        {
            var ballot = state.Proposes.Keys.Last();
            if (ballot >= state.Promised && !state.Own.ContainsKey((GlobalStepKind.GlobalStepPromise, ballot))) return $"PROPOSE of slot {state.Slot} {ballot}";
        }
        return null;
    }

    private void TimeMigrations()
    {
        foreach (var outgoing in _outgoing.Values)
        {
            if (outgoing.Deferred) continue;
            if (outgoing.Receipt is null)
            {
                // A committed entry is not offered again: it is decided at its sequence number.
                if (outgoing.Ordering.CommittedSeq is null && _tick - outgoing.LockRequestTick >= _stepTicks) EmitLock(outgoing);
                if (OrderingLate(outgoing.Ordering, () => EmitLock(outgoing)) is { } late) Suspect($"the LOCK of {outgoing.Order.Device} (slot {outgoing.Slot}) {late}");
            }
            else if (outgoing.History is null && _tick - outgoing.ReceiptTick >= _stepTicks)
            {
                // Our zone may have certified it without our vote: ask the members first.
                if ((_tick - outgoing.ReceiptTick) % _stepTicks < Math.Max(1, _stepTicks / 8)) Query(Zone, GlobalStepKind.GlobalStepHistory, outgoing.Slot, default, outgoing.Order.Device);
                if (_tick - outgoing.ReceiptTick >= 2 * _stepTicks) Suspect($"the HISTORY of {outgoing.Order.Device} (slot {outgoing.Slot}) was not endorsed in time");
            }
        }
        foreach (var incoming in _incoming.Values)
        {
            if (incoming.History is null)
            {
                if (_tick - incoming.LastQueryTick >= 2 * _stepTicks)
                {
                    incoming.LastQueryTick = _tick;
                    Query(incoming.Order.FromZone, GlobalStepKind.GlobalStepHistory, incoming.Slot, default, incoming.Order.Device);
                }
                continue;
            }
            if (incoming.Ordering.CommittedSeq is null && _tick - incoming.AdoptRequestTick >= _stepTicks) EmitAdopt(incoming);
            if (OrderingLate(incoming.Ordering, () => EmitAdopt(incoming)) is { } late) Suspect($"the ADOPT of {incoming.Order.Device} (slot {incoming.Slot}) {late}");
        }
    }

    private void Query(string zone, GlobalStepKind kind, ulong slot, BallotKey ballot, string device)
    {
        Metrics.QueriesSent++;
        var query = new ResponseQuery { Zone = Zone, Gateway = (uint)Self, Slot = slot, Kind = kind, Device = device };
        if (ballot.IsSet) query.Ballot = ballot.ToBallot();
        SendToZone(zone, new GlobalMessage { Query = query });
    }

    /// <summary>
    /// Behind: the next slot is open for long (our zone may have committed it without us), or a COMMIT or
    /// steps of later slots arrived while we know nothing of the next one. Later slots open beside the next
    /// one are the stable leader's pipeline (decision Z6), not a gap.
    /// </summary>
    private bool Behind() => _slots.TryGetValue(LastExecuted + 1, out var next)
        ? _tick - next.FirstSeenTick >= _stepTicks
        : _decided.Count > 0 || _slots.Count > 0 && _slots.Keys.Last() > LastExecuted + 1;

    /// <summary>Slots between the last executed one and what we saw are missing: ask (rate-limited) our zone and <paramref name="zone"/>.</summary>
    private void QueryMissing(string? zone)
    {
        if (_tick - _missingQueryTick < _stepTicks / 2) return;
        _missingQueryTick = _tick;
        var slot = LastExecuted + 1;
        Query(Zone, GlobalStepKind.GlobalStepCommit, slot, default, "");
        if (!string.IsNullOrEmpty(zone) && zone != Zone) Query(zone, GlobalStepKind.GlobalStepCommit, slot, default, "");
        else foreach (var decided in _decided.Values.Take(1))
            if (decided.Body.Ballot.Zone != Zone) Query(decided.Body.Ballot.Zone, GlobalStepKind.GlobalStepCommit, slot, default, "");
    }

    private void OnQuery(string fromZone, int fromIndex, ResponseQuery query)
    {
        if (query.Device.Length > 64 || !_registry.TryGetZone(fromZone, out var querier)) { Reject("malformed query"); return; }
        // Asked about a slot we have not executed: we are behind (a restart, a partition) — catch up.
        if (query.Slot > LastExecuted + 1 && query.Slot <= LastExecuted + (ulong)_options.RememberedSlotsMax) QueryMissing(fromZone);
        switch (query.Kind)
        {
            case GlobalStepKind.GlobalStepCommit:
                if (AnswerWithCommit(query.Slot, fromZone, fromIndex)) return;
                if (Key(query.Ballot).Zone == Zone) CountQuery(query, fromZone, fromIndex, querier, $"COMMIT of slot {query.Slot}");
                return;
            case GlobalStepKind.GlobalStepPromise:
            case GlobalStepKind.GlobalStepAccepted:
                if (query.Slot <= LastExecuted) { AnswerWithCommit(query.Slot, fromZone, fromIndex); return; }
                if (SlotOrNull(query.Slot)?.Own.GetValueOrDefault((query.Kind, Key(query.Ballot))) is { } own)
                {
                    Metrics.QueriesAnswered++;
                    SendToGateway(fromZone, fromIndex, Wrap(own));
                    return;
                }
                var state = SlotOrNull(query.Slot);
                var asked = query.Kind == GlobalStepKind.GlobalStepPromise ? state?.Proposes : state?.Accepts;
                if (asked?.ContainsKey(Key(query.Ballot)) == true && Key(query.Ballot) >= state!.Promised)
                    CountQuery(query, fromZone, fromIndex, querier, $"{StepCertificates.ShortKind(query.Kind)} of slot {query.Slot}");
                return;
            case GlobalStepKind.GlobalStepHistory:
                var history = _sentHistories.GetValueOrDefault(query.Device) ?? _outgoing.GetValueOrDefault(query.Device)?.History;
                if (history is not null)
                {
                    Metrics.QueriesAnswered++;
                    SendToGateway(fromZone, fromIndex, Wrap(history));
                    return;
                }
                // Until the LOCK is decided the HISTORY cannot exist, and Z5's timers judge the primary on the
                // LOCK's progress (slow but moving decisions are not its fault); from the receipt on, it is the
                // primary's to endorse, and queries from the destination count against it.
                if (_outgoing.GetValueOrDefault(query.Device) is { Receipt: not null }) CountQuery(query, fromZone, fromIndex, querier, $"HISTORY of {query.Device}");
                return;
            default:
                Reject($"query for step kind {(int)query.Kind}");
                return;
        }
    }

    /// <summary>Slots answered per query: a gateway far behind catches up a batch at a time.</summary>
    private const int CommitsPerAnswerMax = 16;

    private bool AnswerWithCommit(ulong slot, string zone, int index)
    {
        var answered = false;
        for (var s = slot; s < slot + CommitsPerAnswerMax; s++)
        {
            var commit = _commits.GetValueOrDefault(s) ?? _decided.GetValueOrDefault(s);
            if (commit is null) break;
            answered = true;
            if (index >= 0) SendToGateway(zone, index, Wrap(commit.Step));
            else if (zone != Zone) SendToZone(zone, Wrap(commit.Step));
            if (index < 0) break;
        }
        if (answered) Metrics.QueriesAnswered++;
        return answered;
    }

    private void CountQuery(ResponseQuery query, string fromZone, int fromIndex, Core.Config.ZoneInfo querier, string owed)
    {
        var key = (query.Kind, query.Slot, query.Device);
        if (!_queries.TryGetValue(key, out var byZone))
        {
            if (_queries.Count >= 4 * _options.SlotWindowMax) _queries.Clear();
            _queries[key] = byZone = new(StringComparer.Ordinal);
        }
        if (!byZone.TryGetValue(fromZone, out var gateways)) byZone[fromZone] = gateways = [];
        gateways.Add(fromIndex);
        if (gateways.Count >= querier.QuorumSize)
        {
            gateways.Clear();
            Suspect($"{querier.QuorumSize} gateways of {fromZone} asked for the {owed} zone {Zone} owes (§3.3)");
        }
    }
}
