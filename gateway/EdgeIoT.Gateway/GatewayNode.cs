using System.Threading.Channels;
using EdgeIoT.Core.Hosting;
using EdgeIoT.Core.Net;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Wire;
using Microsoft.Extensions.Logging;
using Google.Protobuf;

namespace EdgeIoT.Gateway;

/// <summary>
/// The gateway's protocol loop: the only thread that touches the PBFT replica and the invoker core.
/// Each round it hands the cores the ticks that elapsed, drains queued inputs (already authenticated by
/// the ingress and peer receive paths), then acts on what they produced: messages to peers, committed
/// batches to spawn, refusals to report.
/// </summary>
internal sealed class GatewayNode
{
    public const int QueueCapacity = 100_000;
    private const int MaxInputsPerRound = 2_048;

    private readonly PbftReplica _replica;
    private readonly InvokerCore _invoker;
    private readonly ExecutorInvoker _executors;
    private readonly ErrorReporter _errors;
    private readonly ILogger _logger;
    private readonly GatewayStore _store;
    private readonly Func<byte[], ClientRequest?> _admit;
    private readonly GatewayFault _fault;
    private readonly Channel<GatewayInput> _inputs = Channel.CreateBounded<GatewayInput>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
    private PeerLinks? _links;
    private GlobalCoordinator? _global;
    private GlobalLinks? _globalLinks;
    private DevicePlacement? _placement;
    private StreamWriter? _journal;
    private StreamWriter? _checkpointJournal;
    private ulong _globalView;
    private const int SystemDecidedMax = 10_000;
    // Migrations the verifier says this zone adopted: a lagging coordinator may execute the migration
    // only afterwards, and must not lock the device again when it does.
    private readonly HashSet<(string Device, ulong BallotN, string BallotZone)> _adopted = [];
    // LOCK/ADOPT entries the verifier already decided (by slot): the coordinator re-offers a system
    // request until it hears of it, and re-proposing a decided one would leave backups waiting for a
    // proposal that never comes (an S1 suspicion).
    private readonly HashSet<(string Device, ulong Slot, bool Adopt)> _systemDecided = [];
    public long InputsDropped;

    /// <param name="admit">Admission of a transaction the verifier says it never saw ordered (ERROR(T)); null when inadmissible.</param>
    public GatewayNode(PbftReplica replica, InvokerCore invoker, ExecutorInvoker executors, ErrorReporter errors, GatewayStore store, Func<byte[], ClientRequest?> admit, GatewayFault fault, ILogger logger)
    {
        _fault = fault;
        _store = store;
        _admit = admit;
        _replica = replica;
        _invoker = invoker;
        _executors = executors;
        _errors = errors;
        _logger = logger;
    }

    public PbftReplica Replica => _replica;
    public InvokerCore Invoker => _invoker;

    public void Attach(PeerLinks links) => _links = links;

