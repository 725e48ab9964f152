using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Devices;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Global;

/// <summary>How a byzantine gateway misbehaves (the real coordinator, with what it sends swapped).</summary>
public enum ByzantineKind
{
    /// <summary>Sends nothing, orders no system entry: as primary it stalls its zone until the view change.</summary>
    Silent,
    /// <summary>Endorses anything (even twice); as primary sends tampered bodies to half its zone; forges certificates to other zones; sends bad votes; orders system entries only half the time.</summary>
    Tampering,
    /// <summary>Correct, plus floods of queries, garbage steps and garbage votes, and lone suspicions of its primary.</summary>
    Flooding,
}

/// <summary>A gateway: the real <see cref="GlobalCoordinator"/> wired as a host would wire it.</summary>
public sealed class GlobalGatewayNode
{
    private readonly GlobalWorld _world;
    private readonly Random _random;

    internal GlobalGatewayNode(GlobalWorld world, int globalIndex, int zone, int index, SigningKey key, ByzantineKind? byzantine, Random random)
    {
        _world = world;
        _random = random;
        Zone = zone;
        Index = index;
        Byzantine = byzantine;
        Id = new NodeId(NodeRole.Gateway, globalIndex);
        var unsafeMode = world.Options.Unsafe;
        Coordinator = new GlobalCoordinator(new GlobalCoordinatorOptions
        {
            Registry = world.Registry,
            Zone = world.ZoneId(zone),
            SelfIndex = index,
            UnsafeZoneQuorum = unsafeMode == UnsafeMode.GlobalQuorum ? 1 : 0,
            UnsafeAcceptBelowPromise = unsafeMode == UnsafeMode.AcceptBelowPromise,
            UnsafeEndorseTwice = byzantine == ByzantineKind.Tampering,
            // A tampering gateway lies about its zone's history as primary and endorses any checkpoint as member.
            UnsafeCheckpointLie = byzantine == ByzantineKind.Tampering,
            UnsafeSkipCheckpointCheck = byzantine == ByzantineKind.Tampering || unsafeMode == UnsafeMode.CheckpointUnchecked,
            EndorsementCheck = world.EndorsementCheck.Check,
        }, key, (ulong)SeedStreams.DeriveInt(world.Seed, $"coordinator/{zone}/{index}"));
    }

    public NodeId Id { get; }
    public int Zone { get; }
    public int Index { get; }
    public ByzantineKind? Byzantine { get; }
    public bool IsCorrect => Byzantine is null;
    public GlobalCoordinator Coordinator { get; }
    public string Name => $"{_world.ZoneId(Zone)}-g{Index}{(Byzantine is { } b ? $" ({b})" : "")}";
    public long Rejected { get; private set; }
    public long Tampered { get; private set; }
    public long Flooded { get; private set; }
    public long Executed { get; private set; }
    public List<string> LastRejections { get; } = [];

    internal void Start()
    {
        Coordinator.OnView(_world.DataPlane.View(Zone));
        Flush();
    }

    internal void Tick()
    {
        Coordinator.Tick();
        if (Byzantine == ByzantineKind.Flooding && _world.Clock.NowMs % 7 == Index) Flood();
        Flush();
    }

    internal void OnView(ulong view)
    {
        if (!_world.IsZoneUp(Zone)) return;
        Coordinator.OnView(view);
        Flush();
    }

    internal void OnLockPoint(ulong seq, MigrationReceipt receipt)
    {
        if (!_world.IsZoneUp(Zone)) return;
        Coordinator.OnLockPoint(seq, receipt);
        Flush();
    }

    /// <summary>The zone's PBFT log committed <paramref name="batch"/> at <paramref name="seq"/>.</summary>
    internal void OnZoneCommitted(ulong seq, Batch batch)
    {
        if (!_world.IsZoneUp(Zone)) return;
        Coordinator.OnZoneCommitted(seq, batch);
        Flush();
    }

    /// <summary>A DECIDED notice of this zone: the verifier decided <paramref name="seq"/> with zone digest <paramref name="digest"/>.</summary>
    internal void OnZoneDecided(ulong seq, Bytes32 digest)
    {
        if (!_world.IsZoneUp(Zone)) return;
        Coordinator.OnZoneDecided(seq, digest.ToArray());
        Flush();
    }

    internal void OnAdopted(MigrationReceipt receipt)
    {
        if (!_world.IsZoneUp(Zone)) return;
        Coordinator.OnAdopted(receipt);
        Flush();
    }

    internal void OnRequest(byte[] jws)
    {
        Coordinator.OnMigrationRequest(jws, out _);
        Flush();
    }

