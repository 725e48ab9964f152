using EdgeIoT.Applications;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Functions.Protocol;
using EdgeIoT.Simulation.Network;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// An executor host wired like <c>ExecuteEndpoint</c>: the real <see cref="ExecutorCore"/> checks the
/// EXECUTE, reads are fetched from the verifier as message round trips (the batch runs when the reply
/// arrives, so it may run on stale values, as in production), and the signed VERIFY is sent to the
/// verifier. Each accepted EXECUTE is one in-flight request, like one HTTP call.
/// </summary>
public sealed class SimExecutor : SimNode
{
    /// <summary>Concurrent requests a function instance serves; beyond it the platform refuses.</summary>
    public const int MaxInFlight = 1024;
    /// <summary>Like ExecuteEndpoint's read deadline (10 s there): a request whose reads never return is abandoned.</summary>
    public const int ReadDeadlineMs = 5000;
    private const int RoundBits = 4;

    private readonly ExecutorCore _core;
    private readonly SortedDictionary<long, InFlight> _inFlight = new();
    private long _nextRequest;

    internal SimExecutor(World world, int index, SigningKey key, ExecutorStrategy strategy)
        : base(world, new NodeId(NodeRole.Executor, index), world.Registry.Executors.Members[index].Id)
    {
        Strategy = strategy;
        _core = new ExecutorCore(world.Registry, index, key, new ApplicationSet(world.Registry.Applications), strategy.Fault);
        Key = key;
    }

    public ExecutorStrategy Strategy { get; }
    public int Index => Id.Index;
    /// <summary>The executor's own key: a byzantine strategy may sign anything with it.</summary>
    public SigningKey Key { get; }
    public override bool IsCorrect => !Strategy.IsByzantine;
    public override bool CanRestart => true;
    public long Executed { get; private set; }
    public long Refused { get; private set; }
    public long Abandoned { get; private set; }

    internal override void Receive(Message message)
    {
        if (!Strategy.AcceptInbound(this, message)) return;
        switch (message.Kind)
        {
            case MessageKind.Execute: OnExecute(message.Body); break;
            case MessageKind.ReadReply: OnReadReply(message); break;
            default: Ignored++; break;
        }
    }

    internal override void Tick()
    {
        if (_inFlight.Count == 0) return;
        List<long>? expired = null;
        foreach (var (request, work) in _inFlight)
            if (World.Clock.NowMs - work.StartedMs >= ReadDeadlineMs) (expired ??= []).Add(request);
        if (expired is null) return;
        foreach (var request in expired) _inFlight.Remove(request);
        Abandoned += expired.Count;
    }

    /// <summary>A stateless function loses only its in-flight requests; the invoker re-spawns them.</summary>
    protected override void OnCrash() => _inFlight.Clear();

    private void OnExecute(byte[] body)
    {
        if (!_core.TryAccept(body, out var execution, out _, out _) || _inFlight.Count >= MaxInFlight)
        {
            Refused++;
            return;
        }
        var request = ++_nextRequest;
        var work = new InFlight(execution, World.Clock.NowMs);
        _inFlight[request] = work;
        Fetch(request, work, execution.ReadHints());
    }

    /// <summary>VerifierClient.ReadIntoAsync: only keys the snapshot lacks; nothing to fetch means run now.</summary>
    private void Fetch(long request, InFlight work, IEnumerable<string> keys)
    {
        var read = new ReadRequest();
        foreach (var key in keys)
            if (!work.Snapshot.ContainsKey(key)) read.Keys.Add(key);
        if (read.Keys.Count == 0)
        {
            Continue(request, work);
            return;
        }
        work.Round++;
        Send(NodeId.Verifier, MessageKind.Read, read.ToByteArray(), request << RoundBits | (long)work.Round);
    }

    private void OnReadReply(Message message)
    {
        var request = message.Correlation >> RoundBits;
        var round = (int)(message.Correlation & ((1 << RoundBits) - 1));
        // A duplicated or late reply to an earlier round must not run the batch twice.
        if (!_inFlight.TryGetValue(request, out var work) || round != work.Round) return;
        if (!SignedMessages.TryParse(ReadResponse.Parser, message.Body, out var response)) return;
        foreach (var item in response.Items)
            work.Snapshot[item.Key] = new StoredRead(item.Found, item.Found ? item.Value : null, item.Version);
        work.Round = -work.Round; // answered; the next Fetch starts a new round
        Continue(request, work);
    }

    private void Continue(long request, InFlight work)
    {
        var step = work.Execution.Run(work.Snapshot);
        if (!step.IsDone)
        {
            work.Round = Math.Abs(work.Round);
            Fetch(request, work, step.MissingKeys);
            return;
        }
        _inFlight.Remove(request);
        Executed++;
        Strategy.OnVerify(this, work.Execution, step.SignedVerify!);
    }

    public void SendVerify(byte[] signedVerify) => Send(NodeId.Verifier, MessageKind.Verify, signedVerify);

    public Signed Sign(Verify verify) => SignedMessages.Sign(verify, Core.Crypto.SignatureDomain.Verify, Index, Key);

    private sealed class InFlight(BatchExecution execution, long startedMs)
    {
        public BatchExecution Execution { get; } = execution;
        public long StartedMs { get; } = startedMs;
        public Dictionary<string, StoredRead> Snapshot { get; } = new(StringComparer.Ordinal);
        /// <summary>Fetch round awaiting its reply (positive), or the last answered one (negative).</summary>
        public int Round;
    }
}
