using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>
/// The latest certified lazy checkpoint of a zone a gateway holds (docs/zones.md decision Z4): the zone
/// decided <see cref="Seq"/> at the verifier with decided-history digest <see cref="Digest"/>, as proven
/// by <see cref="Proof"/> — the zone's own certified PROMISE or ACCEPTED carrying it, or a certified
/// COMMIT whose initiator zone checked it against that zone's certified ACCEPTED.
/// </summary>
public sealed record HeldCheckpoint(string Zone, ulong Seq, Bytes32 Digest, CertifiedStep Proof, GlobalStepKind ProofKind, string ProofZone, ulong ProofSlot)
{
    public ZoneCheckpoint ToWire() => new() { Zone = Zone, Seq = Seq, Digest = ByteString.CopyFrom(Digest.ToArray()) };

    public override string ToString() => $"{Zone}@{Seq} {Digest.ToHex()[..12]} (by {ProofZone}'s slot-{ProofSlot} {Core.Quorum.StepCertificates.ShortKind(ProofKind)})";
}

/// <summary>Where a certified step carries lazy checkpoints (shapes: <see cref="Core.Quorum.StepCertificates.CheckShape"/>).</summary>
public static class CheckpointProofs
{
    /// <summary>Every checkpoint a step carries: a PROMISE's or ACCEPTED's own zone's, a COMMIT's gathered ones.</summary>
    public static IEnumerable<ZoneCheckpoint> All(GlobalStep body) =>
        body.Checkpoint is { } own ? [own, .. body.Checkpoints] : body.Checkpoints;

    /// <summary>The checkpoint of <paramref name="zone"/> that <paramref name="body"/> carries, or null.</summary>
    public static ZoneCheckpoint? Find(GlobalStep body, string zone) => All(body).FirstOrDefault(c => c.Zone == zone);

    public static HeldCheckpoint Held(ZoneCheckpoint checkpoint, CertifiedStep proof, GlobalStep body) =>
        new(checkpoint.Zone, checkpoint.Seq, new Bytes32(checkpoint.Digest.Span), proof, body.Kind, body.Zone, body.Slot);
}
