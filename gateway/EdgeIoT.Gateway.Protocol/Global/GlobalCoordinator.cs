using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// One gateway's global coordinator (ziziphus §3.2–§3.4, docs/zones.md), beside its PBFT replica, as a
/// pure state machine: no I/O, no threads, no clock. One per gateway; the gateway is one member of its
/// zone.
///
/// Inputs (the host authenticates senders first):
/// <list type="bullet">
/// <item><see cref="OnView"/>: the zone's current PBFT view; the zone primary is <c>view % n</c> (as
/// <see cref="ReplicaOptions.Primary"/>). Call it at start and on every installed view.</item>
/// <item><see cref="OnMigrationRequest"/>: a device's <c>sys</c>/<c>migrate</c> envelope from MQTT; refused
/// with a reason unless it verifies, the device is registered, <c>args.to</c> is a zone and this zone
/// initiates it.</item>
/// <item><see cref="OnZoneMessage"/> / <see cref="OnRemoteMessage"/>: a <see cref="GlobalMessage"/> from a
/// gateway of this zone / of another zone (sender authenticated by the peer link).</item>
/// <item><see cref="OnLockPoint"/> (source zone): the verifier decided this zone's LOCK entry; the receipt
/// from its DECIDED notice. <see cref="OnAdopted"/> (destination): it decided the ADOPT entry.</item>
/// <item><see cref="OnZoneDecided"/>: every DECIDED notice of this zone, (k, D_k) for lazy checkpoints.</item>
/// <item><see cref="Tick"/>: one tick of ProtocolSettings.TickMs.</item>
/// </list>
/// After each input the host takes <see cref="TakeReady"/> (<see cref="GlobalReady"/>): persists
/// <c>Persist</c>, sends <c>Messages</c>, orders <c>LockRequests</c>/<c>AdoptRequests</c> as system
/// entries (the zone primary does), publishes <c>DeviceRefusals</c>, feeds <c>Suspicions</c> into the
/// PBFT view change, and may log <c>Executed</c> and <c>Rejected</c>. <see cref="Metadata"/> is the
/// global metadata (read-only) and <see cref="IGlobalMetadata.Digest"/> its audit digest.
///
/// The protocol: each global transaction takes a <b>slot</b> of the global order; per slot, zones run
/// Paxos among themselves with ballots ⟨n, z⟩ — PROPOSE → PROMISE (majority of zones, reporting the
/// zone's accepted value in the slot) → ACCEPT (the highest accepted value reported, else the
/// initiator's own order) → ACCEPTED (majority) → COMMIT; the stable leader skips PROPOSE/PROMISE with
/// ballot ⟨1, stable⟩ in every slot no higher ballot has touched, whichever of its views. Every step is a <see cref="CertifiedStep"/> its zone endorsed (2f+1
/// gateways, <see cref="StepCertificates"/>); a gateway endorses at most one content (the body without
/// its view) per (kind, slot, ballot) and only what it checked against its own state and the evidence.
/// Slots execute strictly in order on <see cref="GlobalMetadata"/>; allowed migrations then run the
/// data migration: LOCK in the source zone, a certified HISTORY to the destination, ADOPT there.
/// Timers (<c>global.stepTimeoutMs</c>) re-send steps, send RESPONSE-QUERY, and suspect the primary
/// when its zone owes a step (§3.3). An initiator runs one slot at a time.
///
/// Persistence (<see cref="GlobalReady.Persist"/>, written before the ready's messages are sent): every
/// endorsement (endorse-once, promises and accepts follow from it) and every executed COMMIT;
/// <see cref="Restore"/> rebuilds a restarted gateway from them. Pending device requests and data
/// migrations in progress are not persisted: devices re-send, the zone's other gateways finish the
/// migrations. Held lazy checkpoints (<see cref="Checkpoints"/>, one per zone) are persisted too.
///
/// Lazy checkpoints (§3.4, docs/zones.md decision Z4): PROMISE/ACCEPTED carry the endorsing zone's
/// (k, D_k), checked by every endorser against the verifier's notices; COMMIT carries the gathered ones;
/// every gateway keeps the latest certified checkpoint of every zone.
/// </summary>
public sealed partial class GlobalCoordinator
{
    private readonly GlobalCoordinatorOptions _options;
    private readonly NetworkRegistry _registry;
    private readonly GlobalSettings _settings;
    private readonly SigningKey _key;
    private readonly ZoneInfo _zone;
    private readonly Random _random;
    private readonly int _stepTicks;
    private readonly GlobalMetadata _metadata;
    private GlobalReady _ready = new();
    private long _tick;

