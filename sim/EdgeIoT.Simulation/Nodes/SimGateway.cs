using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// A gateway host wired exactly like production: <c>Ingress</c> (admission of device transactions,
/// peer message authentication, every transaction of a PRE-PREPARE admitted, verifier-signed notices)
/// in front of the real <see cref="PbftReplica"/> and <see cref="InvokerCore"/>, and
/// <c>GatewayNode.Flush</c> behind them (messages to peers, committed batches to the invoker,
/// refusals to devices, spawns to executors). What leaves the node passes through its
/// <see cref="GatewayStrategy"/>.
/// </summary>
public sealed class SimGateway : SimNode
{
    /// <summary>ErrorReporter's per-device budget of refusals per second.</summary>
    private const int MaxErrorsPerDevicePerSecond = 5;

    private readonly SigningKey _key;
    private readonly TxAdmission _admission;
    // Ingress state: DeviceProgress and VerifiedTxCache.
    private readonly Dictionary<string, ulong> _lastDecided = new(StringComparer.Ordinal);
    private readonly HashSet<Bytes32> _verified = [];
    private readonly int _verifiedCapacity;
    private readonly Dictionary<string, (long Second, int Count)> _errorBudget = new(StringComparer.Ordinal);
    private readonly ReplicaOptions _replicaOptions;

    internal SimGateway(World world, NodeId id, int zoneIndex, ZoneInfo zone, int self, SigningKey key, GatewayStrategy strategy)
        : base(world, id, zone.Gateways[self].Id)
    {
        ZoneIndex = zoneIndex;
        Zone = zone;
        Self = self;
        _key = key;
        Strategy = strategy;
        var registry = world.Registry;
        _admission = new TxAdmission(registry, zone.Id);
        _verifiedCapacity = 4 * registry.Protocol.WindowBatches * registry.Protocol.BatchSizeMax;
        _replicaOptions = new ReplicaOptions
        {
            Zone = zone,
            SelfIndex = self,
            Protocol = registry.Protocol,
            UnsafeQuorumReduction = world.Options.Unsafe == UnsafeMode.CommitQuorum ? 1 : 0,
        };
        Replica = new PbftReplica(_replicaOptions, key);
        Invoker = new InvokerCore(registry.Protocol, registry.Executors.Members.Count);
        Invoker.SetPrimary(Replica.IsPrimary);
    }

    public int ZoneIndex { get; }
    public ZoneInfo Zone { get; }
    public int Self { get; }
    public PbftReplica Replica { get; private set; }
    public InvokerCore Invoker { get; private set; }
    public GatewayStrategy Strategy { get; }
    /// <summary>The gateway's own key: a byzantine strategy may sign anything with it.</summary>
    public SigningKey Key => _key;
    public override bool IsCorrect => !Strategy.IsByzantine;
    public long Admitted { get; private set; }
    public long Refused { get; private set; }
    public long PeerRejected { get; private set; }
    public long NoticesRejected { get; private set; }

