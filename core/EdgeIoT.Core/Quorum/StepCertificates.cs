using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Core.Quorum;

/// <summary>
/// Checking a zone's certificate on a global step (ziziphus §3.2.1): 2f+1 distinct, valid endorsements
/// from registered gateways of the step's zone over the exact body bytes. Used by gateways (for the
/// global protocol and to admit LOCK/ADOPT system entries) and by the verifier (for ADOPT).
/// </summary>
public static class StepCertificates
{
    /// <summary>Largest step body anyone accepts (a migration order carries one device envelope).</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static bool TryVerify(CertifiedStep? certified, NetworkRegistry registry, out GlobalStep step, out string reason)
    {
        step = null!;
        if (certified is null) { reason = "no certified step"; return false; }
        if (certified.Body.Length > MaxBodyBytes) { reason = $"step body of {certified.Body.Length} bytes exceeds {MaxBodyBytes}"; return false; }
        try
        {
            step = GlobalStep.Parser.ParseFrom(certified.Body);
        }
        catch (InvalidProtocolBufferException e)
        {
            reason = $"step body is not a GlobalStep: {e.Message}";
            return false;
        }
        if (!registry.TryGetZone(step.Zone, out var zone)) { reason = $"step is endorsed by unknown zone \"{step.Zone}\""; return false; }
        if (certified.Endorsements.Count > zone.Gateways.Count) { reason = $"{certified.Endorsements.Count} endorsements for a zone of {zone.Gateways.Count}"; return false; }
        var seen = new bool[zone.Gateways.Count];
        var valid = 0;
        foreach (var endorsement in certified.Endorsements)
        {
            if (endorsement.Gateway >= (uint)zone.Gateways.Count || seen[endorsement.Gateway]) continue;
            seen[endorsement.Gateway] = true;
            if (endorsement.Signature.Length != 64) continue;
            if (!Ed25519.Verify(zone.Gateways[(int)endorsement.Gateway].Key, SignatureDomain.Endorse, certified.Body.Span, endorsement.Signature.Span)) continue;
            if (++valid == zone.QuorumSize) { reason = ""; return true; }
        }
        reason = $"only {valid} valid endorsements from zone {zone.Id}, {zone.QuorumSize} needed";
        return false;
    }

    public static byte[] Sign(SigningKey key, ReadOnlySpan<byte> body) => key.Sign(SignatureDomain.Endorse, body);
}
