using EdgeIoT.Applications;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// The verifier host wired like production: <c>VerifierEndpoints</c> (VERIFY through the shared
/// <see cref="VerifyAdmission"/> with <c>FloodGuard</c>'s duplicate filter, reads, the device's direct
/// requests into <see cref="VerifierCore.OnClientRequest"/>), <c>VerifierLoop</c> (step the real
/// <see cref="VerifierCore"/> and tick its timer τ_m, then TakeReady → persist → apply → Advance) and
/// <c>Responder</c> (<see cref="VerifierMessages"/>: a signed RESPONSE per transaction, a signed DECIDED
/// per batch, then the core's complaints and ACKs) — in that order, so nobody hears of a decision
/// before it is persisted. Trusted: it is never byzantine, but it may crash and restart from storage.
/// </summary>
public sealed class SimVerifier : SimNode
{
    private readonly SigningKey _key;
    private readonly int _unsafeMatchQuorum;
    private readonly VerifyAdmission _admission;
    /// <summary>FloodGuard's memory of verified votes per (zone, k, executor); lost on a restart, as there.</summary>
    private readonly HashSet<(string Zone, ulong Seq, int Executor)> _voted = [];

    internal SimVerifier(World world, SigningKey key)
        : base(world, NodeId.Verifier, "verifier")
    {
        _key = key;
        var registry = world.Registry;
        _unsafeMatchQuorum = world.Options.Unsafe == UnsafeMode.VerifierQuorum ? registry.Executors.Faulty : 0;
        _admission = new VerifyAdmission(registry);
        State = new MemoryCommittedState(new ApplicationSet(registry.Applications));
        Core = new VerifierCore(registry, State, _unsafeMatchQuorum, world.Options.Unsafe == UnsafeMode.SkipLock);
    }

    public MemoryCommittedState State { get; }
    public VerifierCore Core { get; private set; }
    public override bool IsCorrect => true;
    public override bool CanRestart => true;
    public long VerifyRejected { get; private set; }
    public long VerifyForDecided { get; private set; }
    public long NoticesReannounced { get; private set; }
    private LatestDecided _latest = new();
    /// <summary>
    /// Armed by <c>FaultSchedule.CrashVerifierBeforeNotice</c>: run once, right after the next decision is
    /// persisted and before anyone hears of it — the window in which a real verifier's SIGKILL loses the
    /// notice (decisions.md D22). It crashes this node, unless the safety phase is over.
    /// </summary>
    internal Action? CrashAfterNextPersist { get; set; }
    /// <summary>Decisions persisted whose notice and responses a crash then lost.</summary>
    public long NoticesLostToCrash { get; private set; }
    public long VerifyDuplicates { get; private set; }
    public long Restarts { get; private set; }
    public long DecidedBatches { get; private set; }
    public long Committed { get; private set; }
    public long Aborted { get; private set; }
    public long Rejected { get; private set; }
    public long DirectRequests { get; private set; }
    /// <summary>Complaints and ACKs published, by kind (ErrorSeq, ErrorTx, Replace, Ack), over every start.</summary>
    public SortedDictionary<string, long> NoticesSent { get; } = new(StringComparer.Ordinal);
    /// <summary>Batches aborted because no f_E+1 VERIFY matched (every executor answered, or τ_m expired), over every start.</summary>
    public long AbortedWithoutQuorum => _abortedWithoutQuorumBefore + Core.Metrics.BatchesAbortedWithoutQuorum;
    private long _abortedWithoutQuorumBefore;

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

    /// <summary>
    /// A restart keeps the database and loses every VERIFY held in memory (decisions D8), the flood filter
    /// and the timers; like <c>VerifierHost</c>, it reads each zone's last decided batch back for D22.
    /// </summary>
    protected override void OnRestart()
    {
        Restarts++;
        _abortedWithoutQuorumBefore += Core.Metrics.BatchesAbortedWithoutQuorum;
        _voted.Clear();
        Core = new VerifierCore(World.Registry, State, _unsafeMatchQuorum, World.Options.Unsafe == UnsafeMode.SkipLock);
        _latest = new LatestDecided();
        foreach (var zone in World.Registry.Zones)
            if (State.LatestDecided(zone.Id) is { } latest) _latest.Restore(latest);
    }

    // ---- VerifierEndpoints ----