    public GlobalCoordinator(GlobalCoordinatorOptions options, SigningKey key, ulong seed)
    {
        _registry = options.Registry;
        if (!_registry.TryGetZone(options.Zone, out var zone)) throw new ArgumentException($"zone \"{options.Zone}\" is not in the registry");
        if ((uint)options.SelfIndex >= (uint)zone.Gateways.Count) throw new ArgumentOutOfRangeException(nameof(options), "self index outside the zone");
        if (zone.Gateways[options.SelfIndex].Key != key.PublicKey)
            throw new ArgumentException($"the key is not {zone.Gateways[options.SelfIndex].Id}'s registered key");
        _options = options;
        _settings = _registry.Global;
        _key = key;
        _zone = zone;
        _random = new Random((int)(seed ^ (seed >> 32)));
        var tick = options.Tick ?? _registry.Protocol;
        _stepTicks = tick.Ticks(_settings.StepTimeoutMs);
        _backoffMaxTicks = tick.Ticks(_settings.CollisionBackoffMaxMs);
        _metadata = new GlobalMetadata(_registry, options.HistoryEntriesMax);
        ZoneQuorum = options.UnsafeZoneQuorum > 0 ? options.UnsafeZoneQuorum : _registry.Zones.Count / 2 + 1;
    }

    public string Zone => _zone.Id;
    public int Self => _options.SelfIndex;
    public ulong View { get; private set; }
    public int N => _zone.Gateways.Count;
    public int F => _zone.FaultyGateways;
    public int PrimaryIndex => (int)(View % (ulong)N);
    public bool IsPrimary => PrimaryIndex == Self;
    /// <summary>Zones whose PROMISE/ACCEPTED decide a slot: a majority, the initiator's own included.</summary>
    public int ZoneQuorum { get; }
    /// <summary>Every slot up to here is executed on the metadata.</summary>
    public ulong LastExecuted { get; private set; }
    public long NowTicks => _tick;
    public IGlobalMetadata Metadata => _metadata;
    public GlobalMetrics Metrics { get; } = new();
    public bool IsStableLeader => _settings.Leader == GlobalLeaderMode.StableLeader;
    public string StableZone => _settings.StableZoneOr(_registry.Zones);

    public GlobalReady TakeReady()
    {
        var ready = _ready;
        _ready = new GlobalReady();
        return ready;
    }

    /// <summary>The zone's PBFT view (the replica's View once installed). Views never go back.</summary>
    public void OnView(ulong view)
    {
        if (view < View) { Reject($"view {view} is below the current view {View}"); return; }
        if (view == View) return;
        View = view;
        _viewTick = _tick;
        _attempts.Clear();
        _awaitingDecided.Clear(); // requests of the old view are refused now anyway
        _suspectedView = ulong.MaxValue;
        Drive();
    }

    public void Tick()
    {
        _tick++;
        if (_tick % Math.Max(1, _stepTicks / 8) == 0) OnTimers();
        Drive();
    }

