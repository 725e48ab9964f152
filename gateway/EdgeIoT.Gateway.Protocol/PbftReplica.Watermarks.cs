using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Advancing the low watermark. The verifier is trusted and decides sequence numbers strictly in
/// order, so its signed DECIDED(k) proves every sequence number up to k is final: the replica drops
/// their state (gateways neither execute nor store data, §5.2.1) and the window slides. The signed
/// notice is kept as the proof of h that a VIEW-CHANGE carries (decisions.md D3).
/// </summary>
public sealed partial class PbftReplica
{
    private byte[] _stableProof = [];

    /// <summary>The verifier decided <paramref name="seq"/> (and so everything before it); <paramref name="proof"/> is its signed notice.</summary>
    public void OnDecided(ulong seq, IEnumerable<Bytes32> txDigests, byte[] proof)
    {
        var digests = txDigests as IReadOnlyCollection<Bytes32> ?? txDigests.ToList();
        RemoveFromPending(digests);
        Settle(digests);
        // Progress: the verifier decided something, so outstanding complaints about the primary lapse.
        if (seq > LowWatermark) _retransmitDeadlineTick = -1;
        AdvanceLowWatermark(seq, proof);
    }

    private void AdvanceLowWatermark(ulong seq, byte[] proof)
    {
        if (seq <= LowWatermark) return;
        LowWatermark = seq;
        _stableProof = proof;
        while (_log.Count > 0)
        {
            var first = _log.Keys.First();
            if (first > seq) break;
            _log.Remove(first);
        }
        PruneCheckpoints(seq);
        if (NextSeq <= seq) NextSeq = seq + 1;
        _ready.PruneThrough = seq;
        MarkViewDirty();
        if (IsPrimary && _pending.Count > 0)
        {
            // The window has room again: propose what waited; a partial batch whose timer already
            // expired goes now (adaptive batching held it back).
            CutBatches(force: _batchStartTick >= 0 && BatchTimerExpired);
            if (_batchStartTick < 0 && _pending.Count > 0) _batchStartTick = _tick;
        }
    }
}
