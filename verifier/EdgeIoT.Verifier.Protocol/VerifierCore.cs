using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>
/// The verifier role (serverlessbft §4.4, Fig. 3 lines 21-35), pure: no I/O, no threads, no clock.
/// It counts matching VERIFY messages per (zone, k); once f_E+1 executors agree and k = k_max, it
/// re-checks every read version against committed state (ccheck), decides each transaction
/// (committed, aborted, rejected) and emits the decided batch for the host to persist atomically.
/// Later sequence numbers wait in their slots (the list π) until their turn.
///
/// Contract with the host (etcd raft's Ready/Advance): after <see cref="TakeReady"/> the host
/// persists every returned batch, applies it to <see cref="ICommittedState"/>, then calls
/// <see cref="Advance"/>. Until then the core reads its own overlay of unpersisted decisions.
/// </summary>
public sealed partial class VerifierCore
{
    /// <summary>Reason of a log entry that repeats an already decided transaction; its device hears the original decision instead.</summary>
    public const string DuplicateReasonPrefix = "duplicate of ";

    private readonly NetworkRegistry _registry;
    private readonly ICommittedState _state;
    private readonly Dictionary<string, ZoneProgress> _zones = new(StringComparer.Ordinal);
    private readonly int _matchQuorum;
    private readonly bool _unsafeSkipLock;