    /// <summary>An authenticated message from gateway <paramref name="fromIndex"/> of this zone.</summary>
    public void OnZoneMessage(int fromIndex, GlobalMessage message)
    {
        if ((uint)fromIndex >= (uint)N || fromIndex == Self)
            throw new ArgumentOutOfRangeException(nameof(fromIndex), "the host passed a message from outside the zone or from self");
        switch (message.KindCase)
        {
            case GlobalMessage.KindOneofCase.EndorseRequest: OnEndorseRequest(fromIndex, message.EndorseRequest); break;
            case GlobalMessage.KindOneofCase.EndorseVote: OnEndorseVote(fromIndex, message.EndorseVote); break;
            case GlobalMessage.KindOneofCase.Step: OnStep(message.Step, Zone); break;
            case GlobalMessage.KindOneofCase.Query: OnQuery(Zone, fromIndex, message.Query); break;
            case GlobalMessage.KindOneofCase.Relayed: OnRelayed(message.Relayed); break;
            default: Reject($"empty or unknown message from member {fromIndex}"); break;
        }
        Drive();
    }

    /// <summary>An authenticated message from gateway <paramref name="fromIndex"/> of zone <paramref name="fromZone"/> (another zone).</summary>
    public void OnRemoteMessage(string fromZone, int fromIndex, GlobalMessage message)
    {
        if (fromZone == Zone || !_registry.TryGetZone(fromZone, out var zone) || (uint)fromIndex >= (uint)zone.Gateways.Count)
            throw new ArgumentOutOfRangeException(nameof(fromZone), "the host passed a remote message from its own zone or an unknown gateway");
        switch (message.KindCase)
        {
            case GlobalMessage.KindOneofCase.Step: OnStep(message.Step, fromZone); break;
            case GlobalMessage.KindOneofCase.Query: OnQuery(fromZone, fromIndex, message.Query); break;
            default: Reject($"{message.KindCase} from {fromZone}#{fromIndex}: only steps and queries cross zones"); break;
        }
        Drive();
    }

    /// <summary>
    /// Rebuilds a restarted gateway from its persisted records (<see cref="GlobalReady.Persist"/>, in the
    /// order they were produced), before any other input: executed COMMITs are executed again, in slot
    /// order, on fresh metadata (nothing is emitted for them); endorsements are recorded again, so the
    /// gateway never endorses a second content for a (kind, slot, ballot) and keeps its promises and
    /// accepts; held checkpoints come back when their proofs still verify against the registry. Data
    /// migrations in progress are not restored: the zone's other gateways finish them.
    /// </summary>
    public void Restore(IEnumerable<GlobalPersist> records)
    {
        if (LastExecuted != 0 || _endorsed.Count > 0) throw new InvalidOperationException("restore a coordinator before it takes any input");
        var executed = new SortedDictionary<ulong, CertifiedStep>();
        var endorsed = new List<GlobalPersist.Endorsed>();
        var checkpoints = new List<HeldCheckpoint>();
        foreach (var record in records)
        {
            if (record is GlobalPersist.Executed e) executed[e.Slot] = e.Commit;
            else if (record is GlobalPersist.Endorsed d) endorsed.Add(d);
            else if (record is GlobalPersist.Checkpoint c) checkpoints.Add(c.Held);
        }
        foreach (var (slot, commit) in executed)
        {
            if (slot != LastExecuted + 1) break;
            var body = GlobalStep.Parser.ParseFrom(commit.Body);
            _metadata.Execute(body.Slot, body.Ballot, body.Order);
            LastExecuted = slot;
            _commits[slot] = new DecidedSlot(commit, body);
            while (_commits.Count > _options.RememberedSlotsMax) _commits.Remove(_commits.Keys.First());
        }
        foreach (var d in endorsed)
        {
            _endorsed[(d.Kind, d.Slot, Key(d.Ballot))] = new Bytes32(d.ContentDigest);
            if (d.Slot > LastExecuted && d.Kind is GlobalStepKind.GlobalStepPromise or GlobalStepKind.GlobalStepAccepted)
                ApplyEndorsed(d.Body, d.Evidence is null ? [] : [d.Evidence]);
        }
        foreach (var checkpoint in checkpoints) RestoreCheckpoint(checkpoint);
        _ready = new GlobalReady();
    }

    // ---- Helpers ----

    private void Reject(string reason)
    {
        Metrics.Rejected++;
        if (_ready.Rejected.Count < _options.RejectionsReportedMax) _ready.Rejected.Add(reason);
    }

