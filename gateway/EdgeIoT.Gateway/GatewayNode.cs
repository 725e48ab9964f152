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
    private readonly ILogger _logger;
    private readonly GatewayStore _store;
    private readonly Func<byte[], ClientRequest?> _admit;
    private readonly GatewayFault _fault;
    private readonly Channel<GatewayInput> _inputs = Channel.CreateBounded<GatewayInput>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
    private PeerLinks? _links;
    public long InputsDropped;

    /// <param name="admit">Admission of a transaction the verifier says it never saw ordered (ERROR(T)); null when inadmissible.</param>
    public GatewayNode(PbftReplica replica, InvokerCore invoker, ExecutorInvoker executors, ErrorReporter errors, GatewayStore store, Func<byte[], ClientRequest?> admit, GatewayFault fault, ILogger logger)
    {
        _fault = fault;
        _store = store;
        _admit = admit;
        _replica = replica;
        _invoker = invoker;
        _executors = executors;
        _errors = errors;
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
        if (input.Request is { } request)
        {
            if (!_fault.DropsRequest(_replica)) _replica.Propose(request);
        }
        else if (input.Peer is { } message) _replica.Step(input.From, message);
        else if (input.Notice is { } notice) OnNotice(notice, input.NoticeBytes!, forwarded: false);
        else
        {
            for (var i = 0; i < input.Ticks; i++)
            {
                _replica.Tick();
                _invoker.Tick();
            }
        }
    }

    /// <summary>A verifier notice (signature checked by the ingress), or one a backup forwarded to us as primary.</summary>
    private void OnNotice(VerifierNotice notice, byte[] bytes, bool forwarded)
    {
        if (GatewayNotices.Apply(notice, bytes, forwarded, _replica, _invoker, _admit, request => { if (!_fault.DropsRequest(_replica)) _replica.Propose(request); }))
            _logger.LogInformation("verifier waits for {Seq}: executors spawned again", notice.ErrorSeq.Seq);
    }

    private void Flush()
    {
        var ready = _replica.TakeReady();
        // Persist before sending: a replica must never have said what it would not remember after a crash.
        _store.Write(ready);
        foreach (var (view, reason) in ready.Suspicions)
            _logger.LogWarning("suspecting the primary of view {View}: {Reason}", view, reason);
        foreach (var (view, reason) in ready.ViewChangesStarted)
            _logger.LogWarning("view change to {View}: {Reason}", view, reason);
        foreach (var view in ready.ViewsInstalled)
            _logger.LogWarning("installed view {View}; primary is gateway {Primary}{Self}", view, _replica.PrimaryIndex, _replica.IsPrimary ? " (this gateway)" : "");
        foreach (var original in ready.Messages)
            foreach (var outbound in _fault.Rewrite(original, _replica))
            {
                var bytes = outbound.Message.ToByteArray();
                if (outbound.To is { } to) _links?.Send(to, bytes);
                else _links?.Broadcast(bytes);
            }
        // The low watermark also moves on decisions learned from peers (view change, restore).
        _invoker.OnDecided(_replica.LowWatermark);
        foreach (var committed in ready.Committed) _invoker.OnCommitted(committed);
        foreach (var (notice, bytes) in GatewayNotices.Forwarded(ready)) OnNotice(notice, bytes, forwarded: true);
        foreach (var (request, reason) in ready.Refused)
            _errors.Report(new Refusal(request.Device, request.Timestamp, request.Digest, new Core.Envelope.Rejection(Core.Envelope.RejectReason.Overloaded, reason)));
        _invoker.SetPrimary(_replica.IsPrimary);
        foreach (var spawn in _invoker.TakeSpawns()) _executors.Spawn(_fault.Spawn(spawn, _replica));
    }
}
