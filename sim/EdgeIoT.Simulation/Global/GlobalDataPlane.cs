using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Global;

/// <summary>
/// What the coordinators see of each zone's PBFT and of the verifier, reduced to a model: a zone's view
/// moves on once f+1 of its gateways suspect the primary of the current view (as PbftReplica's SUSPECT
/// rule); a LOCK or ADOPT the primary orders is decided after a short delay by a model of the verifier's
/// <c>devices</c> table — it checks the certificate with <see cref="StepCertificates"/> (as PBFT backups
/// and the verifier do), locks the device with a history digest, moves ownership on a matching ADOPT, and
/// tells every gateway of the zone through a receipt (a DECIDED notice). A repeated entry repeats its
/// receipt, which is how a gateway that missed one learns it.
///
/// Each zone also decides local batches every 10–50 ms while it is up, so that every decided batch —
/// local, LOCK or ADOPT — extends the zone's decided-history chain D_k (<see cref="ZoneHistoryChain"/>,
/// the ground truth of lazy checkpoints); every notice carries (k, D_k). In the safety phase a gateway
/// misses a notice's (k, D_k) at the scenario's drop rate (receipts are never lost here: their repeats
/// are modelled above), so some members cannot confirm a checkpoint and the coordinator must go on without it.
/// </summary>
public sealed class GlobalDataPlane
{
    private readonly GlobalWorld _world;
    private readonly Random _random;
    /// <summary>Local batches and missed notices draw from their own stream, so they leave the LOCK/ADOPT model's draws as they were.</summary>
    private readonly Random _local;
    private readonly ulong[] _views;
    private readonly bool[] _changing;
    private readonly Dictionary<(int Zone, ulong View), HashSet<int>> _suspicions = [];
    private readonly Dictionary<string, int> _owner = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lock> _locks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _historyCount = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (MigrationReceipt Receipt, ulong Timestamp)> _lastAdopt = new(StringComparer.Ordinal);
    private readonly HashSet<(string Device, ulong Timestamp)> _adopted = [];
    /// <summary>Per zone: D_0, D_1, … — the verifier's decided-history chain.</summary>
    private readonly List<Bytes32>[] _chains;

    private sealed record Lock(int From, int To, MigrationReceipt Receipt, ulong Seq, ulong Timestamp);

    internal GlobalDataPlane(GlobalWorld world)
    {
        _world = world;
        _random = world.Stream("data-plane");
        _local = world.Stream("data-plane/local-batches");
        _views = new ulong[world.Setup.Zones];
        _changing = new bool[world.Setup.Zones];
        _chains = Enumerable.Range(0, world.Setup.Zones).Select(_ => new List<Bytes32> { ZoneHistoryChain.Genesis }).ToArray();
        foreach (var device in world.Registry.Devices) _owner[device.Id] = world.ZoneIndex(device.Zone);
    }

    public long ViewChanges { get; private set; }
    public long LocksDecided { get; private set; }
    public long AdoptsDecided { get; private set; }
    public long EntriesRefused { get; private set; }
    public long InvalidEntries { get; private set; }
    public long LocalBatches { get; private set; }
    public long DigestsMissed { get; private set; }

    /// <summary>The verifier's D_seq of a zone, or null when it has not decided <paramref name="seq"/>.</summary>
    public Bytes32? ZoneDigest(int zone, ulong seq) => seq < (ulong)_chains[zone].Count ? _chains[zone][(int)seq] : null;
    public ulong DecidedSeq(int zone) => (ulong)_chains[zone].Count - 1;

    /// <summary>Starts every zone's stream of local batches.</summary>
    internal void Start()
    {
        for (var zone = 0; zone < _world.Setup.Zones; zone++) ScheduleLocal(zone);
    }

    private void ScheduleLocal(int zone) => _world.At(_world.Clock.NowMs + 10 + _local.Next(41), () =>
    {
        if (_world.IsZoneUp(zone))
        {
            LocalBatches++;
            var entries = Enumerable.Range(0, 1 + _local.Next(4)).Select(_ => (RandomDigest(), _local.Next(10) == 0 ? TxStatus.Aborted : TxStatus.Committed)).ToList();
            Notify(zone, null, 0, Batch(zone, entries));
        }
        ScheduleLocal(zone);
    });

    private Bytes32 RandomDigest()
    {
        Span<byte> bytes = stackalloc byte[32];
        _local.NextBytes(bytes);
        return new Bytes32(bytes);
    }

    /// <summary>The verifier decides the zone's next batch: D_k extends the chain.</summary>
    private ulong Batch(int zone, IEnumerable<(Bytes32, TxStatus)> entries)
    {
        var chain = _chains[zone];
        var seq = (ulong)chain.Count;
        chain.Add(ZoneHistoryChain.Next(chain[^1], seq, entries));
        return seq;
    }

