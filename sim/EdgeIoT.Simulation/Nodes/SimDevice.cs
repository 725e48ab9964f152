using EdgeIoT.Core.Crypto;
using EdgeIoT.Devices;
using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Simulation.Workloads;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// A correct, closed-loop device: the real <see cref="DeviceCore"/> signing real JWS transactions
/// (<see cref="DeviceIdentity"/> on simulated time). It submits one transaction, waits for the
/// verifier's answer, thinks a little, and submits the next. Publishing to the zone is one message
/// per gateway (the broker's fan-out, each copy delayed and lost independently).
/// </summary>
public sealed class SimDevice : SimNode
{
    private readonly ISimWorkload _workload;
    private readonly Random _random;
    private readonly int _thinkTimeMaxMs;
    private long _nextSubmitMs;

    internal SimDevice(World world, int index, int zoneIndex, DeviceIdentity identity, DeviceClientOptions options, ISimWorkload workload, Random random, int thinkTimeMaxMs)
        : base(world, new NodeId(NodeRole.Device, index), identity.Id)
    {
        ZoneIndex = zoneIndex;
        Core = new DeviceCore(identity, world.Registry, options, world.Registry.Protocol.TickMs);
        _workload = workload;
        _random = random;
        _thinkTimeMaxMs = thinkTimeMaxMs;
        _nextSubmitMs = random.Next(thinkTimeMaxMs + 1);
    }

    public DeviceCore Core { get; }
    public int ZoneIndex { get; }
    public override bool IsCorrect => true;
    public long Submitted { get; private set; }
    public long Completed { get; private set; }
    public bool IsIdle => Core.PendingCount == 0;

    internal override void Receive(Message message)
    {
        switch (message.Kind)
        {
            case MessageKind.Response: Core.OnResponse(message.Body); break;
            case MessageKind.GatewayError: Core.OnGatewayError(message.Body); break;
            default: Ignored++; break;
        }
        Flush();
    }

    internal override void Tick()
    {
        Core.Tick();
        if (IsIdle && World.SubmissionsOpen && World.Clock.NowMs >= _nextSubmitMs) Submit();
        Flush();
    }

    private void Submit()
    {
        var item = _workload.Next(_random, Id.Index);
        var (jws, timestamp) = Core.Identity.Sign(item.App, item.Op, item.Args, item.Reads, item.Writes);
        Core.SubmitSigned(jws, timestamp);
        Submitted++;
        World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Submit, Id, Id, MessageKind.Transaction, (long)timestamp, 0, $"{item.App}.{item.Op}"));
        World.Checkers.OnDeviceSubmitted(this, timestamp, Sha256Digest.Of(jws));
    }

    private void Flush()
    {
        var ready = Core.TakeReady();
        if (ready.IsEmpty) return;
        foreach (var action in ready.Actions)
        {
            if (action.Kind == DeviceActionKind.SendToVerifier) Send(NodeId.Verifier, MessageKind.DirectTransaction, action.Jws);
            else
                foreach (var gateway in World.ZoneGateways(World.Registry.Zones.FindIndex(z => z.Id == action.Zone)))
                    Send(gateway.Id, MessageKind.Transaction, action.Jws);
        }
        foreach (var response in ready.VerifiedResponses) World.Checkers.OnDeviceResponse(this, response);
        foreach (var result in ready.Completed)
        {
            Completed++;
            World.Trace.Record(new TraceEntry(World.Clock.NowMs, TraceKind.Complete, Id, Id, MessageKind.Response, (long)result.Timestamp, (long)result.Seq, result.Outcome.ToString()));
            World.Checkers.OnDeviceCompleted(this, result);
            _nextSubmitMs = World.Clock.NowMs + _random.Next(_thinkTimeMaxMs + 1);
        }
    }
}
