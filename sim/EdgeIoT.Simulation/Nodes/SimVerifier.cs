using EdgeIoT.Applications;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// The verifier host wired like production: <c>VerifierEndpoints</c> (VERIFY admission, reads, the
/// device's direct requests), <c>VerifierLoop</c> (step the real <see cref="VerifierCore"/>, then
/// TakeReady → persist → apply → Advance) and <c>Responder</c> (a signed RESPONSE per transaction, a
/// signed DECIDED notice per batch) — in that order, so nobody hears of a decision before it is
/// persisted. Trusted: it is never byzantine, but it may crash and restart from its storage.
/// </summary>
public sealed class SimVerifier : SimNode
{
    /// <summary>VerifierEndpoints.MaxReadKeys.</summary>
    public const int MaxReadKeys = 4096;

    private readonly SigningKey _key;
    private readonly int _unsafeMatchQuorum;
    private readonly int _maxVerifyBytes;

    internal SimVerifier(World world, SigningKey key)
        : base(world, NodeId.Verifier, "verifier")
    {
        _key = key;
        var registry = world.Registry;
        _unsafeMatchQuorum = world.Options.Unsafe == UnsafeMode.VerifierQuorum ? registry.Executors.Faulty : 0;
        // VerifierEndpoints.MaxVerifyBytes
        _maxVerifyBytes = 2 * registry.Protocol.BatchSizeMax * (registry.Protocol.MaxTxBytes + 512) + 256 * 1024;
        State = new MemoryCommittedState(new ApplicationSet(registry.Applications));
        Core = new VerifierCore(registry, State, _unsafeMatchQuorum);
    }

    public MemoryCommittedState State { get; }
    public VerifierCore Core { get; private set; }
    public override bool IsCorrect => true;
    public override bool CanRestart => true;
    public long VerifyRejected { get; private set; }
    public long VerifyForDecided { get; private set; }
    public long Restarts { get; private set; }
    public long DecidedBatches { get; private set; }
    public long Committed { get; private set; }
    public long Aborted { get; private set; }
    public long Rejected { get; private set; }

    internal override void Receive(Message message)
    {
        switch (message.Kind)
        {
            case MessageKind.Verify:
                World.Checkers.OnVerifyDelivered(message.Body);
                OnVerify(message.Body);
                break;
            case MessageKind.Read: OnRead(message); break;
            case MessageKind.DirectTransaction: OnDirectTransaction(message); break;
            default: Ignored++; break;
        }
        PersistAndRespond();
    }

    internal override void Tick()
    {
        Core.Tick();
        PersistAndRespond();
    }

    /// <summary>A restart keeps the database and loses every VERIFY held in memory (decisions D8).</summary>
    protected override void OnRestart()
    {
        Restarts++;
        Core = new VerifierCore(World.Registry, State, _unsafeMatchQuorum);
    }

    // ---- VerifierEndpoints ----

    private void OnVerify(byte[] body)
    {
        var registry = World.Registry;
        if (body.Length > _maxVerifyBytes
            || !SignedMessages.TryParse(Signed.Parser, body, out var signed)
            || !SignedMessages.TryParse(Wire.Verify.Parser, signed.Body.Span, out var verify)
            || signed.Signer >= registry.Executors.Members.Count)
        {
            VerifyRejected++;
            return;
        }
        if (verify.Seq < Core.NextSeq(verify.Zone))
        {
            VerifyForDecided++;
            return;
        }
        if (!SignedMessages.Verify(signed, SignatureDomain.Verify, registry.Executors.Members[(int)signed.Signer].Key)
            || !Bytes32.TryCreate(verify.BatchDigest.Span, out var batchDigest) || verify.Batch is null || Batches.Digest(verify.Batch) != batchDigest)
        {
            VerifyRejected++;
            return;
        }
        Core.OnVerify(new VerifyVote((int)signed.Signer, verify, batchDigest, VerifyVote.ComputeMatchKey(verify.Seq, verify.BatchDigest.Span, verify.Outcomes.Span)));
    }

