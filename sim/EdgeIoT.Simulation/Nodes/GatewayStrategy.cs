using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// What a gateway does with what its real PBFT replica and invoker produce, and what it observes.
/// The honest strategy sends everything as production does; a byzantine one (CometBFT's byzantine
/// tests) overrides a step: drops, alters or equivocates, re-signing with the gateway's own key (it
/// owns its key, nothing else).
/// </summary>
public abstract class GatewayStrategy
{
    public virtual string Name => GetType().Name;
    public abstract bool IsByzantine { get; }
    /// <summary>This strategy's own random stream, set when the gateway is built.</summary>
    protected internal Random Random { get; internal set; } = null!;

    /// <summary>
    /// Whether the host processes an arriving message at all: false drops it unseen (a primary
    /// ignoring a device's requests, S1; a gateway deaf to a peer).
    /// </summary>
    public virtual bool AcceptInbound(SimGateway gateway, Message message) => true;

    /// <summary>
    /// Whether an admitted request (from a device, or one the verifier's ERROR(T) asks for) reaches the
    /// replica: where production's <c>GatewayFault.DropsRequest</c> sits (S1 request ignorance).
    /// </summary>
    public virtual bool AcceptRequest(SimGateway gateway, ClientRequest request) => true;

    /// <summary>A message the replica wants sent (to one peer, or to all when To is null).</summary>
    public virtual void OnPeerOutbound(SimGateway gateway, Outbound outbound) => gateway.SendPeer(outbound);

    /// <summary>An authenticated peer message, seen just before the replica steps it.</summary>
    public virtual void OnPeerInbound(SimGateway gateway, int from, PeerMessage message) { }

    /// <summary>The replica committed a batch (a byzantine gateway still learns certificates).</summary>
    public virtual void OnCommitted(SimGateway gateway, CommittedBatch batch) { }

    /// <summary>The invoker decided to spawn executors for a committed batch.</summary>
    public virtual void OnSpawn(SimGateway gateway, SpawnRequest spawn) => gateway.Spawn(spawn);

    public virtual void OnTick(SimGateway gateway) { }
}

public sealed class HonestGateway : GatewayStrategy
{
    public override bool IsByzantine => false;
}
