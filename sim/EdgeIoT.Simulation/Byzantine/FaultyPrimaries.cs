using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Byzantine;

/// <summary>
/// S1, request ignorance (serverlessbft §5.1): while primary, the gateway drops every request it
/// admitted — from devices and from the verifier's ERROR(T) — as <c>GatewayFault</c>'s
/// "ignore-requests" does. As a backup it behaves, so only a view change gets past it.
/// </summary>
public class IgnoringPrimary : GatewayStrategy
{
    public override bool IsByzantine => true;
    public long Ignored { get; private set; }

    public override bool AcceptRequest(SimGateway gateway, ClientRequest request)
    {
        if (!gateway.Replica.IsPrimary) return true;
        Ignored++;
        return false;
    }
}

/// <summary>
/// S2, unsuccessful consensus (§5.1): while primary, each PRE-PREPARE goes to f_R backups only, so
/// with the primary f_R + 1 &lt; 2 f_R + 1 gateways hold the proposal and it can never prepare. The backups that accepted it time it (§5.1.1) and suspect.
/// </summary>
public sealed class WithholdingPrimary : ProposalRewriter
{
    public long Withheld { get; private set; }

    protected override void Rewrite(SimGateway gateway, PrePrepare proposal)
    {
        Withheld++;
        var backups = Enumerable.Range(0, gateway.Zone.Gateways.Count).Where(i => i != gateway.Self).OrderBy(_ => Random.Next()).Take(gateway.Zone.FaultyGateways);
        foreach (var backup in backups) gateway.SendPeer(backup, new PeerMessage { PrePrepare = proposal });
    }
}

/// <summary>A primary that sends its own proposals (broadcast PRE-PREPAREs) its own way; everything else goes out as usual.</summary>
public abstract class ProposalRewriter : GatewayStrategy
{
    public override bool IsByzantine => true;

    public override void OnPeerOutbound(SimGateway gateway, Outbound outbound)
    {
        if (outbound.To is not null || outbound.Message.KindCase != PeerMessage.KindOneofCase.PrePrepare || !gateway.Replica.IsPrimary) gateway.SendPeer(outbound);
        else Rewrite(gateway, outbound.Message.PrePrepare);
    }

    protected abstract void Rewrite(SimGateway gateway, PrePrepare proposal);
}

/// <summary>S3, too few executors (§5.1): while primary, every spawn goes to a single executor.</summary>
public sealed class FewExecutorsPrimary : GatewayStrategy
{
    public override bool IsByzantine => true;
    public long Starved { get; private set; }

    public override void OnSpawn(SimGateway gateway, SpawnRequest spawn)
    {
        if (!gateway.Invoker.IsPrimary || spawn.Executors.Length <= 1)
        {
            gateway.Spawn(spawn);
            return;
        }
        Starved++;
        gateway.Spawn(spawn with { Executors = [spawn.Executors[Random.Next(spawn.Executors.Length)]] });
    }
}

/// <summary>
/// D1, node exclusion (§5.2): the gateway never sends one correct backup anything — proposals,
/// votes, checkpoints, NEW-VIEWs. Undetectable (Lemma 5.1): the victim learns what committed from the
/// other gateways' featherweight checkpoints and fetches it (§5.2.1).
/// </summary>
public sealed class ExcludingGateway(int victim) : GatewayStrategy
{
    public override bool IsByzantine => true;
    public int Victim => victim;
    public long Excluded { get; private set; }

    public override void OnPeerOutbound(SimGateway gateway, Outbound outbound)
    {
        if (outbound.To is { } to)
        {
            if (to == victim) Excluded++;
            else gateway.SendPeer(to, outbound.Message);
            return;
        }
        Excluded++;
        for (var peer = 0; peer < gateway.Zone.Gateways.Count; peer++)
            if (peer != gateway.Self && peer != victim) gateway.SendPeer(peer, outbound.Message);
    }
}

/// <summary>
/// D2 without the cleverness of <see cref="EquivocatingPrimary"/>: each backup gets its own variant
/// of every proposal (as <c>GatewayFault</c>'s "equivocate" does), so no batch ever prepares. Only a
/// view change, and the re-pending of the dropped proposals' requests (decisions D16), restore
/// progress.
/// </summary>
public sealed class SplittingPrimary : ProposalRewriter
{
    public long Splits { get; private set; }

    protected override void Rewrite(SimGateway gateway, PrePrepare original)
    {
        Splits++;
        for (var backup = 0; backup < gateway.Zone.Gateways.Count; backup++)
        {
            if (backup == gateway.Self) continue;
            // Rotated, or repeated for a single transaction: every variant is admissible and distinct.
            var variant = new Batch();
            var txs = original.Batch.Txs;
            if (txs.Count == 1) for (var i = 0; i <= backup; i++) variant.Txs.Add(txs[0]);
            else for (var i = 0; i < txs.Count; i++) variant.Txs.Add(txs[(i + backup) % txs.Count]);
            gateway.SendPeer(backup, new PeerMessage { PrePrepare = SignedProposal(gateway, original.View, original.Seq, variant) });
        }
    }

    internal static PrePrepare SignedProposal(SimGateway gateway, ulong view, ulong seq, Batch batch)
    {
        var digest = Batches.Digest(batch);
        return new PrePrepare
        {
            View = view,
            Seq = seq,
            BatchDigest = ByteString.CopyFrom(digest.ToArray()),
            Batch = batch,
            Signature = ByteString.CopyFrom(PhaseStatement.Sign(gateway.Key, SignatureDomain.PrePrepare, gateway.Zone.Id, view, seq, digest)),
        };
    }
}

/// <summary>
/// A byzantine new primary: as primary it ignores requests (S1), and the NEW-VIEW it sends when a view
/// change makes it primary does not follow from its view changes — the last slot's batch emptied, or
/// an extra null slot when there is nothing to drop — correctly signed. Backups recompute the plan,
/// refuse it, and move on to the next view.
/// </summary>
public sealed class ForgingNewViewPrimary : IgnoringPrimary
{
    public long Forged { get; private set; }

    public override void OnPeerOutbound(SimGateway gateway, Outbound outbound)
    {
        if (outbound.Message.KindCase != PeerMessage.KindOneofCase.NewView
            || !SignedMessages.TryParse(NewView.Parser, outbound.Message.NewView.Body.Span, out var newView))
        {
            gateway.SendPeer(outbound);
            return;
        }
        Forged++;
        if (newView.PrePrepares.Count > 0 && newView.PrePrepares[^1].Batch is { Txs.Count: > 0 })
        {
            var last = newView.PrePrepares[^1];
            newView.PrePrepares[^1] = SplittingPrimary.SignedProposal(gateway, last.View, last.Seq, new Batch());
        }
        else
        {
            var seq = newView.PrePrepares.Count > 0 ? newView.PrePrepares[^1].Seq + 1 : gateway.Replica.LowWatermark + 1;
            newView.PrePrepares.Add(SplittingPrimary.SignedProposal(gateway, newView.View, seq, new Batch()));
        }
        var forged = new PeerMessage { NewView = SignedMessages.Sign(newView, SignatureDomain.NewView, gateway.Self, gateway.Key) };
        if (outbound.To is { } to) gateway.SendPeer(to, forged);
        else gateway.SendPeer(new Outbound(null, forged));
    }
}
