using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Checks the Ed25519 signature a phase message carries, before the host steps it into the replica.
/// Pure, so the simulator checks exactly what production checks.
/// </summary>
public static class PeerMessageAuthenticator
{
    public static bool TryAuthenticate(ZoneInfo zone, int from, PeerMessage message, out string reason)
    {
        if ((uint)from >= (uint)zone.Gateways.Count)
        {
            reason = $"sender index {from} is not a gateway of {zone.Id}";
            return false;
        }
        var key = zone.Gateways[from].Key;
        switch (message.KindCase)
        {
            case PeerMessage.KindOneofCase.PrePrepare:
                return Check(key, SignatureDomain.PrePrepare, zone.Id, message.PrePrepare.View, message.PrePrepare.Seq, message.PrePrepare.BatchDigest.Span, message.PrePrepare.Signature.Span, out reason);
            case PeerMessage.KindOneofCase.Prepare:
                return Check(key, SignatureDomain.Prepare, zone.Id, message.Prepare.View, message.Prepare.Seq, message.Prepare.BatchDigest.Span, message.Prepare.Signature.Span, out reason);
            case PeerMessage.KindOneofCase.Commit:
                return Check(key, SignatureDomain.Commit, zone.Id, message.Commit.View, message.Commit.Seq, message.Commit.BatchDigest.Span, message.Commit.Signature.Span, out reason);
            case PeerMessage.KindOneofCase.None:
                reason = "empty peer message";
                return false;
            default:
                reason = "";
                return true;
        }
    }

    private static bool Check(in Bytes32 key, SignatureDomain phase, string zone, ulong view, ulong seq, ReadOnlySpan<byte> digestBytes, ReadOnlySpan<byte> signature, out string reason)
    {
        if (!Bytes32.TryCreate(digestBytes, out var digest))
        {
            reason = $"{phase} batch digest is not 32 bytes";
            return false;
        }
        if (!PhaseStatement.Verify(key, phase, zone, view, seq, digest, signature))
        {
            reason = $"{phase} signature for view {view} seq {seq} does not verify";
            return false;
        }
        reason = "";
        return true;
    }
}
