using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Simulation.Nodes;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Byzantine;

/// <summary>
/// D2, equivocation (serverlessbft §5.2): the primary proposes batch A to f backups and a different
/// batch B (same transactions, another digest) to the other 2f at the same (view, k), and sends each
/// group its own signed COMMIT for what that group saw. With correct quorums only B can gather
/// 2f_R+1 commits; with <c>--unsafe commit-quorum</c> the f backups commit A too and the agreement
/// checker must fire. Being clever rather than merely loud, it then spawns executors for B with the
/// certificate it collected, so the zone keeps deciding while it equivocates.
/// </summary>
public sealed class EquivocatingPrimary : GatewayStrategy
{
    private readonly SortedDictionary<ulong, Equivocation> _bySeq = new();

    public override bool IsByzantine => true;
    public long Equivocations { get; private set; }

    public override void OnPeerOutbound(SimGateway gateway, Outbound outbound)
    {
        var message = outbound.Message;
        if (outbound.To is null && message.KindCase == PeerMessage.KindOneofCase.PrePrepare && gateway.Replica.IsPrimary
            && TryVariant(message.PrePrepare.Batch, gateway, out var variant))
        {
            Equivocate(gateway, message.PrePrepare, variant);
            return;
        }
        if (message.KindCase == PeerMessage.KindOneofCase.Commit && _bySeq.TryGetValue(message.Commit.Seq, out var known)
            && Bytes32.TryCreate(message.Commit.BatchDigest.Span, out var digest))
        {
            // The replica's own COMMIT goes only to the group that saw the same proposal.
            foreach (var peer in digest == known.DigestA ? known.Minority : known.Majority) gateway.SendPeer(peer, message);
            return;
        }
        gateway.SendPeer(outbound);
    }

    public override void OnPeerInbound(SimGateway gateway, int from, PeerMessage message)
    {
        if (message.KindCase != PeerMessage.KindOneofCase.Commit || !_bySeq.TryGetValue(message.Commit.Seq, out var known)) return;
        if (message.Commit.View != known.View || !Bytes32.TryCreate(message.Commit.BatchDigest.Span, out var digest) || digest != known.DigestB) return;
        known.CommitsB[from] = message.Commit.Signature.ToByteArray();
        if (known.Spawned || known.CommitsB.Count < gateway.Zone.QuorumSize) return;
        known.Spawned = true;
        var certificate = CommitCertificates.Build(new CommitStatement(gateway.Zone.Id, known.View, known.Seq, known.DigestB), known.CommitsB.Select(c => (c.Key, c.Value)));
        var execute = gateway.SignExecute(known.Seq, known.BatchB, certificate);
        for (var executor = 0; executor < gateway.World.Registry.Executors.Members.Count; executor++) gateway.SendExecute(executor, execute);
    }

    public override void OnTick(SimGateway gateway)
    {
        while (_bySeq.Count > 0 && _bySeq.Keys.First() <= gateway.Replica.LowWatermark) _bySeq.Remove(_bySeq.Keys.First());
    }

    /// <summary>Another batch with the same transactions: the last one repeated, or the order reversed when full.</summary>
    private static bool TryVariant(Batch? batch, SimGateway gateway, out Batch variant)
    {
        variant = null!;
        if (batch is null || batch.Txs.Count == 0) return false;
        variant = new Batch();
        if (batch.Txs.Count < gateway.World.Registry.Protocol.BatchSizeMax)
        {
            variant.Txs.AddRange(batch.Txs);
            variant.Txs.Add(batch.Txs[^1]);
            return true;
        }
        if (batch.Txs.Count < 2) return false;
        variant.Txs.AddRange(batch.Txs.Reverse());
        return Batches.Digest(variant) != Batches.Digest(batch);
    }

    private void Equivocate(SimGateway gateway, PrePrepare proposalA, Batch batchB)
    {
        var zone = gateway.Zone;
        var backups = Enumerable.Range(0, zone.Gateways.Count).Where(i => i != gateway.Self).OrderBy(_ => Random.Next()).ToArray();
        var minority = backups[..zone.FaultyGateways];
        var majority = backups[zone.FaultyGateways..];
        var digestA = new Bytes32(proposalA.BatchDigest.Span);
        var digestB = Batches.Digest(batchB);
        var proposalB = new PrePrepare
        {
            View = proposalA.View,
            Seq = proposalA.Seq,
            BatchDigest = ByteString.CopyFrom(digestB.ToArray()),
            Batch = batchB,
            Signature = ByteString.CopyFrom(PhaseStatement.Sign(gateway.Key, SignatureDomain.PrePrepare, zone.Id, proposalA.View, proposalA.Seq, digestB)),
        };
        var known = new Equivocation(proposalA.View, proposalA.Seq, digestA, minority, batchB, digestB, majority);
        _bySeq[proposalA.Seq] = known;
        Equivocations++;
        foreach (var peer in minority)
        {
            gateway.SendPeer(peer, new PeerMessage { PrePrepare = proposalA });
            gateway.SendPeer(peer, Commit(gateway, proposalA.View, proposalA.Seq, digestA));
        }
        var commitB = Commit(gateway, proposalA.View, proposalA.Seq, digestB);
        known.CommitsB[gateway.Self] = commitB.Commit.Signature.ToByteArray();
        foreach (var peer in majority)
        {
            gateway.SendPeer(peer, new PeerMessage { PrePrepare = proposalB });
            gateway.SendPeer(peer, commitB);
        }
    }

    private static PeerMessage Commit(SimGateway gateway, ulong view, ulong seq, Bytes32 digest) => new()
    {
        Commit = new Commit
        {
            View = view,
            Seq = seq,
            BatchDigest = ByteString.CopyFrom(digest.ToArray()),
            Signature = ByteString.CopyFrom(new CommitStatement(gateway.Zone.Id, view, seq, digest).Sign(gateway.Key)),
        },
    };

    private sealed class Equivocation(ulong view, ulong seq, Bytes32 digestA, int[] minority, Batch batchB, Bytes32 digestB, int[] majority)
    {
        public ulong View { get; } = view;
        public ulong Seq { get; } = seq;
        public Bytes32 DigestA { get; } = digestA;
        public int[] Minority { get; } = minority;
        public Batch BatchB { get; } = batchB;
        public Bytes32 DigestB { get; } = digestB;
        public int[] Majority { get; } = majority;
        public SortedDictionary<int, byte[]> CommitsB { get; } = new();
        public bool Spawned;
    }
}
