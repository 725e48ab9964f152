using EdgeIoT.Applications;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Functions.Protocol;

/// <summary>
/// The executor role (serverlessbft Fig. 3 lines 14-20), pure: no I/O, no threads, no clock. It checks
/// an EXECUTE — the spawner's signature, the commit certificate (2f_R+1 signatures on COMMIT(Δ,k)),
/// each device's signature — and yields a <see cref="BatchExecution"/> the host runs against reads
/// it fetches from the verifier. Executors never write to storage.
/// </summary>
public sealed class ExecutorCore
{
    private readonly NetworkRegistry _registry;
    private readonly ApplicationSet _applications;
    private readonly SigningKey _key;
    private readonly IExecutorFault? _fault;

    public ExecutorCore(NetworkRegistry registry, int executorIndex, SigningKey key, ApplicationSet applications, IExecutorFault? fault = null)
    {
        if ((uint)executorIndex >= (uint)registry.Executors.Members.Count)
            throw new ArgumentOutOfRangeException(nameof(executorIndex), "not an executor of this network");
        if (registry.Executors.Members[executorIndex].Key != key.PublicKey)
            throw new ConfigurationException($"this key is not executor {registry.Executors.Members[executorIndex].Id}'s registered key");
        _registry = registry;
        _applications = applications;
        _key = key;
        _fault = fault;
        ExecutorIndex = executorIndex;
    }

    public int ExecutorIndex { get; }

    /// <summary>Validates a signed EXECUTE. On success the batch's transactions are decoded and authenticated.</summary>
    public bool TryAccept(ReadOnlySpan<byte> signedExecute, out BatchExecution execution, out ExecuteRejection rejection, out string reason)
    {
        execution = null!;
        if (signedExecute.Length > MaxExecuteBytes)
            return Fail(ExecuteRejection.Malformed, $"EXECUTE of {signedExecute.Length} bytes exceeds {MaxExecuteBytes}", out rejection, out reason);
        if (!SignedMessages.TryParse(Signed.Parser, signedExecute, out var signed)
            || !SignedMessages.TryParse(Execute.Parser, signed.Body.Span, out var execute)
            || execute.Batch is null)
            return Fail(ExecuteRejection.Malformed, "EXECUTE is not a valid Signed{Execute} protobuf", out rejection, out reason);
        if (!_registry.TryGetZone(execute.Zone, out var zone))
            return Fail(ExecuteRejection.UnknownZone, $"zone \"{execute.Zone}\" is not in the registry", out rejection, out reason);
        if (signed.Signer >= zone.Gateways.Count)
            return Fail(ExecuteRejection.UnknownSpawner, $"spawner index {signed.Signer} is not a gateway of {zone.Id}", out rejection, out reason);
        if (!SignedMessages.Verify(signed, SignatureDomain.Execute, zone.Gateways[(int)signed.Signer].Key))
            return Fail(ExecuteRejection.BadSpawnerSignature, $"EXECUTE signature does not verify under {zone.Gateways[(int)signed.Signer].Id}'s key", out rejection, out reason);
        if (execute.Batch.Txs.Count > _registry.Protocol.BatchSizeMax)
            return Fail(ExecuteRejection.BatchTooLarge, $"batch of {execute.Batch.Txs.Count} transactions exceeds batchSizeMax {_registry.Protocol.BatchSizeMax}", out rejection, out reason);
        var txDigests = Batches.TxDigests(execute.Batch);
        var batchDigest = Batches.Digest(txDigests);
        if (!CommitCertificates.Verify(execute.Certificate, zone, execute.Seq, batchDigest, out var certificateProblem))
            return Fail(ExecuteRejection.BadCertificate, $"commit certificate for {zone.Id}/{execute.Seq}: {certificateProblem}", out rejection, out reason);

        var transactions = new DecodedTx[execute.Batch.Txs.Count];
        for (var i = 0; i < transactions.Length; i++)
        {
            var raw = execute.Batch.Txs[i].ToByteArray();
            if (SystemEntries.IsSystem(raw))
            {
                transactions[i] = new DecodedTx(txDigests[i], null, default) { IsSystem = true };
                continue;
            }
            transactions[i] = DeviceTransaction.TryDecode(raw, _registry, _registry.Protocol.MaxTxBytes, out var tx, out var txRejection)
                ? new DecodedTx(txDigests[i], tx, default)
                : new DecodedTx(txDigests[i], null, txRejection);
        }
        execution = new BatchExecution(this, execute, _registry.Zones.IndexOf(zone), batchDigest, transactions);
        rejection = default;
        reason = "";
        return true;
    }

    /// <summary>Upper bound of an EXECUTE request's size: a full batch of maximal transactions plus certificate overhead.</summary>
    public int MaxExecuteBytes => _registry.Protocol.BatchSizeMax * (_registry.Protocol.MaxTxBytes + 16) + 64 * 1024;

    private static bool Fail(ExecuteRejection kind, string text, out ExecuteRejection rejection, out string reason)
    {
        rejection = kind;
        reason = text;
        return false;
    }

    internal ApplicationSet Applications => _applications;
    internal IExecutorFault? Fault => _fault;

    internal Signed SignVerify(Verify verify) => SignedMessages.Sign(verify, SignatureDomain.Verify, ExecutorIndex, _key);
}

/// <summary>A batch entry: its digest and either the decoded transaction or why it is invalid.</summary>
public readonly record struct DecodedTx(Bytes32 Digest, DeviceTransaction? Transaction, Rejection Rejection)
{
    /// <summary>A zone's system entry (LOCK/ADOPT, docs/zones.md): not executed, passed to the verifier.</summary>
    public bool IsSystem { get; init; }
}
