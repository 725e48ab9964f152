namespace EdgeIoT.Bench.Cluster;

/// <summary>
/// The crash-fault baseline (serverlessbft §9.8 SERVERLESSCFT's shim): the steady state of Multi-Paxos
/// with a stable leader (replica 0). Clients send to the leader only; it batches, sends ACCEPT(slot,
/// batch) to the followers, and once a majority (itself included) ACCEPTED, the slot is chosen: it
/// executes in slot order, replies to the clients and sends COMMIT so followers execute too. No
/// signatures (crash faults only); frames are still MAC'd by the links. Leader election, ballots and
/// acceptor persistence are not exercised: no replica fails during a benchmark run.
/// </summary>
internal sealed class PaxosClusterReplica : ReplicaLoop
{
    /// <summary>Slots proposed and not yet chosen at most; partial batches only while fewer than PartialInFlightMax are open (as PBFT's adaptive batching).</summary>
    private const int WindowSlots = 64;
    private const int PartialInFlightMax = 4;
    private const int BatchTimeoutTicks = 1;

    private readonly InOrderExecutor _executor;
    private readonly Queue<byte[]> _pending = new();
    private readonly Dictionary<ulong, (List<byte[]> Requests, HashSet<int> Acks)> _open = new();
    private readonly Dictionary<ulong, List<byte[]>> _accepted = new();
    private readonly int _majority;
    private ulong _nextSlot = 1;
    private long _tick;
    private long _batchStartTick = -1;

    public PaxosClusterReplica(ClusterSpec spec, int index) : base(spec, index)
    {
        _executor = new InOrderExecutor(spec.Execution);
        _majority = spec.Replicas / 2 + 1;
    }

    public bool IsLeader => Index == 0;
    public ulong Executed => _executor.Executed;

    protected override bool TryDecode(int from, ClusterFrame kind, ReadOnlyMemory<byte> body, out ReplicaInput input)
    {
        input = new ReplicaInput(from, kind, body);
        return kind switch
        {
            ClusterFrame.Request => IsLeader && from == Spec.ClientNode && ClusterWire.TryParseRequest(body.Span, out _),
            ClusterFrame.Accept or ClusterFrame.Commit => !IsLeader && from == 0,
            ClusterFrame.Accepted => IsLeader && from < Spec.Replicas,
            _ => false,
        };
    }

    protected override void Step(in ReplicaInput input)
    {
        if (input.Ticks > 0)
        {
            _tick += input.Ticks;
            if (IsLeader && _pending.Count > 0 && _batchStartTick >= 0 && _tick - _batchStartTick >= BatchTimeoutTicks) Propose(force: true);
            return;
        }
        switch (input.Kind)
        {
            case ClusterFrame.Request:
                _pending.Enqueue(input.Body.ToArray());
                if (_batchStartTick < 0) _batchStartTick = _tick;
                Propose(force: false);
                break;
            case ClusterFrame.Accept:
                var requests = new List<byte[]>();
                if (!ClusterWire.TryParseAccept(input.Body.Span, out var slot, requests) || slot <= _executor.Executed) return;
                _accepted[slot] = requests;
                Links.Send(0, ClusterWire.Slot(ClusterFrame.Accepted, slot));
                break;
            case ClusterFrame.Accepted:
                if (ClusterWire.TryParseSlot(input.Body.Span, out var acked) && _open.TryGetValue(acked, out var open) && open.Acks.Add(input.From) && open.Acks.Count == _majority)
                    Chosen(acked, open.Requests);
                break;
            case ClusterFrame.Commit:
                if (ClusterWire.TryParseSlot(input.Body.Span, out var chosen) && _accepted.Remove(chosen, out var batch))
                    _executor.OnCommitted(chosen, batch);
                break;
        }
    }

    private void Propose(bool force)
    {
        var inFlight = _nextSlot - 1 - _executor.Executed;
        if (inFlight >= PartialInFlightMax) force = false;
        while (_pending.Count > 0 && _nextSlot - 1 - _executor.Executed < WindowSlots && (force || _pending.Count >= Spec.BatchSizeMax))
        {
            var requests = new List<byte[]>(Math.Min(_pending.Count, Spec.BatchSizeMax));
            while (requests.Count < Spec.BatchSizeMax && _pending.TryDequeue(out var request)) requests.Add(request);
            var slot = _nextSlot++;
            _open[slot] = (requests, [Index]);
            NodeLinks.SendToReplicas(Links, Spec, Index, ClusterWire.Accept(slot, requests));
            force = false;
        }
        _batchStartTick = _pending.Count > 0 ? _tick : -1;
    }

    private void Chosen(ulong slot, List<byte[]> requests)
    {
        foreach (var executed in _executor.OnCommitted(slot, requests))
        {
            _open.Remove(executed.Seq);
            if (executed.Requests.Count > 0) Links.Send(Spec.ClientNode, ClusterWire.Replies(executed.Requests));
            NodeLinks.SendToReplicas(Links, Spec, Index, ClusterWire.Slot(ClusterFrame.Commit, executed.Seq));
        }
        // Executing freed window room: what waited goes now.
        if (_pending.Count > 0) Propose(force: _batchStartTick >= 0 && _tick - _batchStartTick >= BatchTimeoutTicks);
    }
}
