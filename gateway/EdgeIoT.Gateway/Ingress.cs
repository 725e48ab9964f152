using System.Threading.Channels;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway;

/// <summary>
/// Everything that enters a gateway, authenticated off the protocol loop and in parallel: device
/// transactions from MQTT (signature, registration, zone, application, timestamp), verifier notices
/// (verifier signature) and peer messages (frame MAC by the links, phase signature here, and every
/// transaction of a PRE-PREPARE). Bad input is dropped with a reason; it never reaches the replica.
/// </summary>
internal sealed class Ingress
{
    public const int QueueCapacity = 50_000;
    private readonly NetworkRegistry _registry;
    private readonly ZoneInfo _zone;
    private readonly TxAdmission _admission;
    private readonly PeerMessageAuthenticator _authenticator;
    private GatewayNode _node = null!;
    private readonly ErrorReporter _errors;
    private readonly DeviceProgress _progress;
    private readonly VerifiedTxCache _verified;
    private readonly Topics _topics;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _transactions = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite });
    public long Admitted, Refused, PeerRejected, NoticesRejected;

    public Ingress(NetworkRegistry registry, ZoneInfo zone, ErrorReporter errors, DeviceProgress progress, Topics topics, ILogger logger)
    {
        _registry = registry;
        _zone = zone;
        _admission = new TxAdmission(registry, zone.Id);
        _authenticator = new PeerMessageAuthenticator(zone, registry.Verifier.Key, registry.Protocol);
        _errors = errors;
        _progress = progress;
        _topics = topics;
        _logger = logger;
        _verified = new VerifiedTxCache(4 * registry.Protocol.WindowBatches * registry.Protocol.BatchSizeMax);
    }

    public void Attach(GatewayNode node) => _node = node;

    /// <summary>Admits a transaction for ordering without the timestamp filter (the verifier asked for it, ERROR(T)).</summary>
    public ClientRequest? AdmitRequest(byte[] raw) =>
        _admission.TryAdmit(raw, out var tx, out _) ? new ClientRequest(tx.Digest, raw, tx.DeviceId, tx.Timestamp) : null;

    /// <summary>Called on the MQTT network thread: hand off and return at once.</summary>
    public void OnMqttMessage(MqttMessage message)
    {
        if (message.Topic == _topics.ZoneTransactions(_zone.Id))
        {
            if (!_transactions.Writer.TryWrite(message.Payload.ToArray()))
                _errors.Report(JwsCompact.PeekKeyId(message.Payload.Span), null, null, new Rejection(RejectReason.Overloaded, "the gateway's admission queue is full"));
        }
        else if (message.Topic == _topics.ZoneNotices(_zone.Id))
        {
            OnNotice(message.Payload.Span);
        }
    }

    /// <summary>Admission workers: verify device signatures in parallel.</summary>
    public Task RunAdmissionAsync(int workers, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var raw in _transactions.Reader.ReadAllAsync(ct)) Admit(raw);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }, ct)));

    private void Admit(byte[] raw)
    {
        if (!_admission.TryAdmit(raw, out var tx, out var rejection))
        {
            Interlocked.Increment(ref Refused);
            _errors.Report(tx?.DeviceId ?? JwsCompact.PeekKeyId(raw), tx?.Timestamp, tx?.Digest, rejection);
            return;
        }
        var last = _progress.LastDecided(tx.DeviceId);
        if (tx.Timestamp <= last)
        {
            Interlocked.Increment(ref Refused);
            _errors.Report(tx.DeviceId, tx.Timestamp, tx.Digest, new Rejection(RejectReason.StaleTimestamp, $"timestamp {tx.Timestamp} is not above the device's last decided timestamp {last} (a replay, or sent out of order)"));
            return;
        }
        _verified.Add(tx.Digest);
        Interlocked.Increment(ref Admitted);
        if (!_node.TryEnqueue(new GatewayInput(Request: new ClientRequest(tx.Digest, raw, tx.DeviceId, tx.Timestamp))))
            _errors.Report(tx.DeviceId, tx.Timestamp, tx.Digest, new Rejection(RejectReason.Overloaded, "the gateway's protocol queue is full"));
    }

    private void OnNotice(ReadOnlySpan<byte> payload)
    {
        if (!_authenticator.VerifierNotice(payload, out var notice, out _))
        {
            Interlocked.Increment(ref NoticesRejected);
            _logger.LogWarning("dropped a notice that is not signed by the verifier");
            return;
        }
        var zone = notice.KindCase switch
        {
            VerifierNotice.KindOneofCase.Decided => notice.Decided.Zone,
            VerifierNotice.KindOneofCase.ErrorSeq => notice.ErrorSeq.Zone,
            VerifierNotice.KindOneofCase.ErrorTx => notice.ErrorTx.Zone,
            VerifierNotice.KindOneofCase.Replace => notice.Replace.Zone,
            VerifierNotice.KindOneofCase.Ack => notice.Ack.Zone,
            _ => null,
        };
        if (zone == _zone.Id) _node.TryEnqueue(new GatewayInput(Notice: notice, NoticeBytes: payload.ToArray()));
    }

    /// <summary>Called on a peer's receive loop with a frame whose MAC the links verified.</summary>
    public void OnPeerFrame(int from, ReadOnlyMemory<byte> payload)
    {
        if (!SignedMessages.TryParse(PeerMessage.Parser, payload.Span, out var message))
        {
            RejectPeer(from, "not a PeerMessage protobuf");
            return;
        }
        if (!_authenticator.TryAuthenticate(from, message, out var reason))
        {
            RejectPeer(from, reason);
            return;
        }
        if (message.KindCase == PeerMessage.KindOneofCase.PrePrepare && !BatchIsAdmissible(message.PrePrepare.Batch, out reason))
        {
            // A backup never prepares a batch it would not have admitted itself.
            RejectPeer(from, $"PRE-PREPARE {message.PrePrepare.View}/{message.PrePrepare.Seq}: {reason}");
            return;
        }
        if (message.KindCase == PeerMessage.KindOneofCase.NewView && !NewViewBatchesAreAdmissible(message.NewView, out reason))
        {
            RejectPeer(from, reason);
            return;
        }
        _node.TryEnqueue(new GatewayInput(From: from, Peer: message));
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
            if (!_admission.TryAdmit(raw, out var decoded, out var rejection))
            {
                reason = $"contains an inadmissible transaction: {rejection}";
                return false;
            }
            _verified.Add(decoded.Digest);
        }
        reason = "";
        return true;
    }

    /// <summary>A NEW-VIEW's proposals re-propose prepared batches or null batches; their transactions must still be admissible.</summary>
    private bool NewViewBatchesAreAdmissible(Signed signed, out string reason)
    {
        if (SignedMessages.TryParse(NewView.Parser, signed.Body.Span, out var newView))
            foreach (var proposal in newView.PrePrepares)
                if (proposal.Batch is { Txs.Count: > 0 } batch && !BatchIsAdmissible(batch, out reason))
                {
                    reason = $"NEW-VIEW {newView.View} proposal for seq {proposal.Seq}: {reason}";
                    return false;
                }
        reason = "";
        return true;
    }

    private void RejectPeer(int from, string reason)
    {
        Interlocked.Increment(ref PeerRejected);
        _logger.LogWarning("dropped a message from {Peer}: {Reason}", _zone.Gateways[from].Id, reason);
    }
}
