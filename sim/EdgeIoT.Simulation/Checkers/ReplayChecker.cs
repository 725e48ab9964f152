using EdgeIoT.Applications;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// The verifier's state equals a sequential replay of its committed log from the applications'
/// initial state. A reference model, written independently of the verifier and the executors,
/// replays every decided batch in (zone, k, position) order with the real applications: a committed
/// transaction must be valid, fresh (its device's timestamp not yet decided) and give exactly the
/// result and writes the verifier applied; a transaction that must be rejected must not commit or
/// abort; a valid fresh one may commit or abort (executors may have read stale values), never be
/// rejected. The model's rows (values and versions) and device timestamps are compared with the
/// verifier's storage every <see cref="CompareEveryBatches"/> decisions and at the end of each phase.
/// </summary>
public sealed class ReplayChecker : Checker
{
    public const int CompareEveryBatches = 32;
    private readonly ApplicationSet _applications;
    private readonly Dictionary<string, StoredValue> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _lastTimestamp = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Device, ulong Timestamp), Bytes32> _decided = new();
    private readonly Dictionary<Bytes32, DeviceTransaction?> _decoded = new();
    private long _sinceCompare;

    public ReplayChecker(World world) : base(world)
    {
        _applications = new ApplicationSet(world.Registry.Applications);
        foreach (var (key, value) in _applications.InitialState()) _rows[key] = new StoredValue(true, value, 0);
    }

    public override string Name => "replay";
    public long Replayed { get; private set; }
    public long Comparisons { get; private set; }

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        var zoneIndex = World.ZoneIndex(batch.Zone);
        for (var position = 0; position < batch.Entries.Count; position++)
            Replay(batch, zoneIndex, position, batch.Entries[position]);
        if (++_sinceCompare >= CompareEveryBatches) CompareWithVerifier($"after zone {batch.Zone} k={batch.Seq}");
    }

    public override void OnSafetyPhaseEnd() => CompareWithVerifier("at the end of the safety phase");
    public override void AtEnd() => CompareWithVerifier("at the end of the run");

    private void Replay(DecidedBatch batch, int zoneIndex, int position, DecidedEntry entry)
    {
        Replayed++;
        var where = $"zone {batch.Zone} k={batch.Seq} pos={position}";
        if (Core.Execution.SystemEntries.IsSystem(entry.Tx))
        {
            // A zone's LOCK or ADOPT (docs/zones.md): it writes no rows; the zone-ownership checker follows it.
            if (entry.Status != TxStatus.System) throw Violation($"{where}: the verifier {entry.Status.ToString().ToLowerInvariant()} a system entry");
            // An applied ADOPT answers the migration request and consumes its timestamp.
            if (entry.Timestamp > LastTimestamp(entry.Device)) _lastTimestamp[entry.Device] = entry.Timestamp;
            return;
        }
        if (entry.Status == TxStatus.System) throw Violation($"{where}: the verifier treated a device transaction as a system entry");
        if (Sha256Digest.Of(entry.Tx) != entry.TxDigest) throw Violation($"{where}: the logged transaction does not match its digest");
        var tx = Decode(entry.Tx, entry.TxDigest);
        string? mustReject = null;
        if (tx is null) mustReject = "it does not decode or authenticate";
        else if (tx.Zone != batch.Zone) mustReject = $"it names zone {tx.Zone}";
        else if (!_applications.TryGet(tx.App, out _)) mustReject = $"application {tx.App} is not enabled";
        else if (tx.Timestamp <= LastTimestamp(tx.DeviceId))
            mustReject = _decided.TryGetValue((tx.DeviceId, tx.Timestamp), out var earlier) && earlier == entry.TxDigest
                ? $"it duplicates {tx.DeviceId}@{tx.Timestamp}, already decided"
                : $"timestamp {tx.Timestamp} is not above {tx.DeviceId}'s last decided {LastTimestamp(tx.DeviceId)}";
        if (mustReject is not null)
        {
            if (entry.Status != TxStatus.Rejected)
                throw Violation($"{where}: the verifier {entry.Status.ToString().ToLowerInvariant()} a transaction that must be rejected: {mustReject}");
            return;
        }

        var expected = Execute(tx!, out var writes);
        switch (entry.Status)
        {
            case TxStatus.Committed:
                if (expected is null)
                    throw Violation($"{where}: the verifier committed {tx} but the application rejects it");
                if (entry.Result != expected)
                    throw Violation($"{where}: the verifier committed {tx} with result {entry.Result}; replaying the log gives {expected}");
                var version = KeyVersion.Of(zoneIndex, batch.Seq, position);
                var applied = batch.Writes.Where(w => w.Version == version).Select(w => (w.Key, w.Value)).ToList();
                if (!applied.SequenceEqual(writes.Select(w => (w.Key, (string?)w.Value))))
                    throw Violation($"{where}: the verifier applied writes [{string.Join(", ", applied.Select(w => $"{w.Key}={w.Value}"))}] for {tx}; replaying gives [{string.Join(", ", writes.Select(w => $"{w.Key}={w.Value}"))}]");
                foreach (var (key, value) in writes) _rows[key] = new StoredValue(true, value, version);
                Consume(tx!, entry);
                break;
            case TxStatus.Aborted:
                Consume(tx!, entry);
                break;
            default:
                if (expected is not null)
                    throw Violation($"{where}: the verifier rejected {tx}, a valid transaction at a fresh timestamp ({entry.Reason})");
                break;
        }
    }

    private void Consume(DeviceTransaction tx, DecidedEntry entry)
    {
        _lastTimestamp[tx.DeviceId] = tx.Timestamp;
        _decided[(tx.DeviceId, tx.Timestamp)] = entry.TxDigest;
    }

    private ulong LastTimestamp(string device) => _lastTimestamp.TryGetValue(device, out var ts) ? ts : 0;

    private DeviceTransaction? Decode(byte[] raw, Bytes32 digest)
    {
        if (_decoded.TryGetValue(digest, out var known)) return known;
        if (_decoded.Count >= 100_000) _decoded.Clear();
        var registry = World.Registry;
        var tx = DeviceTransaction.TryDecode(raw, registry, registry.Protocol.MaxTxBytes, out var decoded, out _) ? decoded : null;
        _decoded[digest] = tx;
        return tx;
    }

    /// <summary>The application's result on the model's state, or null when it refuses the transaction.</summary>
    private string? Execute(DeviceTransaction tx, out List<(string Key, string Value)> writes)
    {
        _applications.TryGet(tx.App, out var application);
        var state = new ReplayTxState(_rows);
        writes = state.Writes;
        AppResult result;
        try
        {
            result = application.Execute(tx, state);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            return null;
        }
        return state.ExceededLimits || result.Rejection is not null ? null : result.ResultJson;
    }

    private void CompareWithVerifier(string when)
    {
        _sinceCompare = 0;
        Comparisons++;
        var stored = World.Verifier.State;
        foreach (var (key, value) in _rows)
        {
            var actual = stored.Get(key);
            if (actual != value)
                throw Violation($"{when}: the verifier stores {key} = {Describe(actual)}; a replay of the committed log gives {Describe(value)}");
        }
        foreach (var (key, value) in stored.Rows)
            if (!_rows.ContainsKey(key))
                throw Violation($"{when}: the verifier stores {key} = {Describe(value)}, which no committed transaction wrote");
        if (stored.Timestamps.Count != _lastTimestamp.Count || stored.Timestamps.Any(t => LastTimestamp(t.Key) != t.Value))
            throw Violation($"{when}: the verifier's device timestamps differ from a replay of the committed log");
    }

    private static string Describe(StoredValue value) => value.Found ? $"\"{value.Value}\" @ {KeyVersion.Describe(value.Version)}" : "absent";

    /// <summary>An application's view of the model: its own writes first (TxState's rules and limits).</summary>
    private sealed class ReplayTxState(Dictionary<string, StoredValue> rows) : ITxState
    {
        private const int MaxKeys = 256;
        private readonly Dictionary<string, int> _writeIndex = new(StringComparer.Ordinal);
        private readonly HashSet<string> _readKeys = new(StringComparer.Ordinal);

        public List<(string Key, string Value)> Writes { get; } = [];
        public bool ExceededLimits { get; private set; }

        public string? Read(string key)
        {
            if (_writeIndex.TryGetValue(key, out var index)) return Writes[index].Value;
            if (_readKeys.Add(key) && _readKeys.Count > MaxKeys) ExceededLimits = true;
            return rows.TryGetValue(key, out var value) && value.Found ? value.Value : null;
        }

        public void Write(string key, string value)
        {
            if (_writeIndex.TryGetValue(key, out var index))
            {
                Writes[index] = (key, value);
                return;
            }
            if (_writeIndex.Count >= MaxKeys)
            {
                ExceededLimits = true;
                return;
            }
            _writeIndex[key] = Writes.Count;
            Writes.Add((key, value));
        }
    }
}
