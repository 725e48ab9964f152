using EdgeIoT.Core.Crypto;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Bench.Cluster;

/// <summary>
/// A benchmark replica running EdgeIoT's real <see cref="PbftReplica"/>: every peer message is
/// authenticated by the real <see cref="PeerMessageAuthenticator"/> (Ed25519 phase signatures) on the
/// receive threads, then stepped on the replica's loop. Committed batches execute in order here (null
/// or kv), which stands in for the verifier's decision: the replica slides its window on its own
/// execution. Differences from a gateway: no MQTT, no device-signature admission, no SQLite
/// persistence before sending, no executors.
/// </summary>
internal sealed class PbftClusterReplica : ReplicaLoop
{
    private readonly PbftReplica _replica;
    private readonly PeerMessageAuthenticator _authenticator;
    private readonly InOrderExecutor _executor;
    /// <summary>Digests of committed batches not yet executed: OnDecided needs them, and recomputing would cost a hash per request.</summary>
    private readonly Dictionary<ulong, Bytes32[]> _digests = new();
    private readonly EdgeIoT.Core.Crypto.SigningKey _key;
    public long AuthenticationFailures;

    public PbftClusterReplica(ClusterSpec spec, int index) : base(spec, index)
    {
        var zone = spec.ReplicaZone();
        var settings = spec.PbftSettings();
        // The replica signs with this key for its whole life; it is disposed with the replica.
        _key = spec.KeyFor(index);
        var key = _key;
        _replica = new PbftReplica(new ReplicaOptions { Zone = zone, SelfIndex = index, Protocol = settings }, key);
        // The verifier key is only used for notices, which a benchmark cluster never sends.
        _authenticator = new PeerMessageAuthenticator(zone, key.PublicKey, settings);
        _executor = new InOrderExecutor(spec.Execution);
    }

    public ReplicaMetrics Metrics => _replica.Metrics;
    public ulong Executed => _executor.Executed;

    protected override bool TryDecode(int from, ClusterFrame kind, ReadOnlyMemory<byte> body, out ReplicaInput input)
    {
        input = default;
        switch (kind)
        {
            case ClusterFrame.Request when from == Spec.ClientNode && ClusterWire.TryParseRequest(body.Span, out _):
                input = new ReplicaInput(from, kind, body);
                return true;
            case ClusterFrame.Pbft when from < Spec.Replicas:
                PeerMessage message;
                try { message = PeerMessage.Parser.ParseFrom(body.Span); }
                catch (InvalidProtocolBufferException) { return false; }
                if (!_authenticator.TryAuthenticate(from, message, out _))
                {
                    Interlocked.Increment(ref AuthenticationFailures);
                    return false;
                }
                input = new ReplicaInput(from, kind, default, message);
                return true;
            default:
                return false;
        }
    }

    protected override void Step(in ReplicaInput input)
    {
        if (input.Ticks > 0)
            for (var i = 0; i < input.Ticks; i++) _replica.Tick();
        else if (input.Kind == ClusterFrame.Request)
        {
            var raw = input.Body.ToArray();
            ClusterWire.TryParseRequest(raw, out var id);
            _replica.Propose(new ClientRequest(Sha256Digest.Of(raw), raw, "c" + id.Client, id.Number));
        }
        else _replica.Step(input.From, input.Pbft!);
        Drain();
    }

    /// <summary>Sends what the replica produced and executes what committed, until nothing is left.</summary>
    private void Drain()
    {
        while (true)
        {
            var ready = _replica.TakeReady();
            if (ready.IsEmpty) return;
            foreach (var outbound in ready.Messages)
            {
                var payload = Frame(outbound.Message);
                if (outbound.To is { } to) Links.Send(to, payload);
                else NodeLinks.SendToReplicas(Links, Spec, Index, payload);
            }
            foreach (var committed in ready.Committed)
            {
                _digests[committed.Seq] = committed.TxDigests;
                foreach (var executed in _executor.OnCommitted(committed.Seq, committed.Batch.Txs.Select(t => t.ToByteArray()).ToList()))
                {
                    if (executed.Requests.Count > 0) Links.Send(Spec.ClientNode, ClusterWire.Replies(executed.Requests));
                    _digests.Remove(executed.Seq, out var digests);
                    _replica.OnDecided(executed.Seq, digests ?? [], []);
                }
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _key.Dispose();
    }

    private static byte[] Frame(PeerMessage message)
    {
        var bytes = new byte[1 + message.CalculateSize()];
        bytes[0] = (byte)ClusterFrame.Pbft;
        message.WriteTo(bytes.AsSpan(1));
        return bytes;
    }
}