    private void OnRead(Message message)
    {
        if (!SignedMessages.TryParse(ReadRequest.Parser, message.Body, out var read) || read.Keys.Count > MaxReadKeys)
        {
            Ignored++;
            return;
        }
        var response = new ReadResponse();
        foreach (var key in read.Keys)
        {
            var value = State.Get(key);
            var item = new ReadItem { Key = key, Found = value.Found, Version = value.Version };
            if (value.Value is not null) item.Value = value.Value;
            response.Items.Add(item);
        }
        Send(message.From, MessageKind.ReadReply, response.ToByteArray(), message.Correlation);
    }

    /// <summary>
    /// POST /v1/transactions (serverlessbft §5.1.2): a decided transaction gets its RESPONSE again,
    /// anything else is "pending", which tells the device nothing. Hook: route this to VerifierCore's
    /// client-request handling (ERROR/REPLACE to the zone, §5.1.3) once it exists.
    /// </summary>
    private void OnDirectTransaction(Message message)
    {
        var registry = World.Registry;
        if (!DeviceTransaction.TryDecode(message.Body, registry, registry.Protocol.MaxTxBytes, out var tx, out _)) return;
        if (State.TryFindDecided(tx.DeviceId, tx.Timestamp, out var entry) && entry.TxDigest == tx.Digest)
            Send(message.From, MessageKind.Response, ToResponse(entry).Sign(_key), message.Correlation);
    }

    // ---- VerifierLoop and Responder ----

    private void PersistAndRespond()
    {
        var decided = Core.TakeReady();
        foreach (var batch in decided)
        {
            State.Persist(batch);
            Count(batch);
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Decide, Id, Id, MessageKind.Verify, (long)batch.Seq, batch.Entries.Count, batch.Zone), batch.BatchDigest.ToArray());
            World.Checkers.OnVerifierPersisted(batch);
        }
        Core.Advance();
        foreach (var batch in decided) Respond(batch);
    }

    private void Count(DecidedBatch batch)
    {
        DecidedBatches++;
        foreach (var entry in batch.Entries)
        {
            if (entry.Status == TxStatus.Committed) Committed++;
            else if (entry.Status == TxStatus.Aborted) Aborted++;
            else Rejected++;
        }
    }

    private void Respond(DecidedBatch batch)
    {
        foreach (var entry in batch.Entries)
            if (Identifiers.IsValid(entry.Device) && !entry.Reason.StartsWith(VerifierCore.DuplicateReasonPrefix, StringComparison.Ordinal))
                SendResponse(entry);
        foreach (var original in batch.Resends) SendResponse(original);
        var notice = new Decided { Zone = batch.Zone, Seq = batch.Seq };
        foreach (var entry in batch.Entries)
            notice.Txs.Add(new DecidedTx { Device = entry.Device, Timestamp = entry.Timestamp, Status = entry.Status, TxDigest = ByteString.CopyFrom(entry.TxDigest.ToArray()) });
        var signed = SignedMessages.Sign(new VerifierNotice { IssuedMs = (ulong)World.Clock.GetUtcNow().ToUnixTimeMilliseconds(), Decided = notice }, SignatureDomain.VerifierNotice, 0, _key).ToByteArray();
        foreach (var gateway in World.ZoneGateways(World.Registry.Zones.FindIndex(z => z.Id == batch.Zone)))
            Send(gateway.Id, MessageKind.Notice, signed);
    }

    /// <summary>The device's response topic: only devices that exist in the simulation subscribe.</summary>
    private void SendResponse(DecidedEntry entry)
    {
        if (World.TryGetDevice(entry.Device, out var device)) Send(device, MessageKind.Response, ToResponse(entry).Sign(_key));
    }

    /// <summary>Responder.ToResponse (the verifier host's; kept identical here).</summary>
    public static VerifierResponse ToResponse(DecidedEntry entry) => new(
        entry.Device, entry.Zone, entry.Timestamp, entry.TxDigest, entry.Seq, entry.Position,
        entry.Status switch
        {
            TxStatus.Committed => VerifierResponse.Committed,
            TxStatus.Aborted => VerifierResponse.Aborted,
            _ => VerifierResponse.Rejected,
        },
        entry.Status == TxStatus.Committed ? entry.Result : null,
        entry.Status == TxStatus.Committed ? null : entry.Reason);
}
