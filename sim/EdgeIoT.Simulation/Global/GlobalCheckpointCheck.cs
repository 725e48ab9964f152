using EdgeIoT.Core.Quorum;

namespace EdgeIoT.Simulation.Global;

/// <summary>
/// Lazy checkpoints (docs/zones.md decision Z4): every checkpoint a correct gateway holds for zone z at k
/// is the verifier's D_k of z — the data plane's chain, the ground truth — and its proof is a certificate
/// of the registry that carries it. A certified false digest means a zone's members endorsed a history
/// the verifier never decided.
/// </summary>
public sealed class GlobalCheckpointCheck(GlobalWorld world) : GlobalCheck(world)
{
    public override string Name => "global-checkpoints";
    /// <summary>Held checkpoints compared with the ground truth (each time a gateway's latest of a zone changed).</summary>
    public long Checked { get; private set; }

    private readonly Dictionary<(GlobalGatewayNode Gateway, string Zone), ulong> _seen = [];

    public override void AfterStep()
    {
        if (World.Clock.NowMs % 20 == 0) CheckAll();
    }

    public override void AtEnd() => CheckAll();

    private void CheckAll()
    {
        foreach (var gateway in World.CorrectGateways)
            foreach (var held in gateway.Coordinator.Checkpoints.Values)
            {
                if (_seen.TryGetValue((gateway, held.Zone), out var seq) && seq == held.Seq) continue;
                _seen[(gateway, held.Zone)] = held.Seq;
                Checked++;
                var truth = World.DataPlane.ZoneDigest(World.ZoneIndex(held.Zone), held.Seq);
                if (truth is null)
                    throw Violation($"{gateway.Name} holds a certified checkpoint {held}, but the verifier decided {held.Zone} only up to {World.DataPlane.DecidedSeq(World.ZoneIndex(held.Zone))}");
                if (truth.Value != held.Digest)
                    throw Violation($"{gateway.Name} holds a certified checkpoint {held}, but the verifier's D_{held.Seq} of {held.Zone} is {truth.Value.ToHex()[..12]}");
                if (!StepCertificates.TryVerify(held.Proof, World.Registry, out var body, out var reason, World.EndorsementCheck.Check))
                    throw Violation($"{gateway.Name} holds checkpoint {held} on a proof that does not verify: {reason}");
                if (Gateway.Protocol.Global.CheckpointProofs.Find(body, held.Zone) is not { } carried || !carried.Equals(held.ToWire()))
                    throw Violation($"{gateway.Name} holds checkpoint {held} on a proof that does not carry it");
            }
    }
}
