using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Advancing the low watermark. The verifier is trusted and decides sequence numbers strictly in
/// order, so its signed DECIDED(k) proves every sequence number up to k is final: the replica drops
/// their state (gateways neither execute nor store data, §5.2.1) and the window slides.
/// </summary>
public sealed partial class PbftReplica
{
    /// <summary>The verifier decided <paramref name="seq"/> (and so everything before it).</summary>
    public void OnDecided(ulong seq, IEnumerable<Bytes32> txDigests)
    {
        RemoveFromPending(txDigests);
        if (seq <= LowWatermark) return;
        LowWatermark = seq;
        while (_log.Count > 0)
        {
            var first = _log.Keys.First();
            if (first > seq) break;
            _log.Remove(first);
        }
        if (NextSeq <= seq) NextSeq = seq + 1;
        if (IsPrimary && _pending.Count > 0)
        {
            // The window has room again: propose what waited. A partial batch waits for its timer.
            CutBatches(force: false);
            if (_batchStartTick < 0 && _pending.Count > 0) _batchStartTick = _tick;
        }
    }
}