    private void OnBytes(int fromZone, int fromIndex, byte[] bytes)
    {
        GlobalMessage message;
        if (bytes.Length > 256 * 1024)
        {
            Rejected++;
            return;
        }
        try
        {
            message = GlobalMessage.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            Rejected++;
            return;
        }
        if (fromZone == Zone) Coordinator.OnZoneMessage(fromIndex, message);
        else Coordinator.OnRemoteMessage(_world.ZoneId(fromZone), fromIndex, message);
        Flush();
    }

    private void Flush()
    {
        var ready = Coordinator.TakeReady();
        Rejected += ready.Rejected.Count;
        foreach (var r in ready.Rejected)
        {
            LastRejections.Add(r);
            if (LastRejections.Count > 8) LastRejections.RemoveAt(0);
        }
        if (IsCorrect)
            foreach (var executed in ready.Executed)
            {
                Executed++;
                foreach (var check in _world.Checks) check.OnExecuted(this, executed);
            }
        foreach (var outbound in ready.Messages) Send(outbound);
        if (Byzantine != ByzantineKind.Silent && Coordinator.IsPrimary && _world.DataPlane.View(Zone) == Coordinator.View)
        {
            // A tampering primary orders entries only half the time, and then a forged certificate (two
            // endorsements) half of that: PBFT backups and the verifier refuse it (StepCertificates).
            var orders = Byzantine != ByzantineKind.Tampering || _random.Next(2) == 0;
            if (orders)
            {
                foreach (var request in ready.LockRequests) _world.DataPlane.Order(Zone, MaybeForge(request.Commit), adopt: false);
                foreach (var request in ready.AdoptRequests) _world.DataPlane.Order(Zone, MaybeForge(request.History), adopt: true);
            }
        }
        if (Byzantine != ByzantineKind.Silent)
            foreach (var refusal in ready.DeviceRefusals)
            {
                var device = _world.Devices.First(d => d.Id == refusal.Device);
                var (zone, index, ts, reason) = (Zone, Index, refusal.Timestamp, Byzantine is null ? refusal.Reason : "forged-" + refusal.Reason);
                _world.Send(Id, Zone, device.NodeId, Zone, MessageKind.GatewayError, GlobalWorld.Digest(reason), _ => device.OnRefusal(zone, index, ts, reason));
            }
        if (Byzantine != ByzantineKind.Silent)
            foreach (var suspicion in ready.Suspicions) _world.DataPlane.Suspect(Zone, Index, Coordinator.View, suspicion);
    }

    private CertifiedStep MaybeForge(CertifiedStep step)
    {
        if (Byzantine != ByzantineKind.Tampering || _random.Next(2) == 0) return step;
        Tampered++;
        var forged = step.Clone();
        while (forged.Endorsements.Count > 2) forged.Endorsements.RemoveAt(forged.Endorsements.Count - 1);
        return forged;
    }

    private void Send(GlobalOutbound outbound)
    {
        if (Byzantine == ByzantineKind.Silent) return;
        var message = outbound.Message;
        if (outbound.Target == GlobalTarget.AllOtherZones && message.KindCase == GlobalMessage.KindOneofCase.Step)
            _world.OnStepSent(Zone, GlobalStep.Parser.ParseFrom(message.Step.Body).Kind);
        foreach (var (zone, index) in Targets(outbound))
        {
            var sent = message;
            if (Byzantine == ByzantineKind.Tampering && _random.Next(2) == 0 && Tamper(message) is { } tampered)
            {
                Tampered++;
                sent = tampered;
            }
            var bytes = sent.ToByteArray();
            var target = _world.ZoneGateways[zone][index];
            var (fromZone, fromIndex) = (Zone, Index);
            _world.Send(Id, Zone, target.Id, zone, zone == Zone ? MessageKind.Peer : MessageKind.Notice, bytes, b => target.OnBytes(fromZone, fromIndex, b));
        }
    }

    private IEnumerable<(int Zone, int Index)> Targets(GlobalOutbound outbound)
    {
        var zones = _world.Setup.Zones;
        var n = _world.Setup.GatewaysPerZone;
        switch (outbound.Target)
        {
            case GlobalTarget.Member:
                yield return (Zone, outbound.Member);
                break;
            case GlobalTarget.ZoneMembers:
                for (var i = 0; i < n; i++) if (i != Index) yield return (Zone, i);
                break;
            case GlobalTarget.Zone:
                var z = _world.ZoneIndex(outbound.Zone!);
                for (var i = 0; i < n; i++) yield return (z, i);
                break;
            case GlobalTarget.RemoteGateway:
                yield return (_world.ZoneIndex(outbound.Zone!), outbound.Member);
                break;
            case GlobalTarget.AllOtherZones:
                for (var other = 0; other < zones; other++)
                    if (other != Zone) for (var i = 0; i < n; i++) yield return (other, i);
                break;
        }
    }

