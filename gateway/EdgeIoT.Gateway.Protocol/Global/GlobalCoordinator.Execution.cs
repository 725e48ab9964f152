using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// Execution in slot order (a COMMIT whose slot's predecessor is not executed waits, and the gateway
/// asks for it), then the data migration of Algorithm 2: LOCK in the source zone, HISTORY endorsed at
/// the lock point and sent to the destination, ADOPT there.
/// </summary>
public sealed partial class GlobalCoordinator
{
    private sealed record DecidedSlot(CertifiedStep Step, GlobalStep Body);

    private readonly Dictionary<ulong, DecidedSlot> _decided = [];
    private readonly SortedDictionary<ulong, DecidedSlot> _commits = [];

    private void Decide(CertifiedStep step, GlobalStep body)
    {
        if (body.Slot <= LastExecuted)
        {
            if (_commits.TryGetValue(body.Slot, out var executed) && !executed.Body.Order.Equals(body.Order)) Conflict(body, executed.Body);
            return;
        }
        if (body.Slot > LastExecuted + (ulong)_options.SlotWindowMax)
        {
            Reject($"COMMIT of slot {body.Slot} is beyond the window");
            QueryMissing(body.Ballot.Zone);
            return;
        }
        if (_decided.TryGetValue(body.Slot, out var known))
        {
            if (!known.Body.Order.Equals(body.Order)) Conflict(body, known.Body);
            return;
        }
        _decided[body.Slot] = new DecidedSlot(step, body);
        while (_decided.Remove(LastExecuted + 1, out var next)) Execute(next);
        // A COMMIT overtaking its predecessor is the pipeline's normal case while the predecessor's slot is
        // open here and young (decision Z6).
        if (_decided.Count > 0 && Behind()) QueryMissing(body.Ballot.Zone);
    }

    /// <summary>Two certified COMMITs of one slot with different orders: impossible unless more than f gateways of a zone lied, or a quorum was too small.</summary>
    private void Conflict(GlobalStep body, GlobalStep known)
    {
        Metrics.ConflictingCommits++;
        Reject($"CONFLICT: slot {body.Slot} committed {known.Order.Device}@{known.Order.Timestamp} under {Key(known.Ballot)} and {body.Order.Device}@{body.Order.Timestamp} under {Key(body.Ballot)}");
    }

    private void Execute(DecidedSlot decided)
    {
        var (step, body) = decided;
        var order = body.Order;
        var (allowed, reason, detail) = _metadata.Execute(body.Slot, body.Ballot, order);
        LastExecuted = body.Slot;
        _commits[body.Slot] = decided;
        while (_commits.Count > _options.RememberedSlotsMax) _commits.Remove(_commits.Keys.First());
        foreach (var slot in _slots.Keys.TakeWhile(s => s <= LastExecuted).ToList()) _slots.Remove(slot);
        foreach (var key in _usedN.Keys.Where(s => s <= LastExecuted).ToList()) _usedN.Remove(key);
        var floor = LastExecuted > (ulong)_options.RememberedSlotsMax ? LastExecuted - (ulong)_options.RememberedSlotsMax : 0;
        foreach (var key in _endorsed.Keys.Where(k => k.Slot < floor).ToList()) _endorsed.Remove(key);
        foreach (var key in _requested.Keys.Where(k => k.Slot <= LastExecuted && (k.Kind != GlobalStepKind.GlobalStepHistory || k.Slot < floor)).ToList()) _requested.Remove(key);
        _ready.Persist.Add(new GlobalPersist.Executed(body.Slot, step));
        _ready.Executed.Add(new ExecutedGlobal(body.Slot, body.Ballot, order, allowed, allowed ? "allowed" : $"refused: {reason}", _metadata.Digest()));
        Metrics.Executed++;
        if (allowed) Metrics.Allowed++;
        else Metrics.Refused++;
        ForgetRequests(order.Device, order.Timestamp);
        _attempts.Remove(body.Slot);
        _backoffUntilTick = 0; // a back-off waits for the slot it lost; the next slot is free
        if (!allowed)
        {
            if (reason != "duplicate" && MigrationRequests.InitiatorZone(_registry, order.ToZone) == Zone)
                _ready.DeviceRefusals.Add(new DeviceRefusal(order.Device, order.Timestamp, Sha256Digest.Of(order.Request.Span), reason, detail));
            return;
        }
        if (order.ToZone == Zone)
        {
            _metadata.Lock(order.Device);
            _incoming[order.Device] = new Incoming(body.Slot, order, _tick);
            if (_earlyAdopts.Remove(order.Device, out var adopted) && adopted.Slot == body.Slot && adopted.FromZone == order.FromZone)
            {
                // This gateway executes late: the destination adopted the device already.
                _incoming.Remove(order.Device);
                _metadata.Unlock(order.Device);
            }
            else if (_histories.Remove(order.Device, out var early)) OnHistory(early.Step, early.Body);
        }
        if (order.FromZone == Zone)
        {
            _metadata.Lock(order.Device);
            var outgoing = new Outgoing(body.Slot, order, step, _tick) { Deferred = _incoming.ContainsKey(order.Device) };
            _outgoing[order.Device] = outgoing;
            if (_earlyLocks.Remove(order.Device, out var locked) && locked.Receipt.Slot == body.Slot && locked.Receipt.ToZone == order.ToZone)
            {
                outgoing.Deferred = false;
                outgoing.Receipt = locked.Receipt;
                outgoing.LockSeq = locked.Seq;
                outgoing.ReceiptTick = _tick;
            }
            else if (!outgoing.Deferred) EmitLock(outgoing);
        }
    }

