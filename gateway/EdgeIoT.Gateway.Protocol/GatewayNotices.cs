using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// What a gateway does with a verifier notice its ingress accepted, or one a backup forwarded to it as
/// primary (serverlessbft §5.1.3-5.1.4): DECIDED slides the replica's window and the invoker's;
/// ERROR(k_max) re-spawns k_max; ERROR(T) orders T; REPLACE starts a view change; ACK stops Υ. A
/// backup forwards ERRORs to its primary through <see cref="PbftReplica.OnVerifierComplaint"/>. Shared
/// by the gateway host and the simulator, so the two cannot drift apart.
/// </summary>
public static class GatewayNotices
{
    /// <param name="signedNotice">The verifier-signed notice bytes: DECIDED's proof of h, a complaint to forward.</param>
    /// <param name="admit">Admission of a transaction the verifier says it never saw ordered (ERROR(T)); null when inadmissible.</param>
    /// <param name="propose">Hands a request to the replica, through whatever the host puts in front of it.</param>
    /// <returns>True when the invoker spawned the sequence number the verifier waits for again.</returns>
    public static bool Apply(VerifierNotice notice, byte[] signedNotice, bool forwarded, PbftReplica replica, InvokerCore invoker,
        Func<byte[], ClientRequest?> admit, Action<ClientRequest> propose)
    {
        switch (notice.KindCase)
        {
            case VerifierNotice.KindOneofCase.Decided:
                if (!forwarded) OnDecided(notice.Decided, signedNotice, replica, invoker);
                return false;
            case VerifierNotice.KindOneofCase.ErrorSeq:
                // The verifier waits for k_max: the primary spawns it again; a backup forwards the
                // complaint and starts Υ (§5.1.4). It decides in order, so every earlier k is decided: a
                // gateway that missed those notices (a restart) must not hold later batches behind them.
                if (notice.ErrorSeq.Seq > 0) invoker.OnDecided(notice.ErrorSeq.Seq - 1);
                var respawned = invoker.RespawnNow(notice.ErrorSeq.Seq);
                if (!forwarded) replica.OnVerifierComplaint(replace: false, signedNotice, $"verifier waits for seq {notice.ErrorSeq.Seq}");
                return respawned;
            case VerifierNotice.KindOneofCase.ErrorTx:
                // A device asked the verifier about a transaction it never saw: order it.
                if (admit(notice.ErrorTx.Tx.ToByteArray()) is { } request) propose(request);
                if (!forwarded) replica.OnVerifierComplaint(replace: false, signedNotice, "verifier never saw a device's transaction");
                return false;
            case VerifierNotice.KindOneofCase.Replace:
                if (!forwarded) replica.OnVerifierComplaint(replace: true, signedNotice, notice.Replace.Reason);
                return false;
            case VerifierNotice.KindOneofCase.Ack:
                replica.OnVerifierAck();
                return false;
            default:
                return false;
        }
    }

    /// <summary>The notices backups forwarded to this primary in <paramref name="ready"/> (their signatures were checked by the authenticator).</summary>
    public static IEnumerable<(VerifierNotice Notice, byte[] Bytes)> Forwarded(ReplicaReady ready)
    {
        foreach (var (_, bytes) in ready.ForwardedNotices)
            if (SignedMessages.TryParse(Signed.Parser, bytes, out var signed) && SignedMessages.TryParse(VerifierNotice.Parser, signed.Body.Span, out var notice))
                yield return (notice, bytes);
    }

    private static void OnDecided(Decided decided, byte[] proof, PbftReplica replica, InvokerCore invoker)
    {
        var digests = new List<Bytes32>(decided.Txs.Count);
        foreach (var tx in decided.Txs)
            if (Bytes32.TryCreate(tx.TxDigest.Span, out var digest)) digests.Add(digest);
        replica.OnDecided(decided.Seq, digests, proof);
        invoker.OnDecided(decided.Seq);
    }
}