    /// <summary>A variant that a correct receiver must refuse or that must not matter.</summary>
    private GlobalMessage? Tamper(GlobalMessage message)
    {
        switch (message.KindCase)
        {
            case GlobalMessage.KindOneofCase.EndorseRequest:
            {
                var body = GlobalStep.Parser.ParseFrom(message.EndorseRequest.Body);
                if (body.Checkpoint is { } checkpoint && _random.Next(3) == 0)
                {
                    // Another digest for the same k: the members that got this copy refuse it.
                    var digest = checkpoint.Digest.ToByteArray();
                    digest[_random.Next(digest.Length)] ^= 1;
                    checkpoint.Digest = ByteString.CopyFrom(digest);
                }
                else if (_random.Next(2) == 0) body.Ballot = new Ballot { N = body.Ballot.N + 1, Zone = body.Ballot.Zone };
                else if (body.Order is not null) body.Order.Timestamp++;
                else body.Slot++;
                var request = message.EndorseRequest.Clone();
                request.Body = body.ToByteString();
                return new GlobalMessage { EndorseRequest = request };
            }
            case GlobalMessage.KindOneofCase.EndorseVote:
            {
                var vote = message.EndorseVote.Clone();
                var signature = vote.Endorsement.Signature.ToByteArray();
                signature[_random.Next(signature.Length)] ^= 1;
                vote.Endorsement.Signature = ByteString.CopyFrom(signature);
                return new GlobalMessage { EndorseVote = vote };
            }
            case GlobalMessage.KindOneofCase.Step:
            {
                var step = message.Step.Clone();
                if (_random.Next(2) == 0)
                {
                    // Keep one endorsement: a certificate of one.
                    var one = step.Endorsements[0];
                    step.Endorsements.Clear();
                    step.Endorsements.Add(one);
                    step.Endorsements.Add(one);
                    step.Endorsements.Add(one);
                }
                else
                {
                    var body = GlobalStep.Parser.ParseFrom(step.Body);
                    body.Slot += 1;
                    step.Body = body.ToByteString();
                }
                return new GlobalMessage { Step = step };
            }
            default:
                return null;
        }
    }

    private void Flood()
    {
        Flooded++;
        var other = (Zone + 1 + _random.Next(_world.Setup.Zones - 1)) % _world.Setup.Zones;
        var query = new GlobalMessage { Query = new ResponseQuery { Slot = (ulong)_random.Next(1, 100), Kind = (GlobalStepKind)_random.Next(1, 8), Zone = _world.ZoneId(Zone), Device = $"d{_random.Next(50)}" } };
        var garbage = new byte[_random.Next(1, 200)];
        _random.NextBytes(garbage);
        var forged = new GlobalMessage { Step = new CertifiedStep { Body = ByteString.CopyFrom(garbage) } };
        var vote = new GlobalMessage { EndorseVote = new EndorseVote { BodyDigest = ByteString.CopyFrom(garbage.Length >= 32 ? garbage[..32] : new byte[32]), Endorsement = new Endorsement { Gateway = (uint)Index, Signature = ByteString.CopyFrom(new byte[64]) } } };
        Send(new GlobalOutbound(GlobalTarget.Zone, -1, _world.ZoneId(other), query));
        Send(new GlobalOutbound(GlobalTarget.Zone, -1, _world.ZoneId(other), forged));
        Send(new GlobalOutbound(GlobalTarget.ZoneMembers, -1, null, vote));
        if (_random.Next(10) == 0) _world.DataPlane.Suspect(Zone, Index, Coordinator.View, "flooding gateway's lone suspicion");
    }
}

/// <summary>
/// A correct device that migrates: it signs <c>sys</c>/<c>migrate</c> to a random other zone, publishes it
/// to every gateway of the initiator zone, and waits for an outcome: f+1 matching refusals from that
/// zone's gateways, or the verifier's answer once the destination adopted it. On a timeout it publishes
/// again and asks the verifier (as DeviceCore does), with a doubling timeout.
/// </summary>
public sealed class MigrationDevice
{
    private readonly GlobalWorld _world;
    private readonly Random _random;
    private readonly DeviceIdentity _identity;
    private Pending? _pending;
    private long _nextSubmitMs;

    private sealed class Pending(ulong timestamp, int to, int initiator, byte[] jws, long at)
    {
        public ulong Timestamp { get; } = timestamp;
        public int To { get; } = to;
        public int Initiator { get; } = initiator;
        public byte[] Jws { get; } = jws;
        public long SubmittedMs { get; } = at;
        public long RetryMs { get; set; }
        public int TimeoutMs { get; set; }
        public Dictionary<string, HashSet<int>> Refusals { get; } = [];
    }