    protected override string RestartUnsupportedReason =>
        "PbftReplica has no persisted state yet; a replica restarted with amnesia could vote twice at one sequence number (hook: rebuild Replica and Invoker here from what Flush persisted)";

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
        if (!_admission.TryAdmit(raw, out var tx, out var rejection))
        {
            Refused++;
            ReportRefusal(tx?.DeviceId ?? JwsCompact.PeekKeyId(raw), tx?.Timestamp, tx?.Digest, rejection);
            return;
        }
        var last = LastDecided(tx.DeviceId);
        if (tx.Timestamp <= last)
        {
            Refused++;
            ReportRefusal(tx.DeviceId, tx.Timestamp, tx.Digest, new Rejection(RejectReason.StaleTimestamp, $"timestamp {tx.Timestamp} is not above the device's last decided timestamp {last} (a replay, or sent out of order)"));
            return;
        }
        RememberVerified(tx.Digest);
        Admitted++;
        Replica.Propose(new ClientRequest(tx.Digest, raw, tx.DeviceId, tx.Timestamp));
    }

    private void OnPeerFrame(NodeId from, byte[] payload)
    {
        // The MAC'd links only ever deliver frames from this zone's gateways, with the sender pinned.
        if (World.Node(from) is not SimGateway sender || sender.ZoneIndex != ZoneIndex)
        {
            PeerRejected++;
            return;
        }
        if (!SignedMessages.TryParse(PeerMessage.Parser, payload, out var message)
            || !PeerMessageAuthenticator.TryAuthenticate(Zone, sender.Self, message, out _)
            || (message.KindCase == PeerMessage.KindOneofCase.PrePrepare && !BatchIsAdmissible(message.PrePrepare.Batch)))
        {
            PeerRejected++;
            return;
        }
        Strategy.OnPeerInbound(this, sender.Self, message);
        Replica.Step(sender.Self, message);
    }

    private bool BatchIsAdmissible(Batch? batch)
    {
        if (batch is null || batch.Txs.Count == 0 || batch.Txs.Count > World.Registry.Protocol.BatchSizeMax) return false;
        foreach (var tx in batch.Txs)
        {
            var raw = tx.ToByteArray();
            if (_verified.Contains(Sha256Digest.Of(raw))) continue;
            if (!_admission.TryAdmit(raw, out var decoded, out _)) return false;
            RememberVerified(decoded.Digest);
        }
        return true;
    }

    private void OnNotice(byte[] payload)
    {
        if (!SignedMessages.TryParse(Signed.Parser, payload, out var signed)
            || !SignedMessages.Verify(signed, SignatureDomain.VerifierNotice, World.Registry.Verifier.Key)
            || !SignedMessages.TryParse(VerifierNotice.Parser, signed.Body.Span, out var notice))
        {
            NoticesRejected++;
            return;
        }
        if (notice.KindCase != VerifierNotice.KindOneofCase.Decided || notice.Decided.Zone != Zone.Id) return;
        // GatewayNode.OnDecided
        var decided = notice.Decided;
        var digests = new List<Bytes32>(decided.Txs.Count);
        foreach (var tx in decided.Txs)
        {
            if (Bytes32.TryCreate(tx.TxDigest.Span, out var digest)) digests.Add(digest);
            if (tx.Status is TxStatus.Committed or TxStatus.Aborted)
                _lastDecided[tx.Device] = Math.Max(LastDecided(tx.Device), tx.Timestamp);
        }
        Replica.OnDecided(decided.Seq, digests);
        Invoker.OnDecided(decided.Seq);
    }

    private ulong LastDecided(string device) => _lastDecided.TryGetValue(device, out var ts) ? ts : 0;

    private void RememberVerified(Bytes32 digest)
    {
        if (_verified.Count >= _verifiedCapacity) _verified.Clear();
        _verified.Add(digest);
    }

    /// <summary>ErrorReporter: a gateway-signed refusal on the device's error topic, rate-limited per device.</summary>
    private void ReportRefusal(string? device, ulong? timestamp, Bytes32? digest, Rejection rejection)
    {
        if (device is null || !World.Registry.TryGetDevice(device, out _) || !World.TryGetDevice(device, out var target)) return;
        var second = World.Clock.NowMs / 1000;
        var budget = _errorBudget.TryGetValue(device, out var b) && b.Second == second ? (second, b.Count + 1) : (second, 1);
        _errorBudget[device] = budget;
        if (budget.Item2 > MaxErrorsPerDevicePerSecond) return;
        Send(target, MessageKind.GatewayError, GatewayRejection.Sign(_key, Name, device, timestamp, digest, rejection));
    }

    // ---- GatewayNode.Flush ----

    private void Flush()
    {
        var ready = Replica.TakeReady();
        foreach (var outbound in ready.Messages) Strategy.OnPeerOutbound(this, outbound);
        foreach (var committed in ready.Committed)
        {
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Commit, Id, Id, MessageKind.Peer, (long)committed.Seq, committed.Batch.Txs.Count, null), committed.Digest.ToArray());
            if (IsCorrect) World.Checkers.OnGatewayCommitted(this, committed);
            Invoker.OnCommitted(committed);
            Strategy.OnCommitted(this, committed);
        }
        foreach (var (request, reason) in ready.Refused)
            ReportRefusal(request.Device, request.Timestamp, request.Digest, new Rejection(RejectReason.Overloaded, reason));
        Invoker.SetPrimary(Replica.IsPrimary);
        foreach (var spawn in Invoker.TakeSpawns()) Strategy.OnSpawn(this, spawn);
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
