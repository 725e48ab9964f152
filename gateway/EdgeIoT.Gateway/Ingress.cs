using System.Threading.Channels;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;
using EdgeIoT.Core.Mqtt;
using EdgeIoT.Gateway.Protocol;

namespace EdgeIoT.Gateway;

/// <summary>
/// The gateway's doors, around the pure <see cref="GatewayIngressCore"/>: device transactions arrive on
/// the MQTT thread and are admitted by parallel workers (signature checks are the cost); verifier
/// notices and peer frames are checked on the thread that delivers them. Bad input is dropped with a
/// reason; it never reaches the replica.
/// </summary>
internal sealed class Ingress(ZoneInfo zone, GatewayIngressCore core, ErrorReporter errors, Topics topics, ILogger logger)
{
    public const int QueueCapacity = 50_000;
    private readonly Channel<byte[]> _transactions = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite });
    private GatewayNode _node = null!;
    public long Admitted, Refused, PeerRejected, NoticesRejected;

    public void Attach(GatewayNode node) => _node = node;

    public ClientRequest? AdmitRequest(byte[] raw) => core.AdmitForVerifier(raw);

    /// <summary>Called on the MQTT network thread: hand off and return at once.</summary>
    public void OnMqttMessage(MqttMessage message)
    {
        if (message.Topic == topics.ZoneTransactions(zone.Id))
        {
            if (!_transactions.Writer.TryWrite(message.Payload.ToArray()))
                errors.Report(new Refusal(JwsCompact.PeekKeyId(message.Payload.Span), null, null, new Rejection(RejectReason.Overloaded, "the gateway's admission queue is full")));
        }
        else if (message.Topic == topics.ZoneNotices(zone.Id))
        {
            if (core.TryAcceptNotice(message.Payload.Span, out var notice, out var reason))
                _node.TryEnqueue(new GatewayInput(Notice: notice, NoticeBytes: message.Payload.ToArray()));
            else
            {
                Interlocked.Increment(ref NoticesRejected);
                logger.LogWarning("dropped a notice: {Reason}", reason);
            }
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
        if (!core.TryAdmit(raw, out var request, out var refusal, out var global))
        {
            if (global && _node.HasGlobal)
            {
                // A migration: the global coordinator orders it among zones (docs/zones.md), never this zone's log.
                if (!_node.TryEnqueue(new GatewayInput(Migration: raw)))
                    errors.Report(refusal with { Rejection = new Rejection(RejectReason.Overloaded, "the gateway's protocol queue is full") });
                return;
            }
            Interlocked.Increment(ref Refused);
            errors.Report(refusal);
            return;
        }
        Interlocked.Increment(ref Admitted);
        if (!_node.TryEnqueue(new GatewayInput(Request: request)))
            errors.Report(new Refusal(request.Device, request.Timestamp, request.Digest, new Rejection(RejectReason.Overloaded, "the gateway's protocol queue is full")));
    }

    /// <summary>Called on a global link's receive loop (MAC verified): a message of the global protocol.</summary>
    public void OnGlobalMessage(string zone, int index, Wire.GlobalMessage message) =>
        _node.TryEnqueue(new GatewayInput(From: index, Global: message, GlobalZone: zone));

    /// <summary>Called on a peer's receive loop with a frame whose MAC the links verified.</summary>
    public void OnPeerFrame(int from, ReadOnlyMemory<byte> payload)
    {
        if (core.TryAcceptPeer(from, payload.Span, out var message, out var reason))
        {
            _node.TryEnqueue(new GatewayInput(From: from, Peer: message));
            return;
        }
        Interlocked.Increment(ref PeerRejected);
        logger.LogWarning("dropped a message from {Peer}: {Reason}", zone.Gateways[from].Id, reason);
    }
}