    /// <summary>
    /// A batch of one system entry, as PBFT ordered it (0x00 || SystemEntry). The model commits it in the
    /// zone's log when the verifier decides it: every gateway hears of the commit just before the notice.
    /// </summary>
    private ulong SystemBatch(int zone, CertifiedStep step, bool adopt)
    {
        var raw = SystemEntries.Encode(adopt ? new SystemEntry { Adopt = step } : new SystemEntry { Lock = step });
        var seq = Batch(zone, [(Sha256Digest.Of(raw), TxStatus.System)]);
        _committed[(zone, seq)] = new Wire.Batch { Txs = { ByteString.CopyFrom(raw) } };
        return seq;
    }

    /// <summary>System batches committed and not yet announced with their notice.</summary>
    private readonly Dictionary<(int Zone, ulong Seq), Wire.Batch> _committed = [];
    public IReadOnlyDictionary<string, int> Owner => _owner;
    public bool IsLocked(string device) => _locks.ContainsKey(device);

    public ulong View(int zone) => _views[zone];

    /// <summary>Every lock taken is adopted, except migrations that need a zone down for good.</summary>
    public bool Settled() => _locks.Values.All(l => _world.DeadZones.Contains(l.From) || _world.DeadZones.Contains(l.To));

    public bool AdoptedAt(string device, ulong timestamp) => _adopted.Contains((device, timestamp));

    /// <summary>A gateway suspects the primary of <paramref name="view"/>: f+1 such gateways replace it.</summary>
    internal void Suspect(int zone, int gateway, ulong view, string reason)
    {
        if (view != _views[zone] || _changing[zone]) return;
        if (!_suspicions.TryGetValue((zone, view), out var set)) _suspicions[(zone, view)] = set = [];
        if (!set.Add(gateway) || set.Count < _world.Setup.FaultyGateways + 1) return;
        _changing[zone] = true;
        _world.Trace.Record(new TraceEntry(_world.Clock.NowMs, TraceKind.View, default, default, default, (long)view + 1, 1, $"zone {_world.ZoneId(zone)} changes view: {reason}"));
        _world.At(_world.Clock.NowMs + 20 + _random.Next(40), () =>
        {
            _views[zone] = view + 1;
            _changing[zone] = false;
            ViewChanges++;
            foreach (var g in _world.ZoneGateways[zone]) g.OnView(view + 1);
        });
    }

    /// <summary>The zone's primary orders a system entry; it is decided a little later unless the zone is down by then.</summary>
    internal void Order(int zone, CertifiedStep step, bool adopt)
    {
        _world.At(_world.Clock.NowMs + 2 + _random.Next(_world.Setup.DataPlaneDelayMaxMs), () =>
        {
            if (!_world.IsZoneUp(zone)) return;
            if (adopt) DecideAdopt(zone, step);
            else DecideLock(zone, step);
        });
    }

    private void DecideLock(int zone, CertifiedStep commit)
    {
        var zoneId = _world.ZoneId(zone);
        if (!StepCertificates.TryVerifyLock(commit, _world.Registry, zoneId, out var body, out var reason, _world.EndorsementCheck.Check))
        {
            InvalidEntries++;
            _world.Note($"{zoneId}: LOCK entry refused by backups: {reason}");
            return;
        }
        var device = body.Order.Device;
        var to = _world.ZoneIndex(body.Order.ToZone);
        if (_locks.TryGetValue(device, out var held))
        {
            // A repeated LOCK (a new primary, a gateway that missed the notice): the same receipt again.
            if (held.From == zone && held.To == to && held.Timestamp == body.Order.Timestamp) Notify(zone, held.Receipt, held.Seq, SystemBatch(zone, commit, adopt: false));
            else Refuse(zone, body, $"{device} is locked towards {_world.ZoneId(held.To)}", SystemBatch(zone, commit, adopt: false));
            return;
        }
        if (_owner[device] != zone)
        {
            Refuse(zone, body, $"{device} is owned by {_world.ZoneId(_owner[device])}", SystemBatch(zone, commit, adopt: false));
            return;
        }
        var count = _historyCount[device] = _historyCount.GetValueOrDefault(device) + 1 + (ulong)_random.Next(5);
        var receipt = new MigrationReceipt
        {
            Device = device, Ballot = body.Ballot, Adopt = false, Applied = true, FromZone = zoneId, ToZone = body.Order.ToZone, Slot = body.Slot,
            HistoryDigest = ByteString.CopyFrom(GlobalWorld.Digest($"history|{device}|{count}")), HistoryCount = count,
        };
        var seq = SystemBatch(zone, commit, adopt: false);
        _locks[device] = new Lock(zone, to, receipt, seq, body.Order.Timestamp);
        LocksDecided++;
        Notify(zone, receipt, seq, seq);
    }

