using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>A transaction the gateway refused, with what it knows of its sender for the error report.</summary>
public readonly record struct Refusal(string? Device, ulong? Timestamp, Bytes32? Digest, Rejection Rejection);

/// <summary>
/// Everything that enters a gateway, checked before the replica sees it: device transactions
/// (signature, registration, zone, application, timestamp above the last decided one), peer messages
/// (signatures and proofs, and every transaction of a proposal) and verifier notices (the verifier's
/// signature, this zone). No I/O and no clock; safe to call from several threads at once, as the
/// gateway's admission workers and peer receive loops do. The simulator uses the same class.
/// </summary>
public sealed class GatewayIngressCore
{
    private readonly NetworkRegistry _registry;
    private readonly ZoneInfo _zone;
    private readonly TxAdmission _admission;
    private readonly PeerMessageAuthenticator _authenticator;
    private readonly VerifiedTxCache _verified;

    /// <summary>
    /// Digests of admitted transactions a backup remembers for the PRE-PREPARE that will carry them. A
    /// transaction is proposed moments after it arrives, so at least 8,192 later admissions — seconds at
    /// this machine's peak — is plenty; forgetting costs one re-verification. The bound used to grow with
    /// the window times the batch size (1.28 million digests at batches of 5,000), and at large batches
    /// the cache held every transaction of a run (docs/performance.md, gateway memory).
    /// </summary>
    public const int VerifiedCacheCapacity = 16_384;

    public GatewayIngressCore(NetworkRegistry registry, ZoneInfo zone, DevicePlacement? placement = null)
    {
        _registry = registry;
        _zone = zone;
        Placement = placement ?? new DevicePlacement(registry);
        _admission = new TxAdmission(registry, zone.Id, Placement);
        _authenticator = new PeerMessageAuthenticator(zone, registry.Verifier.Key, registry.Protocol);
        _verified = new VerifiedTxCache(VerifiedCacheCapacity);
    }

    public DeviceProgress Progress { get; } = new();
    /// <summary>Where devices are served (the protocol loop updates it from the global metadata).</summary>
    public DevicePlacement Placement { get; }
    public RefusalLimiter Refusals { get; } = new();

    /// <summary>A device transaction from MQTT: a request to order, or a refusal with its reason.
    /// <paramref name="global"/> is set for an authentic request of the global coordinator's (a migration):
    /// not for this zone's log, but for the coordinator, which checks it again.</summary>
    public bool TryAdmit(byte[] raw, out ClientRequest request, out Refusal refusal, out bool global)
    {
        request = null!;
        if (!_admission.TryAdmit(raw, out var tx, out var rejection))
        {
            refusal = new Refusal(tx?.DeviceId ?? JwsCompact.PeekKeyId(raw), tx?.Timestamp, tx?.Digest, rejection);
            global = tx?.App == Global.MigrationRequests.App;
            return false;
        }
        global = false;
        var last = Progress.LastDecided(tx.DeviceId);
        if (tx.Timestamp <= last)
        {
            refusal = new Refusal(tx.DeviceId, tx.Timestamp, tx.Digest, new Rejection(RejectReason.StaleTimestamp,
                $"timestamp {tx.Timestamp} is not above the device's last decided timestamp {last} (a replay, or sent out of order)"));
            return false;
        }
        _verified.Add(tx.Digest);
        request = new ClientRequest(tx.Digest, raw, tx.DeviceId, tx.Timestamp);
        refusal = default;
        return true;
    }

    /// <summary>A transaction the verifier asks the zone to order (ERROR(T)): admitted without the timestamp filter.</summary>
    public ClientRequest? AdmitForVerifier(byte[] raw) =>
        _admission.TryAdmit(raw, out var tx, out _, checkPlacement: false) ? new ClientRequest(tx.Digest, raw, tx.DeviceId, tx.Timestamp) : null;

    /// <summary>A peer frame whose MAC the links verified: parsed, authenticated, and proposals' transactions admitted.</summary>
    public bool TryAcceptPeer(int from, ReadOnlySpan<byte> payload, out PeerMessage message, out string reason)
    {
        if (!SignedMessages.TryParse(PeerMessage.Parser, payload, out message))
        {
            reason = "not a PeerMessage protobuf";
            return false;
        }
        if (!_authenticator.TryAuthenticate(from, message, out reason)) return false;
        if (message.KindCase == PeerMessage.KindOneofCase.PrePrepare && !BatchIsAdmissible(message.PrePrepare.Batch, out reason))
        {
            // A backup never prepares a batch it would not have admitted itself.
            reason = $"PRE-PREPARE {message.PrePrepare.View}/{message.PrePrepare.Seq}: {reason}";
            return false;
        }
        if (message.KindCase == PeerMessage.KindOneofCase.NewView && SignedMessages.TryParse(NewView.Parser, message.NewView.Body.Span, out var newView))
            foreach (var proposal in newView.PrePrepares)
                if (proposal.Batch is { Txs.Count: > 0 } batch && !BatchIsAdmissible(batch, out reason))
                {
                    reason = $"NEW-VIEW {newView.View} proposal for seq {proposal.Seq}: {reason}";
                    return false;
                }
        reason = "";
        return true;
    }

    /// <summary>A verifier notice for this zone, signed by the verifier.</summary>
    public bool TryAcceptNotice(ReadOnlySpan<byte> payload, out VerifierNotice notice, out string reason)
    {
        if (!_authenticator.VerifierNotice(payload, out notice, out reason)) return false;
        var zone = PeerMessageAuthenticator.NoticeZone(notice);
        if (zone != _zone.Id)
        {
            reason = $"notice for zone {zone}";
            return false;
        }
        if (notice.KindCase == VerifierNotice.KindOneofCase.Decided)
            foreach (var tx in notice.Decided.Txs)
                if (tx.Status is TxStatus.Committed or TxStatus.Aborted) Progress.Observe(tx.Device, tx.Timestamp);
        return true;
    }

    private bool BatchIsAdmissible(Batch? batch, out string reason)
    {
        if (batch is null || batch.Txs.Count == 0 || batch.Txs.Count > _registry.Protocol.BatchSizeMax)
        {
            reason = $"a batch holds 1..{_registry.Protocol.BatchSizeMax} transactions";
            return false;
        }
        foreach (var tx in batch.Txs)
        {
            var raw = tx.ToByteArray();
            if (_verified.Contains(Sha256Digest.Of(raw))) continue;
            if (Core.Execution.SystemEntries.IsSystem(raw))
            {
                if (!SystemEntryAdmission.TryAdmit(raw, _registry, _zone.Id, out reason)) return false;
                _verified.Add(Sha256Digest.Of(raw));
                continue;
            }
            if (!_admission.TryAdmit(raw, out var decoded, out var rejection, checkPlacement: false))
            {
                reason = $"contains an inadmissible transaction: {rejection}";
                return false;
            }
            _verified.Add(decoded.Digest);
        }
        reason = "";
        return true;
    }
}