    private void OnVerify(byte[] body)
    {
        string? decidedZone = null;
        ulong decidedSeq = 0;
        switch (_admission.TryAdmit(body, Core.NextSeq, (zone, seq, executor) => _voted.Contains((zone, seq, executor)), out var vote, out _,
                    (zone, seq) => (decidedZone, decidedSeq) = (zone, seq)))
        {
            case VerifyAdmissionStatus.Accepted:
                _voted.Add((vote.Zone, vote.Seq, vote.Executor));
                Core.OnVerify(vote);
                break;
            case VerifyAdmissionStatus.AlreadyDecided:
                VerifyForDecided++;
                // Responder.OnVerifyForDecided: the zone's gateways may have missed the decision (decisions.md D22).
                if (decidedZone is not null && World.Options.Unsafe != UnsafeMode.NoReannounce && _latest.Reannounce(decidedZone, decidedSeq, World.Clock.NowMs) is { } again)
                {
                    NoticesReannounced++;
                    SendToZone(again.Zone, VerifierMessages.Decided(again, (ulong)World.Clock.GetUtcNow().ToUnixTimeMilliseconds()));
                }
                break;
            case VerifyAdmissionStatus.Duplicate: VerifyDuplicates++; break;
            default: VerifyRejected++; break;
        }
    }

    private void OnRead(Message message)
    {
        if (!SignedMessages.TryParse(ReadRequest.Parser, message.Body, out var read) || read.Keys.Count > VerifierMessages.MaxReadKeys)
        {
            Ignored++;
            return;
        }
        Send(message.From, MessageKind.ReadReply, VerifierMessages.Read(read, State).ToByteArray(), message.Correlation);
    }

    /// <summary>
    /// POST /v1/transactions (serverlessbft §5.1.2-5.1.3): a decided transaction gets its RESPONSE again
    /// in the reply; otherwise the reply says "pending" (nothing a device acts on) and the core queues
    /// ERROR(k_max), ERROR(T) or REPLACE for the zone.
    /// </summary>
    private void OnDirectTransaction(Message message)
    {
        var registry = World.Registry;
        if (!DeviceTransaction.TryDecode(message.Body, registry, registry.Protocol.MaxTxBytes, out var tx, out _)) return;
        DirectRequests++;
        if (Core.OnClientRequest(tx, out var decided) == ClientVerdict.Decided && decided is not null)
            Send(message.From, MessageKind.Response, VerifierMessages.ToResponse(decided).Sign(_key), message.Correlation);
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
        if (decided.Count > 0 && CrashAfterNextPersist is { } crash)
        {
            CrashAfterNextPersist = null;
            crash();
            if (!IsUp)
            {
                NoticesLostToCrash += decided.Count;
                return;
            }
        }
        // FloodGuard.Forget: votes for decided k are filtered by k_max anyway.
        if (decided.Count > 0 && _voted.Count > 1024) _voted.RemoveWhere(v => v.Seq < Core.NextSeq(v.Zone));
        foreach (var batch in decided) Respond(batch);
        foreach (var notice in Core.TakeNotices()) Publish(notice);
    }

    private void Count(DecidedBatch batch)
    {
        DecidedBatches++;
        foreach (var entry in batch.Entries)
        {
            if (entry.Status == TxStatus.Committed) Committed++;
            else if (entry.Status == TxStatus.Aborted)
            {
                Aborted++;
                // Aborts are rare outside contention scenarios: keep why in the trace.
                World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Notice, Id, Id, MessageKind.Verify, (long)entry.Seq, entry.Position, $"aborted {entry.Device}@{entry.Timestamp}: {entry.Reason}"));
            }
            else Rejected++;
        }
    }

    private void Respond(DecidedBatch batch)
    {
        // Gateways first, as the Responder does: they learn decided timestamps before devices act.
        var notice = VerifierMessages.Decided(batch, (ulong)World.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        SendToZone(batch.Zone, notice);
        _latest.Record(batch, World.Clock.NowMs);
        foreach (var entry in VerifierMessages.ResponsesFor(batch)) SendResponse(entry);
    }

    /// <summary>Responder: a complaint or ACK, stamped and signed, on the zone's notices topic.</summary>
    private void Publish(VerifierNotice notice)
    {
        notice.IssuedMs = (ulong)World.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var kind = notice.KindCase.ToString();
        NoticesSent[kind] = NoticesSent.GetValueOrDefault(kind) + 1;
        World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Notice, Id, Id, MessageKind.Notice, 0, 0, $"{kind} to {VerifierMessages.ZoneOf(notice)}"));
        SendToZone(VerifierMessages.ZoneOf(notice), notice);
    }

    private void SendToZone(string zone, VerifierNotice notice)
    {
        var index = World.ZoneIndex(zone);
        if (index < 0) return;
        var signed = SignedMessages.Sign(notice, SignatureDomain.VerifierNotice, 0, _key).ToByteArray();
        foreach (var gateway in World.ZoneGateways(index)) Send(gateway.Id, MessageKind.Notice, signed);
    }

    /// <summary>The device's response topic: only devices that exist in the simulation subscribe.</summary>
    private void SendResponse(DecidedEntry entry)
    {
        if (World.TryGetDevice(entry.Device, out var device)) Send(device, MessageKind.Response, VerifierMessages.ToResponse(entry).Sign(_key));
    }
}
