using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Requests waiting to be ordered, and the primary's batching by size and by time. Every replica
/// keeps the requests it has seen but not yet seen ordered, so a backup can time them (§5.1.1) and a
/// new primary can propose them.
/// </summary>
public sealed partial class PbftReplica
{
    private readonly LinkedList<(ClientRequest Request, long ArrivalTick)> _pending = new();
    private readonly Dictionary<Bytes32, LinkedListNode<(ClientRequest Request, long ArrivalTick)>> _pendingByDigest = new();
    /// <summary>Digests ordered (in the log, or decided recently): a late copy of one is not ordered again.</summary>
    private readonly HashSet<Bytes32> _ordered = new();
    private readonly Queue<Bytes32> _orderedAge = new();
    /// <summary>Requests that left pending for a proposal not yet committed: needed again if a view change drops that proposal.</summary>
    private readonly Dictionary<Bytes32, ClientRequest> _orderedRequests = new();
    private readonly int _batchTimeoutTicks;
    private long _batchStartTick = -1;

    public int PendingCount => _pending.Count;

    /// <summary>
    /// The primary's batch timer runs: a host should tick at full resolution (protocol.tickMs) until it
    /// stops. Every other timer of the replica is seconds long. A timer that expired while the partial
    /// batch is held for an undecided one (adaptive batching) no longer counts: the decision that frees
    /// the pipeline cuts the batch (<see cref="OnDecided"/>), not a tick.
    /// </summary>
    public bool BatchTimerRunning => IsPrimary && _batchStartTick >= 0 && !(BatchTimerExpired && PartialPipelineFull);

    private bool BatchTimerExpired => _tick - _batchStartTick >= _batchTimeoutTicks;

    private bool PartialPipelineFull => NextSeq - 1 - LowWatermark >= (ulong)_options.Protocol.PartialBatchesInFlightMax;

    /// <summary>A validated device transaction arrived (every replica receives it from MQTT).</summary>
    public void Propose(ClientRequest request)
    {
        if (_ordered.Contains(request.Digest) || _pendingByDigest.ContainsKey(request.Digest)) return;
        if (_pending.Count >= _options.Protocol.PendingRequestsMax)
        {
            Metrics.RequestsRefused++;
            _ready.Refused.Add((request, $"gateway {Self} has {_pending.Count} requests waiting to be ordered"));
            return;
        }
        _pendingByDigest[request.Digest] = _pending.AddLast((request, _tick));
        if (IsPrimary)
        {
            if (_batchStartTick < 0) _batchStartTick = _tick;
            CutBatches(force: false);
        }
    }

    private void OnTickBatching()
    {
        if (IsPrimary && _pending.Count > 0 && _batchStartTick >= 0 && BatchTimerExpired)
            CutBatches(force: true);
    }

    /// <summary>
    /// Proposes full batches while the window has room, and with <paramref name="force"/> (the batch
    /// timer) a partial one while few batches are undecided (adaptive batching).
    /// </summary>
    private void CutBatches(bool force)
    {
        var batchSize = _options.Protocol.BatchSizeMax;
        var pipelineFull = PartialPipelineFull;
        if (force && pipelineFull && _pending.Count < batchSize)
            return; // keep the expired timer: the partial batch goes as soon as a decision frees the pipeline
        if (pipelineFull) force = false;
        while (_pending.Count > 0 && NextSeq <= HighWatermark && (force || _pending.Count >= batchSize))
        {
            var batch = new Batch();
            var txDigests = new List<Bytes32>(Math.Min(batchSize, _pending.Count));
            while (batch.Txs.Count < batchSize && _pending.First is { } node)
            {
                batch.Txs.Add(ByteString.CopyFrom(node.Value.Request.Raw));
                txDigests.Add(node.Value.Request.Digest);
                _pendingByDigest.Remove(node.Value.Request.Digest);
                _pending.RemoveFirst();
            }
            ProposeBatch(batch, txDigests.ToArray());
            force = false;
        }
        _batchStartTick = _pending.Count > 0 ? _tick : -1;
    }

    private void ProposeBatch(Batch batch, Bytes32[] txDigests)
    {
        var seq = NextSeq++;
        var digest = Batches.Digest(txDigests);
        var signature = PhaseStatement.Sign(_key, SignatureDomain.PrePrepare, _zone, View, seq, digest);
        Metrics.BatchesProposed++;
        Broadcast(new PeerMessage
        {
            PrePrepare = new PrePrepare
            {
                View = View,
                Seq = seq,
                BatchDigest = ByteString.CopyFrom(digest.ToArray()),
                Batch = batch,
                Signature = ByteString.CopyFrom(signature),
            },
        });
        AcceptPrePrepare(Entry(seq), new AcceptedPrePrepare(View, digest, batch, txDigests, signature));
    }

    private void RemoveFromPending(IEnumerable<Bytes32> digests)
    {
        foreach (var digest in digests)
        {
            if (_pendingByDigest.Remove(digest, out var node))
            {
                _pending.Remove(node);
                if (_orderedRequests.Count < _options.Protocol.PendingRequestsMax) _orderedRequests[digest] = node.Value.Request;
            }
            RememberOrdered(digest);
        }
    }

    /// <summary>A committed or decided request is settled: it will never need proposing again.</summary>
    private void Settle(IEnumerable<Bytes32> digests)
    {
        foreach (var digest in digests) _orderedRequests.Remove(digest);
    }

    /// <summary>Puts a request whose proposal was dropped by a view change back in line.</summary>
    private void Repend(ClientRequest request)
    {
        _ordered.Remove(request.Digest);
        _orderedRequests.Remove(request.Digest);
        if (_pendingByDigest.ContainsKey(request.Digest) || _pending.Count >= _options.Protocol.PendingRequestsMax) return;
        _pendingByDigest[request.Digest] = _pending.AddLast((request, _tick));
    }

    private void RememberOrdered(Bytes32 digest)
    {
        if (!_ordered.Add(digest)) return;
        _orderedAge.Enqueue(digest);
        // Keep about two windows of batches' worth of digests: enough to recognise late copies of
        // recently ordered requests; older replays are caught by the device timestamp check.
        var limit = 2 * _options.Protocol.WindowBatches * _options.Protocol.BatchSizeMax;
        while (_orderedAge.Count > limit) _ordered.Remove(_orderedAge.Dequeue());
    }
}