    private void Refuse(int zone, GlobalStep body, string reason, ulong seq)
    {
        EntriesRefused++;
        var receipt = new MigrationReceipt { Device = body.Order.Device, Ballot = body.Ballot, Adopt = body.Kind == GlobalStepKind.GlobalStepHistory, Applied = false, Reason = reason, FromZone = body.Order.FromZone, ToZone = body.Order.ToZone, Slot = body.Slot };
        Notify(zone, receipt, seq, seq);
    }

    private void DecideAdopt(int zone, CertifiedStep history)
    {
        var zoneId = _world.ZoneId(zone);
        if (!StepCertificates.TryVerifyAdopt(history, _world.Registry, zoneId, out var body, out var reason, _world.EndorsementCheck.Check))
        {
            InvalidEntries++;
            _world.Note($"{zoneId}: ADOPT entry refused by backups: {reason}");
            return;
        }
        var device = body.Device;
        if (!_locks.TryGetValue(device, out var held))
        {
            var repeated = SystemBatch(zone, history, adopt: true);
            if (_lastAdopt.TryGetValue(device, out var last) && _owner[device] == zone && last.Timestamp == body.Order.Timestamp)
            {
                Notify(zone, last.Receipt, repeated, repeated);
                RespondTo(device, last.Timestamp);
            }
            else Refuse(zone, body, $"{device} is not locked", repeated);
            return;
        }
        if (held.To != zone || Ballots.Compare(held.Receipt.Ballot, body.Ballot) != 0 || held.Receipt.HistoryDigest != body.HistoryDigest || held.Receipt.HistoryCount != body.HistoryCount)
        {
            Refuse(zone, body, "the HISTORY differs from the lock", SystemBatch(zone, history, adopt: true));
            return;
        }
        foreach (var check in _world.Checks) check.OnOwnershipMoved(device, held.From, zone, body.Order);
        _locks.Remove(device);
        _owner[device] = zone;
        AdoptsDecided++;
        var receipt = new MigrationReceipt
        {
            Device = device, Ballot = body.Ballot, Adopt = true, Applied = true, FromZone = body.Order.FromZone, ToZone = zoneId, Slot = body.Slot,
            HistoryDigest = body.HistoryDigest, HistoryCount = body.HistoryCount,
        };
        _lastAdopt[device] = (receipt, body.Order.Timestamp);
        _adopted.Add((device, body.Order.Timestamp));
        var adoptSeq = SystemBatch(zone, history, adopt: true);
        Notify(zone, receipt, adoptSeq, adoptSeq);
        RespondTo(device, body.Order.Timestamp);
    }

    private void RespondTo(string device, ulong timestamp)
    {
        var node = _world.Devices.First(d => d.Id == device);
        _world.Send(NodeId.Verifier, node.CurrentZone, node.NodeId, node.CurrentZone, MessageKind.Response, GlobalWorld.Digest($"{device}|{timestamp}"), _ => node.OnAdopted(timestamp));
    }

    /// <summary>
    /// The DECIDED notice of batch <paramref name="decided"/> to every gateway of the zone: (k, D_k), and the
    /// receipt of its LOCK or ADOPT entry if any (<paramref name="lockSeq"/>: the LOCK's sequence number,
    /// the first one's for a repeated LOCK).
    /// </summary>
    private void Notify(int zone, MigrationReceipt? receipt, ulong lockSeq, ulong decided)
    {
        if (receipt is not null)
            _world.Trace.Record(new TraceEntry(_world.Clock.NowMs, TraceKind.Decide, default, default, MessageKind.Notice, (long)decided, receipt.Adopt ? 1 : 0,
                $"{_world.ZoneId(zone)} {(receipt.Adopt ? "ADOPT" : "LOCK")} {receipt.Device} {(receipt.Applied ? "applied" : "refused: " + receipt.Reason)}"));
        var digest = _chains[zone][(int)decided];
        _committed.Remove((zone, decided), out var committed);
        foreach (var gateway in _world.ZoneGateways[zone])
        {
            var g = gateway;
            var missed = _world.Phase == SimPhase.Safety && _world.Setup.DropRate > 0 && _local.NextDouble() < _world.Setup.DropRate;
            if (missed) DigestsMissed++;
            // A local batch's notice draws its delay from the local stream; a LOCK/ADOPT's from the model's, as before.
            _world.At(_world.Clock.NowMs + 1 + (receipt is null ? _local : _random).Next(5), () =>
            {
                if (committed is not null) g.OnZoneCommitted(decided, committed);
                if (!missed) g.OnZoneDecided(decided, digest);
                if (receipt is null) return;
                if (receipt.Adopt) g.OnAdopted(receipt);
                else g.OnLockPoint(lockSeq, receipt);
            });
        }
    }
}