    // Decisions taken but not yet persisted by the host (cleared by Advance).
    private readonly Dictionary<string, StoredValue> _unpersistedWrites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _unpersistedTimestamps = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Device, ulong Timestamp), DecidedEntry> _unpersistedEntries = new();
    private readonly Dictionary<string, DeviceOwnership> _unpersistedOwnership = new(StringComparer.Ordinal);
    private readonly List<DecidedBatch> _ready = [];
    private bool _awaitingAdvance;
    private long _tick;

    /// <param name="unsafeMatchQuorum">Testing only: accept this many matching VERIFY instead of f_E+1
    /// (the simulator's <c>--unsafe verifier-quorum</c>); 0 means the safe quorum.</param>
    /// <param name="unsafeSkipLock">Testing only: a locked device's source zone keeps committing its
    /// transactions (the simulator's <c>--unsafe skip-lock</c>).</param>
    public VerifierCore(NetworkRegistry registry, ICommittedState state, int unsafeMatchQuorum = 0, bool unsafeSkipLock = false)
    {
        _unsafeSkipLock = unsafeSkipLock;
        _registry = registry;
        _state = state;
        _matchQuorum = unsafeMatchQuorum > 0 ? unsafeMatchQuorum : registry.Executors.MatchQuorum;
        for (var i = 0; i < registry.Zones.Count; i++)
        {
            var zone = registry.Zones[i];
            _zones[zone.Id] = new ZoneProgress(zone.Id, i, state.NextSeq(zone.Id), state.ZoneDigest(zone.Id));
        }
    }

    public VerifierMetrics Metrics { get; } = new();

    /// <summary>k_max of a zone: the next sequence number to decide. Safe to read from other threads
    /// for cheap pre-filtering of floods (a stale value only means a little wasted work).</summary>
    public ulong NextSeq(string zone) => _zones.TryGetValue(zone, out var progress) ? Volatile.Read(ref progress.NextSeq) : 0;

    public VoteVerdict OnVerify(VerifyVote vote)
    {
        AssertNotAwaitingAdvance();
        if (!_zones.TryGetValue(vote.Zone, out var zone)) return VoteVerdict.UnknownZone;
        if (vote.Seq < zone.NextSeq)
        {
            // Decided already: flooding by re-spawned executors (§5.3 F1-F3) costs one comparison.
            Metrics.VotesForDecided++;
            return VoteVerdict.AlreadyDecided;
        }
        if (vote.Seq >= zone.NextSeq + (ulong)_registry.Protocol.VerifierPendingMax)
        {
            Metrics.VotesTooFarAhead++;
            return VoteVerdict.TooFarAhead;
        }
        if (!zone.Slots.TryGetValue(vote.Seq, out var slot))
            zone.Slots[vote.Seq] = slot = new SequenceSlot(vote.Seq, _tick);
        if (!slot.TryAdd(vote, _matchQuorum))
        {
            Metrics.DuplicateVotes++;
            return VoteVerdict.DuplicateExecutor;
        }
        Metrics.VotesCounted++;
        if (slot.Matched is null && slot.AbortReason is null && slot.VoteCount == _registry.Executors.Members.Count)
        {
            // Every executor answered and no f_E+1 agree: nothing more can arrive, so stop waiting
            // (§6.4: the timer stops once VERIFY came from all n_E) and abort the batch, which needs at
            // least 2f_E+1 VERIFY (§6.4.1) — always true here since n_E >= 2f_E+1.
            var batch = slot.BatchAgreedBy(_matchQuorum);
            if (batch is not null)
            {
                slot.AbortReason = $"no {_matchQuorum} of the {slot.VoteCount} executors agreed on the results";
                slot.AbortBatch = batch;
            }
        }
        var before = zone.NextSeq;
        DecideInOrder(zone);
        return zone.NextSeq > before ? VoteVerdict.Decided : VoteVerdict.Counted;
    }

    /// <summary>Batches decided since the last call, in decision order. The host must persist them and call <see cref="Advance"/>.</summary>
    public IReadOnlyList<DecidedBatch> TakeReady()
    {
        if (_ready.Count == 0) return [];
        var batches = _ready.ToArray();
        _ready.Clear();
        _awaitingAdvance = true;
        return batches;
    }

    /// <summary>The host persisted and applied every batch returned by <see cref="TakeReady"/>.</summary>
    public void Advance()
    {
        if (_ready.Count > 0)
            throw new InvalidOperationException("Advance called with decided batches not yet taken: the host would lose them");
        _unpersistedWrites.Clear();
        _unpersistedTimestamps.Clear();
        _unpersistedEntries.Clear();
        _unpersistedOwnership.Clear();
        _awaitingAdvance = false;
    }

    private void AssertNotAwaitingAdvance()
    {
        if (_awaitingAdvance)
            throw new InvalidOperationException("input stepped into the verifier core between TakeReady and Advance: decisions would be read from a half-applied state");
    }

    public bool HasUnpersisted => _awaitingAdvance || _ready.Count > 0;

    private void DecideInOrder(ZoneProgress zone)
    {
        while (zone.Slots.TryGetValue(zone.NextSeq, out var slot) && (slot.Matched is not null || slot.AbortReason is not null))
        {
            if (!TryDecide(zone, slot)) return;
            zone.Slots.Remove(slot.Seq);
            Volatile.Write(ref zone.NextSeq, zone.NextSeq + 1);
        }
    }

    private bool TryDecide(ZoneProgress zone, SequenceSlot slot)
    {
        if (slot.Matched is null && slot.AbortBatch is { } aborted) return DecideAborted(zone, slot, aborted, slot.AbortReason!);
        var vote = slot.Matched;
        if (vote is null) return false;
        var batch = vote.Message.Batch;
        Outcomes outcomes;
        try
        {
            outcomes = Outcomes.Parser.ParseFrom(vote.Message.Outcomes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            outcomes = new Outcomes();
        }
        var txDigests = batch is null ? [] : Batches.TxDigests(batch);
        if (batch is null || outcomes.Items.Count != batch.Txs.Count || !OutcomesNameTheirTransactions(outcomes, txDigests))
        {
            // f_E+1 executors agreeing on garbage means more than f_E are byzantine; refuse to apply
            // it and wait for a well-formed quorum instead.
            Metrics.MalformedQuorums++;
            slot.Discard(vote.MatchKey);
            return false;
        }

        var entries = new List<DecidedEntry>(outcomes.Items.Count);
        var writes = new List<AppliedWrite>();
        var timestamps = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var resends = new List<DecidedEntry>();
        var ownership = new Dictionary<string, DeviceOwnership>(StringComparer.Ordinal);
        var migrations = new List<MigrationReceipt>();
        for (var position = 0; position < outcomes.Items.Count; position++)
        {
            var outcome = outcomes.Items[position];
            var raw = batch.Txs[position].ToByteArray();
            // System entries are read from the certified batch itself, whatever the executors said of them.
            DecidedEntry? original = null;
            var entry = Core.Execution.SystemEntries.IsSystem(raw)
                ? DecideSystem(zone, slot.Seq, position, txDigests[position], raw, timestamps, ownership, migrations)
                : DecideOne(zone, slot.Seq, position, outcome, txDigests[position], raw, writes, timestamps, ownership, out original);
            entries.Add(entry);
            if (original is not null) resends.Add(original);
        }
        var decided = new DecidedBatch(zone.Zone, slot.Seq, vote.BatchDigest, entries, writes, timestamps, resends)
        {
            Ownership = ownership, Migrations = migrations, ZoneDigest = ChainDecided(zone, slot.Seq, txDigests, entries),
        };
        _ready.Add(decided);
        AcknowledgeDecided(decided);
        Metrics.BatchesDecided++;
        return true;
    }

    /// <summary>
    /// Aborts every transaction of a batch the executors could not agree on (§6.4.1). Device and
    /// timestamp come from the transactions themselves — certified by the shim — not from any
    /// executor's claims. An aborted transaction consumes its timestamp: the device was told "aborted"
    /// and must never see it applied later.
    /// </summary>
    private bool DecideAborted(ZoneProgress zone, SequenceSlot slot, VerifyVote vote, string reason)
    {
        var batch = vote.Message.Batch;
        if (batch is null) return false;
        var txDigests = Batches.TxDigests(batch);
        var entries = new List<DecidedEntry>(batch.Txs.Count);
        var timestamps = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var resends = new List<DecidedEntry>();
        for (var position = 0; position < batch.Txs.Count; position++)
        {
            var raw = batch.Txs[position].ToByteArray();
            if (!DeviceTransaction.TryDecode(raw, _registry, _registry.Protocol.MaxTxBytes, out var tx, out var rejection, verifySignature: false))
            {
                Metrics.Rejected++;
                entries.Add(new DecidedEntry(zone.Zone, slot.Seq, position, "", 0, txDigests[position], TxStatus.Rejected, "", rejection.ToString(), raw));
                continue;
            }
            if (StaleTimestamp(zone, slot.Seq, position, tx.DeviceId, tx.Timestamp, txDigests[position], raw, out var original) is { } stale)
            {
                entries.Add(stale);
                if (original is not null) resends.Add(original);
                continue;
            }
            Metrics.Aborted++;
            SetTimestamp(tx.DeviceId, tx.Timestamp, timestamps);
            var entry = new DecidedEntry(zone.Zone, slot.Seq, position, tx.DeviceId, tx.Timestamp, txDigests[position], TxStatus.Aborted, "", reason, raw);
            _unpersistedEntries[(entry.Device, entry.Timestamp)] = entry;
            entries.Add(entry);
        }
        var abortedBatch = new DecidedBatch(zone.Zone, slot.Seq, vote.BatchDigest, entries, [], timestamps, resends)
        {
            ZoneDigest = ChainDecided(zone, slot.Seq, txDigests, entries),
        };
        _ready.Add(abortedBatch);
        AcknowledgeDecided(abortedBatch);
        Metrics.BatchesDecided++;
        Metrics.BatchesAbortedWithoutQuorum++;
        return true;
    }

    private DecidedEntry DecideOne(ZoneProgress zone, ulong seq, int position, TxOutcome outcome, Bytes32 txDigest, byte[] raw,
        List<AppliedWrite> writes, Dictionary<string, ulong> timestamps, Dictionary<string, DeviceOwnership> ownership, out DecidedEntry? original)
    {
        original = null;
        DecidedEntry Entry(TxStatus status, string result, string reason) =>
            new(zone.Zone, seq, position, outcome.Device, outcome.Timestamp, txDigest, status, result, reason, raw);

        if (outcome.Status != TxStatus.Committed)
        {
            // A copy of a transaction already decided (executors refuse stale copies, D18): its device
            // must hear only the original decision, never a contradicting "rejected".
            if (Identifiers.IsValid(outcome.Device) && TryFindDecided(outcome.Device, outcome.Timestamp, out var earlier) && earlier.TxDigest == txDigest)
            {
                Metrics.Duplicates++;
                original = earlier;
                return Entry(TxStatus.Rejected, "", $"{DuplicateReasonPrefix}{earlier.Zone}/{earlier.Seq}/{earlier.Position}");
            }
            Metrics.Rejected++;
            return Entry(TxStatus.Rejected, "", string.IsNullOrEmpty(outcome.Reason) ? "rejected by the executors" : outcome.Reason);
        }
        if (!Identifiers.IsValid(outcome.Device) || outcome.Timestamp == 0)
        {
            Metrics.Rejected++;
            return Entry(TxStatus.Rejected, "", "executors proposed a commit without the transaction's device and timestamp");
        }

        if (StaleTimestamp(zone, seq, position, outcome.Device, outcome.Timestamp, txDigest, raw, out original) is { } stale) return stale;

        // Ziziphus §3.1: a zone commits only its own, unlocked devices' transactions; this is where the
        // lock point is exact, since each zone's batches are decided in k order (docs/zones.md).
        if (OwnershipProblem(zone.Zone, outcome.Device) is { } notHere)
        {
            Metrics.Aborted++;
            Metrics.WrongZone++;
            SetTimestamp(outcome.Device, outcome.Timestamp, timestamps);
            var refused = Entry(TxStatus.Aborted, "", notHere);
            _unpersistedEntries[(refused.Device, refused.Timestamp)] = refused;
            return refused;
        }

        // ccheck (Fig. 3 lines 30-32): every read must still be current.
        foreach (var read in outcome.Reads)
        {
            var current = Get(read.Key);
            if (current.Found != read.Found || current.Version != read.Version)
            {
                Metrics.Aborted++;
                SetTimestamp(outcome.Device, outcome.Timestamp, timestamps);
                var aborted = Entry(TxStatus.Aborted, "", $"stale read of {read.Key}: executed against version {KeyVersion.Describe(read.Version)}, now {KeyVersion.Describe(current.Version)}");
                _unpersistedEntries[(aborted.Device, aborted.Timestamp)] = aborted;
                return aborted;
            }
        }

        var version = KeyVersion.Of(zone.ZoneIndex, seq, position);
        foreach (var write in outcome.Writes)
        {
            var value = write.Deleted ? null : write.Value;
            writes.Add(new AppliedWrite(write.Key, value, version));
            _unpersistedWrites[write.Key] = new StoredValue(!write.Deleted, value, version);
        }
        SetTimestamp(outcome.Device, outcome.Timestamp, timestamps);
        AppendHistory(outcome.Device, txDigest, ownership);
        Metrics.Committed++;
        var committed = Entry(TxStatus.Committed, outcome.Result, "");
        _unpersistedEntries[(committed.Device, committed.Timestamp)] = committed;
        return committed;
    }

    /// <summary>
    /// Exactly-once: a device's timestamps strictly increase across decided transactions. Returns the
    /// rejected entry for a transaction at or below the device's last decided timestamp — as a
    /// duplicate (its device hears the first decision again) when the same transaction was decided
    /// before — or null when the timestamp is fresh.
    /// </summary>
    private DecidedEntry? StaleTimestamp(ZoneProgress zone, ulong seq, int position, string device, ulong timestamp, Bytes32 txDigest, byte[] raw, out DecidedEntry? original)
    {
        original = null;
        var last = LastTimestamp(device);
        if (timestamp > last) return null;
        if (TryFindDecided(device, timestamp, out var earlier) && earlier.TxDigest == txDigest)
        {
            Metrics.Duplicates++;
            original = earlier;
            return new DecidedEntry(zone.Zone, seq, position, device, timestamp, txDigest, TxStatus.Rejected, "", $"{DuplicateReasonPrefix}{earlier.Zone}/{earlier.Seq}/{earlier.Position}", raw);
        }
        Metrics.Rejected++;
        return new DecidedEntry(zone.Zone, seq, position, device, timestamp, txDigest, TxStatus.Rejected, "",
            new Rejection(RejectReason.StaleTimestamp, $"timestamp {timestamp} is not above the device's last decided timestamp {last}").ToString(), raw);
    }

    /// <summary>
    /// D_k of the zone's decided-history chain (docs/zones.md decision Z4): what its lazy checkpoints carry.
    /// Computed with the decision, so the host stores it in the same SQL transaction as the batch.
    /// </summary>
    private static Bytes32 ChainDecided(ZoneProgress zone, ulong seq, Bytes32[] txDigests, List<DecidedEntry> entries)
    {
        zone.Digest = ZoneHistoryChain.Next(zone.Digest, seq, entries.Select((entry, position) => (txDigests[position], entry.Status)));
        return zone.Digest;
    }

    private static bool OutcomesNameTheirTransactions(Outcomes outcomes, Bytes32[] txDigests)
    {
        for (var i = 0; i < txDigests.Length; i++)
            if (!Bytes32.TryCreate(outcomes.Items[i].TxDigest.Span, out var digest) || digest != txDigests[i])
                return false;
        return true;
    }

    private void SetTimestamp(string device, ulong timestamp, Dictionary<string, ulong> batchTimestamps)
    {
        _unpersistedTimestamps[device] = timestamp;
        batchTimestamps[device] = timestamp;
    }

    private StoredValue Get(string key) => _unpersistedWrites.TryGetValue(key, out var value) ? value : _state.Get(key);

    private ulong LastTimestamp(string device) =>
        _unpersistedTimestamps.TryGetValue(device, out var timestamp) ? timestamp : _state.LastTimestamp(device);

    private bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry) =>
        _unpersistedEntries.TryGetValue((device, timestamp), out entry!) || _state.TryFindDecided(device, timestamp, out entry);

    /// <summary>Advances the core's clock by one tick.</summary>
    public void Tick()
    {
        AssertNotAwaitingAdvance();
        _tick++;
        OnTickTimers();
    }

    private sealed class ZoneProgress(string zone, int zoneIndex, ulong nextSeq, Bytes32 digest)
    {
        public readonly string Zone = zone;
        public readonly int ZoneIndex = zoneIndex;
        public ulong NextSeq = nextSeq;
        /// <summary>D_{NextSeq-1}: the zone's decided-history chain so far.</summary>
        public Bytes32 Digest = digest;
        public readonly Dictionary<ulong, SequenceSlot> Slots = new();
    }
}

/// <summary>Counters an operator reads from /v1/status.</summary>
public sealed class VerifierMetrics
{
    public long VotesCounted, VotesForDecided, VotesTooFarAhead, DuplicateVotes, MalformedQuorums;
    public long BatchesDecided, BatchesAbortedWithoutQuorum, Committed, Aborted, Rejected, Duplicates;
    public long Complaints, Replacements;
    public long WrongZone, DevicesLocked, DevicesAdopted, MigrationEntriesRefused;
}
