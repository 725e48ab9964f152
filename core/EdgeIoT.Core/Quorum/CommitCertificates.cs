using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Core.Quorum;

/// <summary>
/// Building and checking commit certificates: 2f_R+1 distinct, valid gateway signatures on one
/// COMMIT statement (serverlessbft §4.3, Fig. 3 line 14 condition 3).
/// </summary>
public static class CommitCertificates
{
    public static CommitCertificate Build(CommitStatement statement, IEnumerable<(int Replica, byte[] Signature)> signatures)
    {
        var certificate = new CommitCertificate
        {
            Zone = statement.Zone,
            View = statement.View,
            Seq = statement.Seq,
            BatchDigest = ByteString.CopyFrom(statement.BatchDigest.ToArray()),
        };
        foreach (var (replica, signature) in signatures.OrderBy(s => s.Replica))
            certificate.Signatures.Add(new CommitSignature { Replica = (uint)replica, Signature = ByteString.CopyFrom(signature) });
        return certificate;
    }

    /// <summary>
    /// Checks that <paramref name="certificate"/> proves <paramref name="zone"/> committed
    /// <paramref name="batchDigest"/> at <paramref name="seq"/>. Stops verifying once a quorum of
    /// valid signatures is found; duplicates, unknown signers and bad signatures do not count.
    /// </summary>
    public static bool Verify(CommitCertificate? certificate, ZoneInfo zone, ulong seq, in Bytes32 batchDigest, out string reason)
    {
        if (certificate is null) { reason = "no certificate"; return false; }
        if (certificate.Zone != zone.Id) { reason = $"certificate is for zone {certificate.Zone}, not {zone.Id}"; return false; }
        if (certificate.Seq != seq) { reason = $"certificate is for sequence {certificate.Seq}, not {seq}"; return false; }
        if (!Bytes32.TryCreate(certificate.BatchDigest.Span, out var digest) || digest != batchDigest)
        {
            reason = "certificate names a different batch digest";
            return false;
        }
        if (certificate.Signatures.Count > zone.Gateways.Count * 2)
        {
            reason = $"certificate carries {certificate.Signatures.Count} signatures, more than twice the zone's {zone.Gateways.Count} gateways";
            return false;
        }
        var statement = new CommitStatement(zone.Id, certificate.View, seq, batchDigest).Encode();
        Span<bool> seen = stackalloc bool[zone.Gateways.Count];
        var valid = 0;
        foreach (var signature in certificate.Signatures)
        {
            if (signature.Replica >= zone.Gateways.Count || seen[(int)signature.Replica]) continue;
            if (!Ed25519.Verify(zone.Gateways[(int)signature.Replica].Key, SignatureDomain.Commit, statement, signature.Signature.Span)) continue;
            seen[(int)signature.Replica] = true;
            if (++valid >= zone.QuorumSize)
            {
                reason = "";
                return true;
            }
        }
        reason = $"certificate has {valid} distinct valid signatures, {zone.QuorumSize} (2f_R+1) needed";
        return false;
    }
}