    // ---- Data migration (Algorithm 2) ----

    private sealed class Outgoing(ulong slot, MigrationOrder order, CertifiedStep commit, long tick)
    {
        public ulong Slot { get; } = slot;
        public MigrationOrder Order { get; } = order;
        public CertifiedStep Commit { get; } = commit;
        public long LockRequestTick { get; set; } = tick;
        public EntryOrdering Ordering { get; } = new(tick);
        /// <summary>The device is still on its way into this zone: LOCK waits for its ADOPT.</summary>
        public bool Deferred { get; set; }
        public MigrationReceipt? Receipt { get; set; }
        public ulong LockSeq { get; set; }
        public long ReceiptTick { get; set; }
        public CertifiedStep? History { get; set; }
    }

    private sealed class Incoming(ulong slot, MigrationOrder order, long tick)
    {
        public ulong Slot { get; } = slot;
        public MigrationOrder Order { get; } = order;
        public long LastQueryTick { get; set; } = tick;
        public CertifiedStep? History { get; set; }
        public long AdoptRequestTick { get; set; }
        public EntryOrdering Ordering { get; } = new(tick);
    }

    private readonly Dictionary<string, Outgoing> _outgoing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Incoming> _incoming = new(StringComparer.Ordinal);
    /// <summary>HISTORY steps that arrived before this gateway executed their migration (one per registered device).</summary>
    private readonly Dictionary<string, DecidedSlot> _histories = new(StringComparer.Ordinal);
    /// <summary>Certified HISTORY of finished outgoing migrations, to answer late queries (one per device).</summary>
    private readonly Dictionary<string, CertifiedStep> _sentHistories = new(StringComparer.Ordinal);

    /// <summary>Receipts that arrived before this gateway executed their migration (it lags): applied when it does. One per registered device.</summary>
    private readonly Dictionary<string, (ulong Seq, MigrationReceipt Receipt)> _earlyLocks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MigrationReceipt> _earlyAdopts = new(StringComparer.Ordinal);

    private void EmitLock(Outgoing outgoing)
    {
        outgoing.LockRequestTick = _tick;
        Metrics.LockRequests++;
        _ready.LockRequests.Add(new LockRequest(outgoing.Order.Device, outgoing.Slot, outgoing.Commit));
    }

