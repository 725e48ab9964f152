using System.Threading.Channels;
using EdgeIoT.Core.Net;
using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway;

/// <summary>
/// The gateway's protocol loop: the only thread that touches the PBFT replica and the invoker core.
/// It drains queued inputs (already authenticated by the ingress and peer receive paths), then acts on
/// what they produced: messages to peers, committed batches to spawn, refusals to report.
/// </summary>
internal sealed class GatewayNode
{
    public const int QueueCapacity = 100_000;
    private const int MaxInputsPerRound = 2_048;

    private readonly PbftReplica _replica;
    private readonly InvokerCore _invoker;
    private readonly ExecutorInvoker _executors;
    private readonly ErrorReporter _errors;
    private readonly DeviceProgress _progress;
    private readonly ILogger _logger;
    private readonly Channel<GatewayInput> _inputs = Channel.CreateBounded<GatewayInput>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
    private PeerLinks? _links;
    public long InputsDropped;

    public GatewayNode(PbftReplica replica, InvokerCore invoker, ExecutorInvoker executors, ErrorReporter errors, DeviceProgress progress, ILogger logger)
    {
        _replica = replica;
        _invoker = invoker;
        _executors = executors;
        _errors = errors;
        _progress = progress;
        _logger = logger;
    }

    public PbftReplica Replica => _replica;
    public InvokerCore Invoker => _invoker;

    public void Attach(PeerLinks links) => _links = links;

    public bool TryEnqueue(in GatewayInput input)
    {
        if (_inputs.Writer.TryWrite(input)) return true;
        Interlocked.Increment(ref InputsDropped);
        return false;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var reader = _inputs.Reader;
        _invoker.SetPrimary(_replica.IsPrimary);
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                for (var handled = 0; handled < MaxInputsPerRound && reader.TryRead(out var input); handled++)
                    Apply(input);
                Flush();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Apply(in GatewayInput input)
    {
        if (input.Request is { } request) _replica.Propose(request);
        else if (input.Peer is { } message) _replica.Step(input.From, message);
        else if (input.Decided is { } decided) OnDecided(decided);
        else if (input.Tick)
        {
            _replica.Tick();
            _invoker.Tick();
        }
    }

    private void OnDecided(Decided decided)
    {
        var digests = new List<Core.Crypto.Bytes32>(decided.Txs.Count);
        foreach (var tx in decided.Txs)
        {
            if (Core.Crypto.Bytes32.TryCreate(tx.TxDigest.Span, out var digest)) digests.Add(digest);
            if (tx.Status is TxStatus.Committed or TxStatus.Aborted) _progress.Observe(tx.Device, tx.Timestamp);
        }
        _replica.OnDecided(decided.Seq, digests);
        _invoker.OnDecided(decided.Seq);
    }

    private void Flush()
    {
        var ready = _replica.TakeReady();
        foreach (var outbound in ready.Messages)
        {
            var bytes = outbound.Message.ToByteArray();
            if (outbound.To is { } to) _links?.Send(to, bytes);
            else _links?.Broadcast(bytes);
        }
        foreach (var committed in ready.Committed) _invoker.OnCommitted(committed);
        foreach (var (request, reason) in ready.Refused)
            _errors.Report(request.Device, request.Timestamp, request.Digest, new Core.Envelope.Rejection(Core.Envelope.RejectReason.Overloaded, reason));
        _invoker.SetPrimary(_replica.IsPrimary);
        foreach (var spawn in _invoker.TakeSpawns()) _executors.Spawn(spawn);
    }
}
