using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// A gateway host wired exactly like production: the shared <see cref="GatewayIngressCore"/> in front
/// (device admission, peer message authentication and proposal admission, verifier notices) as
/// <c>Ingress</c> uses it, the real <see cref="PbftReplica"/> and <see cref="InvokerCore"/> behind it
/// as <c>GatewayNode</c> drives them (notices, persistence before sending, forwarded complaints), and
/// <see cref="SimGatewayStore"/> in place of <c>GatewayStore</c>, so a crashed gateway restarts with
/// <see cref="PbftReplica.Restore"/> as <c>GatewayHost</c> does. What leaves the node passes through
/// its <see cref="GatewayStrategy"/>; requests pass <see cref="GatewayStrategy.AcceptRequest"/> where
/// <c>GatewayFault.DropsRequest</c> sits.
/// </summary>
public sealed class SimGateway : SimNode
{
    private readonly SigningKey _key;
    private readonly ReplicaOptions _replicaOptions;
    private GatewayIngressCore _ingress = null!;

    internal SimGateway(World world, NodeId id, int zoneIndex, ZoneInfo zone, int self, SigningKey key, GatewayStrategy strategy)
        : base(world, id, zone.Gateways[self].Id)
    {
        ZoneIndex = zoneIndex;
        Zone = zone;
        Self = self;
        _key = key;
        Strategy = strategy;
        _replicaOptions = new ReplicaOptions
        {
            Zone = zone,
            SelfIndex = self,
            Protocol = world.Registry.Protocol,
            UnsafeQuorumReduction = world.Options.Unsafe == UnsafeMode.CommitQuorum ? 1 : 0,
        };
        Start();
    }

    public int ZoneIndex { get; }
    public ZoneInfo Zone { get; }
    public int Self { get; }
    public PbftReplica Replica { get; private set; } = null!;
    public InvokerCore Invoker { get; private set; } = null!;
    public GatewayStrategy Strategy { get; }
    /// <summary>The board's durable store: it survives <see cref="SimNode.Crash"/>.</summary>
    public SimGatewayStore Store { get; } = new();
    /// <summary>The gateway's own key: a byzantine strategy may sign anything with it.</summary>
    public SigningKey Key => _key;
    public override bool IsCorrect => !Strategy.IsByzantine;
    public override bool CanRestart => true;
    public long Admitted { get; private set; }
    public long Refused { get; private set; }
    public long PeerRejected { get; private set; }
    public long NoticesRejected { get; private set; }
    public long Complaints { get; private set; }
    public long Restarts { get; private set; }
    /// <summary>Totals over every start (a restart's replica begins its own metrics at zero).</summary>
    public long ViewChangesStarted { get; private set; }
    public long ViewsInstalled { get; private set; }
    public long Suspicions { get; private set; }
    public long BatchesCaughtUp => _caughtUpBefore + Replica.Metrics.BatchesCaughtUp;
    private long _caughtUpBefore;

    /// <summary>GatewayHost: fresh cores, then whatever the store holds restored before anything runs.</summary>
    private void Start()
    {
        _ingress = new GatewayIngressCore(World.Registry, Zone);
        Replica = new PbftReplica(_replicaOptions, _key);
        var (view, entries) = Store.Load();
        Replica.Restore(view, entries);
        Invoker = new InvokerCore(InvokerOptions.For(World.Registry, Zone, Self));
        Invoker.SetPrimary(Replica.IsPrimary);
    }

    protected override void OnCrash() => _caughtUpBefore += Replica.Metrics.BatchesCaughtUp;

