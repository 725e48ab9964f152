using EdgeIoT.Applications;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Functions.Protocol;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Protocol.Tests.Support;

/// <summary>Builds certified EXECUTE requests and runs executors against an in-memory store.</summary>
internal static class Executions
{
    public static Batch Batch(params byte[][] txs)
    {
        var batch = new Batch();
        foreach (var tx in txs) batch.Txs.Add(ByteString.CopyFrom(tx));
        return batch;
    }

    public static byte[] SignedExecute(TestNetwork network, ulong seq, Batch batch, int spawner = 0, int[]? signers = null, SigningKey? spawnerKey = null, string zone = "z1")
    {
        var digest = Batches.Digest(batch);
        var keys = network.ZoneKeys[zone];
        var statement = new CommitStatement(zone, 0, seq, digest);
        var certificate = CommitCertificates.Build(statement, (signers ?? [0, 1, 2]).Select(i => (i, statement.Sign(keys[i]))));
        var execute = new Execute { Zone = zone, Seq = seq, Batch = batch, Certificate = certificate };
        return SignedMessages.Sign(execute, SignatureDomain.Execute, spawner, spawnerKey ?? keys[spawner]).ToByteArray();
    }

    public static ExecutorCore Executor(TestNetwork network, int index, IExecutorFault? fault = null) =>
        new(network.Registry, index, network.ExecutorKeys[index], new ApplicationSet(network.Registry.Applications), fault);

    /// <summary>Runs the fetch-and-retry loop the executor host runs, reading from <paramref name="store"/>.</summary>
    public static ExecutionStep Run(BatchExecution execution, MemoryState store)
    {
        var snapshot = new Dictionary<string, StoredRead>(StringComparer.Ordinal);
        // Reads go through the verifier's read endpoint logic, as in production.
        void Fetch(IEnumerable<string> keys)
        {
            var request = new ReadRequest();
            request.Keys.AddRange(keys);
            foreach (var item in VerifierMessages.Read(request, store).Items)
                snapshot[item.Key] = new StoredRead(item.Found, item.Found ? item.Value : null, item.Version);
        }
        Fetch(execution.ReadHints());
        while (true)
        {
            var step = execution.Run(snapshot);
            if (step.IsDone) return step;
            Fetch(step.MissingKeys);
        }
    }

    public static VerifyVote Vote(TestNetwork network, Signed signed)
    {
        Assert.True(SignedMessages.Verify(signed, SignatureDomain.Verify, network.ExecutorKeys[signed.Signer].PublicKey));
        var verify = Verify.Parser.ParseFrom(signed.Body);
        var digest = new Bytes32(verify.BatchDigest.Span);
        return new VerifyVote((int)signed.Signer, verify, digest, VerifyVote.ComputeMatchKey(verify.Seq, verify.BatchDigest.Span, verify.Outcomes.Span));
    }
}

/// <summary>Committed state in dictionaries: what the verifier host keeps over SQL, for unit tests.</summary>
internal sealed class MemoryState : ICommittedState
{
    public Dictionary<string, StoredValue> Rows { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ulong> Timestamps { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string, ulong), DecidedEntry> Log { get; } = new();
    public Dictionary<string, ulong> Next { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, DeviceOwnership> Owners { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Bytes32> ZoneDigests { get; } = new(StringComparer.Ordinal);

    public MemoryState(TestNetwork network)
    {
        foreach (var (key, value) in new ApplicationSet(network.Registry.Applications).InitialState())
            Rows[key] = new StoredValue(true, value, 0);
    }

    public StoredValue Get(string key) => Rows.TryGetValue(key, out var value) ? value : StoredValue.Absent;
    public ulong LastTimestamp(string device) => Timestamps.TryGetValue(device, out var ts) ? ts : 0;
    public bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry) => Log.TryGetValue((device, timestamp), out entry!);
    public ulong NextSeq(string zone) => Next.TryGetValue(zone, out var next) ? next : 1;
    public DeviceOwnership? Ownership(string device) => Owners.GetValueOrDefault(device);
    public Bytes32 ZoneDigest(string zone) => ZoneDigests.GetValueOrDefault(zone);

    /// <summary>What the verifier host does after persisting a decided batch.</summary>
    public void Apply(DecidedBatch batch)
    {
        foreach (var write in batch.Writes) Rows[write.Key] = new StoredValue(write.Value is not null, write.Value, write.Version);
        foreach (var (device, ts) in batch.DeviceTimestamps) Timestamps[device] = ts;
        foreach (var (device, owner) in batch.Ownership) Owners[device] = owner;
        foreach (var entry in batch.Entries)
            if (entry.Status != TxStatus.Rejected && entry.Timestamp > 0) Log[(entry.Device, entry.Timestamp)] = entry;
        Next[batch.Zone] = batch.Seq + 1;
        ZoneDigests[batch.Zone] = batch.ZoneDigest;
    }

    public void ApplyAll(VerifierCore core)
    {
        foreach (var batch in core.TakeReady()) Apply(batch);
        core.Advance();
    }
}