    /// <summary>
    /// Source zone: the verifier decided this zone's LOCK entry at sequence <paramref name="lockSeq"/>
    /// (the receipt from its signed DECIDED notice). The zone then endorses the HISTORY step.
    /// </summary>
    public void OnLockPoint(ulong lockSeq, MigrationReceipt receipt)
    {
        if (receipt.Adopt || receipt.FromZone != Zone) Reject($"lock receipt for {receipt.Device} is not a LOCK of zone {Zone}");
        else if (!_outgoing.TryGetValue(receipt.Device, out var outgoing) || outgoing.Slot != receipt.Slot || outgoing.Order.ToZone != receipt.ToZone)
        {
            // A receipt of a slot not executed here yet is early; one of an executed slot is a repeat of a
            // finished migration (a re-announced or duplicated notice) and must not stand in for a later
            // migration of the device — under a stable leader its ballot would even match.
            if (receipt.Applied && receipt.Slot > LastExecuted && _registry.TryGetDevice(receipt.Device, out _)) _earlyLocks[receipt.Device] = (lockSeq, receipt);
        }
        else if (!receipt.Applied) Reject($"the verifier refused the LOCK of {receipt.Device}: {receipt.Reason}");
        else if (outgoing.Receipt is null)
        {
            outgoing.Receipt = receipt;
            outgoing.LockSeq = lockSeq;
            outgoing.ReceiptTick = _tick;
        }
        Drive();
    }

    /// <summary>Destination zone: the verifier decided the ADOPT entry; this zone serves the device from now on.</summary>
    public void OnAdopted(MigrationReceipt receipt)
    {
        if (!receipt.Adopt || receipt.ToZone != Zone) Reject($"adopt receipt for {receipt.Device} is not an ADOPT of zone {Zone}");
        else if (!receipt.Applied) Reject($"the verifier refused the ADOPT of {receipt.Device}: {receipt.Reason}");
        else if (!_incoming.TryGetValue(receipt.Device, out var incoming) || incoming.Slot != receipt.Slot || incoming.Order.FromZone != receipt.FromZone)
        {
            // As for LOCK receipts: early only when its slot is still to execute here.
            if (receipt.Slot > LastExecuted && _registry.TryGetDevice(receipt.Device, out _)) _earlyAdopts[receipt.Device] = receipt;
        }
        else if (_incoming.Remove(receipt.Device))
        {
            if (!(_outgoing.TryGetValue(receipt.Device, out var outgoing) && outgoing.Deferred)) _metadata.Unlock(receipt.Device);
            if (outgoing is { Deferred: true })
            {
                outgoing.Deferred = false;
                outgoing.Ordering.Begin(_tick);
                EmitLock(outgoing);
            }
        }
        Drive();
    }

    private void DriveHistory()
    {
        foreach (var outgoing in _outgoing.Values)
        {
            if (outgoing.Receipt is not { } receipt || outgoing.History is not null) continue;
            RequestEndorsement(new GlobalStep
            {
                Kind = GlobalStepKind.GlobalStepHistory, Slot = outgoing.Slot, Ballot = receipt.Ballot,
                RequestDigest = ByteString.CopyFrom(MigrationRequests.Digest(outgoing.Order).ToArray()), Order = outgoing.Order,
                Device = receipt.Device, HistoryDigest = receipt.HistoryDigest, HistoryCount = receipt.HistoryCount, LockSeq = outgoing.LockSeq,
            }, []);
        }
    }

    private void OnHistory(CertifiedStep step, GlobalStep body)
    {
        if (body.Zone == Zone)
        {
            if (_outgoing.Remove(body.Device, out var outgoing) && outgoing.Slot == body.Slot)
            {
                Metrics.HistoriesCertified++;
                _metadata.Unlock(body.Device);
                _sentHistories[body.Device] = step;
                if (_sentHistories.Count > _registry.Devices.Count) _sentHistories.Remove(_sentHistories.Keys.First());
            }
            else if (outgoing is not null) _outgoing[body.Device] = outgoing;
            return;
        }
        if (body.Order.ToZone != Zone) { Reject($"HISTORY of {body.Device} is for {body.Order.ToZone}, not {Zone}"); return; }
        if (!_incoming.TryGetValue(body.Device, out var incoming) || incoming.Slot != body.Slot)
        {
            if (body.Slot > LastExecuted && _registry.TryGetDevice(body.Device, out _)) _histories[body.Device] = new DecidedSlot(step, body);
            return;
        }
        if (incoming.History is not null) return;
        incoming.History = step;
        incoming.Ordering.Begin(_tick);
        EmitAdopt(incoming);
    }

    private void EmitAdopt(Incoming incoming)
    {
        incoming.AdoptRequestTick = _tick;
        Metrics.AdoptRequests++;
        _ready.AdoptRequests.Add(new AdoptRequest(incoming.Order.Device, incoming.Slot, incoming.History!));
    }
}