    private void SendToMembers(GlobalMessage message) => _ready.Messages.Add(new GlobalOutbound(GlobalTarget.ZoneMembers, -1, null, message));
    private void SendToMember(int member, GlobalMessage message) => _ready.Messages.Add(new GlobalOutbound(GlobalTarget.Member, member, null, message));

    private void SendToZone(string zone, GlobalMessage message)
    {
        if (zone == Zone) SendToMembers(message);
        else _ready.Messages.Add(new GlobalOutbound(GlobalTarget.Zone, -1, zone, message));
    }

    private void SendToGateway(string zone, int index, GlobalMessage message)
    {
        if (zone == Zone)
        {
            if (index != Self) SendToMember(index, message);
        }
        else _ready.Messages.Add(new GlobalOutbound(GlobalTarget.RemoteGateway, index, zone, message));
    }

    private void SendToOtherZones(GlobalMessage message)
    {
        if (_registry.Zones.Count > 1) _ready.Messages.Add(new GlobalOutbound(GlobalTarget.AllOtherZones, -1, null, message));
    }

    private static GlobalMessage Wrap(CertifiedStep step) => new() { Step = step };

    private static BallotKey Key(Ballot? ballot) => new(ballot?.N ?? 0, ballot?.Zone ?? "");

    private static ByteString Bytes(Bytes32 digest) => ByteString.CopyFrom(digest.ToArray());
}

/// <summary>A ballot as a dictionary key, ordered like <see cref="Ballots.Compare"/>.</summary>
public readonly record struct BallotKey(ulong N, string Zone) : IComparable<BallotKey>
{
    public int CompareTo(BallotKey other) => N != other.N ? N.CompareTo(other.N) : string.CompareOrdinal(Zone, other.Zone);
    public Ballot ToBallot() => new() { N = N, Zone = Zone };
    public bool IsSet => N != 0;
    public static bool operator <(BallotKey a, BallotKey b) => a.CompareTo(b) < 0;
    public static bool operator >(BallotKey a, BallotKey b) => a.CompareTo(b) > 0;
    public static bool operator <=(BallotKey a, BallotKey b) => a.CompareTo(b) <= 0;
    public static bool operator >=(BallotKey a, BallotKey b) => a.CompareTo(b) >= 0;
    public override string ToString() => N == 0 ? "<none>" : $"<{N},{Zone}>";
}

public sealed partial class GlobalCoordinator
{
    /// <summary>A one-line account of the open slots, the attempt and the data migrations, for logs and failure reports.</summary>
    public string DescribeState()
    {
        var slots = string.Join(" ", _slots.Values.Select(s =>
            $"[slot {s.Slot}: promised {s.Promised} accepted {s.Accepted} highest {s.Highest} proposes {s.Proposes.Count} accepts {s.Accepts.Count} own {string.Join(",", s.Own.Keys.Select(k => $"{StepCertificates.ShortKind(k.Item1)}{k.Item2}"))} " +
            $"promises {string.Join(",", s.Promises.Select(p => $"{p.Key}:{p.Value.Count}"))} accepteds {string.Join(",", s.Accepteds.Select(p => $"{p.Key}:{p.Value.Count}"))}]"));
        var attempt = _attempts.Count > 0
            ? string.Join(", ", _attempts.Values.Select(a => $"attempt slot {a.Slot} {a.Ballot} {a.Phase} since {a.PhaseTick}"))
            : $"no attempt (back-off until {_backoffUntilTick})";
        var checkpoints = string.Join(",", _checkpoints.Values.OrderBy(c => c.Zone, StringComparer.Ordinal).Select(c => $"{c.Zone}@{c.Seq}"));
        return $"tick {_tick} view {View} executed {LastExecuted} decided-waiting {_decided.Count} requests {_requests.Count}; {attempt}; {slots}; outgoing {_outgoing.Count} incoming {_incoming.Count} rounds {_rounds.Count}; zone decided {ZoneDecidedSeq}, checkpoints {checkpoints}";
    }
}
