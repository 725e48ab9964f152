using EdgeIoT.Applications;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Functions.Protocol;

/// <summary>
/// One accepted EXECUTE. <see cref="Run"/> executes the batch in order against a snapshot of reads;
/// if a transaction needs a key the snapshot lacks, it returns the keys to fetch and the host calls
/// it again with a larger snapshot. Deterministic: the same batch and the same stored values give
/// byte-identical outcomes on every correct executor.
/// </summary>
public sealed class BatchExecution
{
    /// <summary>Fetch rounds before giving up: each round adds every key the previous run found missing.</summary>
    public const int MaxRounds = 8;

    private readonly ExecutorCore _core;
    private readonly Execute _execute;
    private readonly int _zoneIndex;
    private readonly DecodedTx[] _transactions;
    private int _rounds;

    internal BatchExecution(ExecutorCore core, Execute execute, int zoneIndex, Core.Crypto.Bytes32 batchDigest, DecodedTx[] transactions)
    {
        _core = core;
        _execute = execute;
        _zoneIndex = zoneIndex;
        BatchDigest = batchDigest;
        _transactions = transactions;
    }

    public string Zone => _execute.Zone;
    public ulong Seq => _execute.Seq;
    public Core.Crypto.Bytes32 BatchDigest { get; }
    public IReadOnlyList<DecodedTx> Transactions => _transactions;

    /// <summary>Keys the batch will read, known from arguments alone: fetch them before the first run.</summary>
    public IReadOnlyCollection<string> ReadHints()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _transactions)
        {
            if (entry.Transaction is not { } tx) continue;
            keys.Add(SystemKeys.DeviceTimestamp(tx.DeviceId));
            if (_core.Applications.TryGet(tx.App, out var app)) app.CollectReadHints(tx, keys);
        }
        return keys;
    }

    public ExecutionStep Run(IReadOnlyDictionary<string, StoredRead> snapshot)
    {
        if (++_rounds > MaxRounds)
            throw new InvalidOperationException($"batch {Zone}/{Seq} still misses reads after {MaxRounds} rounds; an application reads keys it cannot name");
        var overlay = new Dictionary<string, StoredRead>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var timestamps = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var outcomes = new Outcomes();
        for (var position = 0; position < _transactions.Length; position++)
            outcomes.Items.Add(ExecuteOne(position, snapshot, overlay, missing, timestamps));
        if (missing.Count > 0) return ExecutionStep.NeedReads(missing);

        _core.Fault?.Corrupt(Zone, Seq, outcomes);
        var verify = new Verify
        {
            Zone = Zone,
            Seq = Seq,
            BatchDigest = ByteString.CopyFrom(BatchDigest.ToArray()),
            Outcomes = outcomes.ToByteString(),
            Batch = _execute.Batch,
            Certificate = _execute.Certificate,
        };
        return ExecutionStep.Done(_core.SignVerify(verify), outcomes);
    }

    private TxOutcome ExecuteOne(int position, IReadOnlyDictionary<string, StoredRead> snapshot, Dictionary<string, StoredRead> overlay, HashSet<string> missing,
        Dictionary<string, ulong> timestamps)
    {
        var entry = _transactions[position];
        var outcome = new TxOutcome { TxDigest = ByteString.CopyFrom(entry.Digest.ToArray()) };
        if (entry.IsSystem)
        {
            // The verifier, which is trusted, interprets system entries; executors only vouch for the batch.
            outcome.Status = TxStatus.System;
            return outcome;
        }
        if (entry.Transaction is not { } tx) return Rejected(outcome, entry.Rejection);
        outcome.Device = tx.DeviceId;
        outcome.Timestamp = tx.Timestamp;
        if (tx.Zone != Zone)
            return Rejected(outcome, new Rejection(RejectReason.WrongZone, $"transaction is for zone {tx.Zone}, ordered by {Zone}"));
        if (!_core.Applications.TryGet(tx.App, out var application))
            return Rejected(outcome, new Rejection(RejectReason.UnknownApplication, $"application \"{tx.App}\" is not enabled"));

        // A copy of an already decided transaction (a replay, or re-proposed by a restarted or
        // byzantine gateway), or an older timestamp behind a newer one of the same device in this batch,
        // is refused here rather than executed: later transactions must not read its writes only to be
        // aborted when the verifier refuses it (decisions.md D18). The verifier still has the last word.
        var timestampKey = SystemKeys.DeviceTimestamp(tx.DeviceId);
        if (!snapshot.TryGetValue(timestampKey, out var decided)) missing.Add(timestampKey);
        var newest = Math.Max(SystemKeys.ParseTimestamp(decided.Value), timestamps.GetValueOrDefault(tx.DeviceId));
        if (tx.Timestamp <= newest)
            return Rejected(outcome, new Rejection(RejectReason.StaleTimestamp, $"timestamp {tx.Timestamp} is not above the device's {newest}"));

        var state = new TxState(snapshot, overlay, missing);
        AppResult result;
        try
        {
            result = application.Execute(tx, state);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            // Stored data the application cannot interpret. Every correct executor sees the same data,
            // so refusing is deterministic; the verifier's log keeps the reason for an operator.
            return Rejected(outcome, new Rejection(RejectReason.InvalidArguments, $"execution failed: {e.Message}"));
        }
        if (state.ExceededLimits)
            return Rejected(outcome, new Rejection(RejectReason.InvalidArguments, $"a transaction may touch at most {TxState.MaxKeysPerTransaction} keys"));
        if (result.Rejection is { } rejection) return Rejected(outcome, rejection);

        outcome.Status = TxStatus.Committed;
        outcome.Result = result.ResultJson;
        timestamps[tx.DeviceId] = tx.Timestamp;
        foreach (var (key, seen) in state.Reads)
            outcome.Reads.Add(new KeyRead { Key = key, Found = seen.Found, Version = seen.Version });
        var version = KeyVersion.Of(_zoneIndex, Seq, position);
        foreach (var (key, value) in state.Writes)
        {
            outcome.Writes.Add(new KeyWrite { Key = key, Value = value });
            overlay[key] = new StoredRead(true, value, version);
        }
        return outcome;
    }

    private static TxOutcome Rejected(TxOutcome outcome, Rejection rejection)
    {
        outcome.Status = TxStatus.Rejected;
        outcome.Reason = rejection.ToString();
        return outcome;
    }
}

/// <summary>The result of one run: keys still to fetch, or the signed VERIFY to send.</summary>
public sealed class ExecutionStep
{
    private ExecutionStep(IReadOnlyCollection<string>? missing, Signed? verify, Outcomes? outcomes)
    {
        MissingKeys = missing ?? [];
        SignedVerify = verify;
        Outcomes = outcomes;
    }

    public IReadOnlyCollection<string> MissingKeys { get; }
    public Signed? SignedVerify { get; }
    public Outcomes? Outcomes { get; }
    public bool IsDone => SignedVerify is not null;

    internal static ExecutionStep NeedReads(IReadOnlyCollection<string> keys) => new(keys, null, null);
    internal static ExecutionStep Done(Signed verify, Outcomes outcomes) => new(null, verify, outcomes);
}