    /// <summary>A process restart: memory is gone (ingress caches, pending requests, invoker), the store is not.</summary>
    protected override void OnRestart()
    {
        Restarts++;
        Start();
        World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.View, Id, Id, MessageKind.Peer, (long)Replica.View, (long)Replica.LowWatermark, "restored"));
        Flush();
    }

    internal override void Receive(Message message)
    {
        if (!Strategy.AcceptInbound(this, message)) return;
        switch (message.Kind)
        {
            case MessageKind.Transaction: Admit(message.Body); break;
            case MessageKind.Peer: OnPeerFrame(message.From, message.Body); break;
            case MessageKind.Notice: OnNotice(message.Body); break;
            default: Ignored++; break;
        }
        Flush();
    }

    internal override void Tick()
    {
        Replica.Tick();
        Invoker.Tick();
        Strategy.OnTick(this);
        Flush();
    }

    // ---- Ingress ----

    private void Admit(byte[] raw)
    {
        if (!_ingress.TryAdmit(raw, out var request, out var refusal, out _))
        {
            Refused++;
            ReportRefusal(refusal);
            return;
        }
        Admitted++;
        Propose(request);
    }

    /// <summary>A system entry (LOCK/ADOPT) the global protocol asks this gateway to order, as the host does.</summary>
    public void ProposeSystem(ClientRequest request)
    {
        if (!IsUp) return;
        Propose(request);
        Flush();
    }

    /// <summary>Where production's <c>GatewayFault.DropsRequest</c> may swallow a request (S1).</summary>
    private void Propose(ClientRequest request)
    {
        if (Strategy.AcceptRequest(this, request)) Replica.Propose(request);
    }

    private void OnPeerFrame(NodeId from, byte[] payload)
    {
        // The MAC'd links only ever deliver frames from this zone's gateways, with the sender pinned.
        if (World.Node(from) is not SimGateway sender || sender.ZoneIndex != ZoneIndex || !_ingress.TryAcceptPeer(sender.Self, payload, out var message, out _))
        {
            PeerRejected++;
            return;
        }
        Strategy.OnPeerInbound(this, sender.Self, message);
        Replica.Step(sender.Self, message);
    }

    private void OnNotice(byte[] payload)
    {
        if (!_ingress.TryAcceptNotice(payload, out var notice, out _))
        {
            NoticesRejected++;
            return;
        }
        // As the gateway host does: receipts of LOCK and ADOPT move where the ingress serves a device.
        if (notice.KindCase == VerifierNotice.KindOneofCase.Decided)
            foreach (var receipt in notice.Decided.Migrations) _ingress.Placement.OnReceipt(receipt, Zone.Id);
        HandleNotice(notice, payload, forwarded: false);
    }

    /// <summary>GatewayNode.OnNotice: a verifier notice, or one a backup forwarded to us as primary.</summary>
    private void HandleNotice(VerifierNotice notice, byte[] bytes, bool forwarded)
    {
        if (notice.KindCase is VerifierNotice.KindOneofCase.ErrorSeq or VerifierNotice.KindOneofCase.ErrorTx or VerifierNotice.KindOneofCase.Replace) Complaints++;
        GatewayNotices.Apply(notice, bytes, forwarded, Replica, Invoker, _ingress.AdmitForVerifier, Propose);
    }

    /// <summary>ErrorReporter: a gateway-signed refusal on the device's error topic, rate-limited per device.</summary>
    private void ReportRefusal(Refusal refusal)
    {
        if (refusal.Device is not { } device || !World.Registry.TryGetDevice(device, out _) || !World.TryGetDevice(device, out var target)) return;
        if (!_ingress.Refusals.ShouldReport(device, World.Clock.GetUtcNow().ToUnixTimeSeconds())) return;
        Send(target, MessageKind.GatewayError, GatewayRejection.Sign(_key, Name, device, refusal.Timestamp, refusal.Digest, refusal.Rejection));
    }

    // ---- GatewayNode.Flush ----

    private void Flush()
    {
        var ready = Replica.TakeReady();
        // Persist before sending: a replica must never have said what it would not remember after a crash.
        Store.Write(ready);
        TraceViews(ready);
        foreach (var outbound in ready.Messages) Strategy.OnPeerOutbound(this, outbound);
        // The low watermark also moves on decisions learned from peers (view change, restore).
        Invoker.OnDecided(Replica.LowWatermark);
        foreach (var committed in ready.Committed)
        {
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Commit, Id, Id, MessageKind.Peer, (long)committed.Seq, committed.Batch.Txs.Count, null), committed.Digest.ToArray());
            if (IsCorrect) World.Checkers.OnGatewayCommitted(this, committed);
            Invoker.OnCommitted(committed);
            Strategy.OnCommitted(this, committed);
        }
        foreach (var (notice, bytes) in GatewayNotices.Forwarded(ready)) HandleNotice(notice, bytes, forwarded: true);
        foreach (var (request, reason) in ready.Refused)
            ReportRefusal(new Refusal(request.Device, request.Timestamp, request.Digest, new Rejection(RejectReason.Overloaded, reason)));
        Invoker.SetPrimary(Replica.IsPrimary);
        foreach (var spawn in Invoker.TakeSpawns()) Strategy.OnSpawn(this, spawn);
    }

    private void TraceViews(ReplicaReady ready)
    {
        foreach (var (view, reason) in ready.Suspicions)
        {
            Suspicions++;
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.View, Id, Id, MessageKind.Peer, (long)view, 0, $"suspects: {reason}"));
        }
        foreach (var (view, reason) in ready.ViewChangesStarted)
        {
            ViewChangesStarted++;
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.View, Id, Id, MessageKind.Peer, (long)view, 1, $"view change: {reason}"));
        }
        foreach (var view in ready.ViewsInstalled)
        {
            ViewsInstalled++;
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.View, Id, Id, MessageKind.Peer, (long)view, 2, $"installed; primary {Replica.PrimaryIndex}"));
        }
    }

    // ---- What strategies use to act ----

    /// <summary>Sends as PeerLinks does: to one gateway of the zone, or to every other one.</summary>
    public void SendPeer(Outbound outbound)
    {
        if (outbound.To is { } to) SendPeer(to, outbound.Message);
        else
            for (var peer = 0; peer < Zone.Gateways.Count; peer++)
                if (peer != Self) SendPeer(peer, outbound.Message);
    }

    public void SendPeer(int peer, PeerMessage message) => SendPeerBytes(peer, message.ToByteArray());

    public void SendPeerBytes(int peer, byte[] frame)
    {
        if ((uint)peer >= (uint)Zone.Gateways.Count || peer == Self) throw new ArgumentOutOfRangeException(nameof(peer));
        Send(World.GatewayId(ZoneIndex, peer), MessageKind.Peer, frame);
    }

    /// <summary>ExecutorInvoker.Spawn: one signed EXECUTE, posted to each listed executor.</summary>
    public void Spawn(SpawnRequest spawn)
    {
        var signed = SignExecute(spawn.Batch.Seq, spawn.Batch.Batch, spawn.Batch.Certificate);
        foreach (var executor in spawn.Executors) SendExecute(executor, signed);
    }

    public byte[] SignExecute(ulong seq, Batch batch, CommitCertificate certificate) =>
        SignedMessages.Sign(new Execute { Zone = Zone.Id, Seq = seq, Batch = batch, Certificate = certificate }, SignatureDomain.Execute, Self, _key).ToByteArray();

    public void SendExecute(int executor, byte[] signedExecute) => Send(new NodeId(NodeRole.Executor, executor), MessageKind.Execute, signedExecute);
}
