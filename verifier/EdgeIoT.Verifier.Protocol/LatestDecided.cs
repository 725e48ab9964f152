namespace EdgeIoT.Verifier.Protocol;

/// <summary>
/// Each zone's latest decided batch, so that its DECIDED notice can be announced again (docs/decisions.md
/// D22). The verifier persists a decision before it publishes the notice; a crash between the two, or a
/// publish while the broker is away, loses notices the zone's gateways need to slide their windows. Once
/// those fill the window, the zone proposes nothing and sends the verifier nothing new. What still
/// arrives are VERIFYs for the decided batches from the executors the primary re-spawns: for such a
/// VERIFY the zone's latest notice goes out again, at most once per <paramref name="intervalMs"/> per
/// zone (the VERIFY is unauthenticated at that point). One notice is enough: a gateway that learns k is
/// decided knows every earlier k is. Thread-safe; time comes from the caller.
/// </summary>
public sealed class LatestDecided(long intervalMs = LatestDecided.DefaultIntervalMs)
{
    public const long DefaultIntervalMs = 1000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DecidedBatch Batch, long AnnouncedMs)> _zones = new(StringComparer.Ordinal);

    /// <summary>A notice for <paramref name="batch"/> went out at <paramref name="nowMs"/>.</summary>
    public void Record(DecidedBatch batch, long nowMs)
    {
        lock (_lock)
        {
            if (_zones.TryGetValue(batch.Zone, out var known) && known.Batch.Seq >= batch.Seq) return;
            _zones[batch.Zone] = (batch, nowMs);
        }
    }

    /// <summary>At start-up: the zone's last decided batch, whose notice the previous run may never have published.</summary>
    public void Restore(DecidedBatch batch) => Record(batch, long.MinValue / 2);

    /// <summary>
    /// A VERIFY for decided (<paramref name="zone"/>, <paramref name="seq"/>) arrived: the batch to announce
    /// again, or null (nothing known of the zone, or announced within the interval).
    /// </summary>
    public DecidedBatch? Reannounce(string zone, ulong seq, long nowMs)
    {
        lock (_lock)
        {
            if (!_zones.TryGetValue(zone, out var known) || seq > known.Batch.Seq || nowMs - known.AnnouncedMs < intervalMs) return null;
            _zones[zone] = (known.Batch, nowMs);
            return known.Batch;
        }
    }
}