    /// <summary>Multi-zone networks: the global coordinator (Ziziphus), its links and the placement the ingress reads.</summary>
    public void AttachGlobal(GlobalCoordinator coordinator, GlobalLinks links, DevicePlacement placement, string journalPath, string checkpointJournalPath)
    {
        _journal = new StreamWriter(new FileStream(journalPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _checkpointJournal = new StreamWriter(new FileStream(checkpointJournalPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _global = coordinator;
        _globalLinks = links;
        _placement = placement;
    }

    public bool HasGlobal => _global is not null;

    /// <summary>Told after each round whether a timer needs full resolution (<see cref="ProtocolTicker.SetFine"/>).</summary>
    public Action<bool>? TimerResolution { get; set; }

    public bool TryEnqueue(in GatewayInput input)
    {
        if (_inputs.Writer.TryWrite(input)) return true;
        Interlocked.Increment(ref InputsDropped);
        return false;
    }

    public async Task RunAsync(TimeProvider time, int tickMs, CancellationToken ct)
    {
        var reader = _inputs.Reader;
        // The loop counts protocol time itself, and before each round's inputs: a timer an input starts
        // (the batch timer) starts at the tick of its arrival, however long ago the last wake-up was.
        var clock = new TickSource(time, tickMs);
        _invoker.SetPrimary(_replica.IsPrimary);
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                for (var due = clock.TakeDueTicks(); due > 0; due--)
                {
                    _replica.Tick();
                    _invoker.Tick();
                    _global?.Tick();
                }
                for (var handled = 0; handled < MaxInputsPerRound && reader.TryRead(out var input); handled++)
                    Apply(input);
                Flush();
                TimerResolution?.Invoke(_replica.BatchTimerRunning);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Apply(in GatewayInput input)
    {
        if (input.Request is { } request)
        {
            if (!_fault.DropsRequest(_replica)) _replica.Propose(request);
        }
        else if (input.Peer is { } message) _replica.Step(input.From, message);
        else if (input.Notice is { } notice) OnNotice(notice, input.NoticeBytes!, forwarded: false);
        else if (input.Migration is { } migration) OnMigrationRequest(migration);
        else if (input.Global is { } global && _global is not null)
        {
            if (input.GlobalZone == _replica.ZoneId) _global.OnZoneMessage(input.From, global);
            else _global.OnRemoteMessage(input.GlobalZone!, input.From, global);
        }
        // Otherwise the clock's wake-up: the round's ticks are already handed over.
    }

    private void OnMigrationRequest(byte[] raw)
    {
        if (_global is null) return;
        if (!_global.OnMigrationRequest(raw, out var rejection))
        {
            if (rejection.Reason != RejectReason.None)
                _errors.Report(new Refusal(JwsCompact.PeekKeyId(raw), null, Sha256Digest.Of(raw), rejection));
        }
    }

    /// <summary>A verifier-signed DECIDED notice of this zone: its (k, D_k) for lazy checkpoints, and the receipts of its LOCK and ADOPT entries.</summary>
    private void OnDecidedForGlobal(VerifierNotice notice)
    {
        if (_global is null || notice.KindCase != VerifierNotice.KindOneofCase.Decided) return;
        _global.OnZoneDecided(notice.Decided.Seq, notice.Decided.ZoneDigest.Span);
        foreach (var receipt in notice.Decided.Migrations)
        {
            if (_systemDecided.Count >= SystemDecidedMax) _systemDecided.Clear();
            _systemDecided.Add((receipt.Device, receipt.Slot, receipt.Adopt));
            if (!receipt.Adopt && receipt.FromZone == _replica.ZoneId) _global.OnLockPoint(notice.Decided.Seq, receipt);
            else if (receipt.Adopt && receipt.ToZone == _replica.ZoneId) _global.OnAdopted(receipt);
            // An applied ADOPT is the verifier's word that this zone owns the device now, whatever this
            // gateway's coordinator has seen so far of the migration.
            _placement?.OnReceipt(receipt, _replica.ZoneId);
            if (receipt.Adopt && receipt.Applied && receipt.ToZone == _replica.ZoneId)
            {
                if (_adopted.Count >= SystemDecidedMax) _adopted.Clear();
                _adopted.Add((receipt.Device, receipt.Ballot?.N ?? 0, receipt.Ballot?.Zone ?? ""));
            }
        }
    }

    /// <summary>A verifier notice (signature checked by the ingress), or one a backup forwarded to us as primary.</summary>
    private void OnNotice(VerifierNotice notice, byte[] bytes, bool forwarded)
    {
        if (!forwarded) OnDecidedForGlobal(notice);
        if (notice.KindCase == VerifierNotice.KindOneofCase.Decided && _logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("decided k {Seq}{Forwarded}", notice.Decided.Seq, forwarded ? " (forwarded by a backup)" : "");
        if (GatewayNotices.Apply(notice, bytes, forwarded, _replica, _invoker, _admit, request => { if (!_fault.DropsRequest(_replica)) _replica.Propose(request); }))
            _logger.LogInformation("verifier waits for {Seq}: executors spawned again", notice.ErrorSeq.Seq);
    }

    private void Flush()
    {
        var ready = _replica.TakeReady();
        // Persist before sending: a replica must never have said what it would not remember after a crash.
        _store.Write(ready);
        foreach (var (view, reason) in ready.Suspicions)
            _logger.LogWarning("suspecting the primary of view {View}: {Reason}", view, reason);
        foreach (var (view, reason) in ready.ViewChangesStarted)
            _logger.LogWarning("view change to {View}: {Reason}", view, reason);
        foreach (var view in ready.ViewsInstalled)
            _logger.LogWarning("installed view {View}; primary is gateway {Primary}{Self}", view, _replica.PrimaryIndex, _replica.IsPrimary ? " (this gateway)" : "");
        var debug = _logger.IsEnabled(LogLevel.Debug);
        foreach (var original in ready.Messages)
        {
            if (debug && original.Message.KindCase == PeerMessage.KindOneofCase.PrePrepare)
                _logger.LogDebug("proposed k {Seq} in view {View}: {Count} entries", original.Message.PrePrepare.Seq, original.Message.PrePrepare.View, original.Message.PrePrepare.Batch?.Txs.Count ?? 0);
            foreach (var outbound in _fault.Rewrite(original, _replica))
            {
                var bytes = outbound.Message.ToByteArray();
                if (outbound.To is { } to) _links?.Send(to, bytes);
                else _links?.Broadcast(bytes);
            }
        }
        // The low watermark also moves on decisions learned from peers (view change, restore).
        _invoker.OnDecided(_replica.LowWatermark);
        foreach (var committed in ready.Committed)
        {
            if (debug) _logger.LogDebug("committed k {Seq} in view {View}: {Count} entries", committed.Seq, committed.View, committed.Batch.Txs.Count);
            _invoker.OnCommitted(committed);
            _global?.OnZoneCommitted(committed.Seq, committed.Batch);
        }
        foreach (var (notice, bytes) in GatewayNotices.Forwarded(ready)) OnNotice(notice, bytes, forwarded: true);
        foreach (var (request, reason) in ready.Refused)
            _errors.Report(new Refusal(request.Device, request.Timestamp, request.Digest, new Core.Envelope.Rejection(Core.Envelope.RejectReason.Overloaded, reason)));
        _invoker.SetPrimary(_replica.IsPrimary);
        foreach (var spawn in _invoker.TakeSpawns()) _executors.Spawn(_fault.Spawn(spawn, _replica));
        FlushGlobal();
    }

    private void FlushGlobal()
    {
        if (_global is null) return;
        if (!_replica.IsViewChanging && _replica.View != _globalView)
        {
            _globalView = _replica.View;
            _global.OnView(_replica.View);
        }
        var ready = _global.TakeReady();
        if (ready.IsEmpty) return;
        // Persist before sending: an endorsement must survive a crash before anyone sees it.
        _store.WriteGlobal(ready.Persist);
        foreach (var outbound in ready.Messages)
        {
            switch (outbound.Target)
            {
                case GlobalTarget.Member: _globalLinks!.Send(_replica.ZoneId, outbound.Member, outbound.Message); break;
                case GlobalTarget.ZoneMembers: _globalLinks!.SendToZone(_replica.ZoneId, outbound.Message); break;
                case GlobalTarget.Zone: _globalLinks!.SendToZone(outbound.Zone!, outbound.Message); break;
                case GlobalTarget.RemoteGateway: _globalLinks!.Send(outbound.Zone!, outbound.Member, outbound.Message); break;
                case GlobalTarget.AllOtherZones: _globalLinks!.SendToOtherZones(outbound.Message); break;
            }
        }
        foreach (var executed in ready.Executed)
        {
            var device = executed.Order.Device;
            if (_adopted.Contains((device, executed.Ballot.N, executed.Ballot.Zone))) _placement?.Set(device, _replica.ZoneId, locked: false);
            else _placement?.Set(device, _global.Metadata.ZoneOf(device), _global.Metadata.LockedDevices.Contains(device));
            _logger.LogInformation("global slot {Slot}: {Device} {From} -> {To}: {Outcome}", executed.Slot, device, executed.Order.FromZone, executed.Order.ToZone, executed.Outcome);
            _journal?.WriteLine(new Core.Execution.GlobalJournalEntry(executed.Slot, device, executed.Order.FromZone, executed.Order.ToZone, executed.Allowed,
                executed.Outcome, executed.MetadataDigest.ToString()).ToLine());
        }
        foreach (var held in ready.Checkpoints)
        {
            _logger.LogDebug("global: holding checkpoint {Checkpoint}", held);
            _checkpointJournal?.WriteLine(new Core.Execution.CheckpointJournalEntry(held.Zone, held.Seq, held.Digest.ToHex(),
                Core.Quorum.StepCertificates.ShortKind(held.ProofKind), held.ProofZone, held.ProofSlot).ToLine());
        }
        // Only the primary proposes system entries. Each gateway assembles its own certificate (any 2f+1
        // endorsements), so backups' copies would differ byte for byte from the one ordered and sit in
        // their request queues until they suspect a correct primary; the coordinator's own timers catch
        // a primary that sits on a LOCK or ADOPT (docs/zones.md), and re-offer it to the next one.
        if (_replica.IsPrimary)
        {
            foreach (var request in ready.LockRequests)
                if (!_systemDecided.Contains((request.Device, request.Slot, false))) ProposeSystem(request.Device, new SystemEntry { Lock = request.Commit });
            foreach (var request in ready.AdoptRequests)
                if (!_systemDecided.Contains((request.Device, request.Slot, true))) ProposeSystem(request.Device, new SystemEntry { Adopt = request.History });
        }
        foreach (var refusal in ready.DeviceRefusals)
            _errors.Report(new Refusal(refusal.Device, refusal.Timestamp, refusal.RequestDigest, new Rejection(RejectReason.Policy, $"{refusal.Reason}: {refusal.Detail}")));
        foreach (var reason in ready.Suspicions) _replica.SuspectPrimary($"global: {reason}");
        foreach (var reason in ready.Rejected) _logger.LogDebug("global: {Reason}", reason);
    }

    private void ProposeSystem(string device, SystemEntry entry)
    {
        var raw = Core.Execution.SystemEntries.Encode(entry);
        _replica.Propose(new ClientRequest(Sha256Digest.Of(raw), raw, device, 0));
    }
}