    internal MigrationDevice(GlobalWorld world, int index, string id, int zone, SigningKey key, Random random)
    {
        _world = world;
        _random = random;
        Id = id;
        NodeId = new NodeId(NodeRole.Device, index);
        CurrentZone = zone;
        _identity = new DeviceIdentity(id, world.ZoneId(zone), key, world.Clock);
    }

    public string Id { get; }
    public NodeId NodeId { get; }
    public int CurrentZone { get; private set; }
    public long Submitted { get; private set; }
    public long Moved { get; private set; }
    public long RefusedCount { get; private set; }
    public long Retries { get; private set; }
    public bool IsIdle => _pending is null;
    public long? PendingSinceMs => _pending?.SubmittedMs;
    public string? PendingDescription => _pending is { } p ? $"{Id}@{p.Timestamp} {_world.ZoneId(CurrentZone)} -> {_world.ZoneId(p.To)} via {_world.ZoneId(p.Initiator)}" : null;
    /// <summary>The liveness promise covers this device's open request: no zone it needs is down for good.</summary>
    public bool LivenessApplies => _pending is not { } p
        ? !_world.DeadZones.Contains(CurrentZone)
        : !_world.DeadZones.Contains(CurrentZone) && !_world.DeadZones.Contains(p.To) && !_world.DeadZones.Contains(p.Initiator);
    public event Action<MigrationDevice, long>? Answered;

    internal void Start() => _nextSubmitMs = _random.Next(_world.Setup.ThinkTimeMaxMs + 1);

    internal void Tick()
    {
        var now = _world.Clock.NowMs;
        if (_pending is { } pending)
        {
            if (now >= pending.RetryMs)
            {
                Retries++;
                pending.TimeoutMs = Math.Min(pending.TimeoutMs * 2, 4 * _world.Setup.DeviceTimeoutMs);
                pending.RetryMs = now + pending.TimeoutMs;
                Publish(pending);
                if (_world.DataPlane.AdoptedAt(Id, pending.Timestamp)) Complete(true);
            }
            return;
        }
        if (!_world.SubmissionsOpen || now < _nextSubmitMs || _world.DeadZones.Contains(CurrentZone)) return;
        var targets = Enumerable.Range(0, _world.Setup.Zones).Where(z => z != CurrentZone && !_world.DeadZones.Contains(z)).ToList();
        if (targets.Count == 0) return;
        var to = targets[_random.Next(targets.Count)];
        var initiator = _world.ZoneIndex(MigrationRequests.InitiatorZone(_world.Registry, _world.ZoneId(to)));
        if (_world.DeadZones.Contains(initiator)) return;
        var (jws, ts) = _identity.Sign(MigrationRequests.App, MigrationRequests.Op, new Dictionary<string, string> { ["to"] = _world.ZoneId(to) });
        _pending = new Pending(ts, to, initiator, jws, now) { TimeoutMs = _world.Setup.DeviceTimeoutMs, RetryMs = now + _world.Setup.DeviceTimeoutMs };
        Submitted++;
        _world.Trace.Record(new TraceEntry(now, TraceKind.Submit, NodeId, default, MessageKind.Transaction, (long)ts, to, PendingDescription));
        Publish(_pending);
    }

    private void Publish(Pending pending)
    {
        foreach (var gateway in _world.ZoneGateways[pending.Initiator])
            _world.Send(NodeId, pending.Initiator, gateway.Id, pending.Initiator, MessageKind.Transaction, pending.Jws, gateway.OnRequest);
    }

    internal void OnRefusal(int zone, int gateway, ulong timestamp, string reason)
    {
        if (_pending is not { } pending || pending.Timestamp != timestamp || zone != pending.Initiator) return;
        if (!pending.Refusals.TryGetValue(reason, out var gateways)) pending.Refusals[reason] = gateways = [];
        gateways.Add(gateway);
        if (gateways.Count >= _world.Setup.FaultyGateways + 1) Complete(false);
    }

    /// <summary>The verifier's answer after the destination adopted the device (delivered over the lossy network; a retry asks again).</summary>
    internal void OnAdopted(ulong timestamp)
    {
        if (_pending is { } pending && pending.Timestamp == timestamp) Complete(true);
    }

    private void Complete(bool moved)
    {
        var pending = _pending!;
        _pending = null;
        if (moved)
        {
            Moved++;
            CurrentZone = pending.To;
            _identity.Zone = _world.ZoneId(pending.To);
        }
        else RefusedCount++;
        _nextSubmitMs = _world.Clock.NowMs + _random.Next(_world.Setup.ThinkTimeMaxMs + 1);
        _world.Trace.Record(new TraceEntry(_world.Clock.NowMs, TraceKind.Complete, NodeId, default, MessageKind.Response, (long)pending.Timestamp, moved ? 1 : 0, moved ? "moved" : "refused"));
        Answered?.Invoke(this, _world.Clock.NowMs - pending.SubmittedMs);
    }
}
