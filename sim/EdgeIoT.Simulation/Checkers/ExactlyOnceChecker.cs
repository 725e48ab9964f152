using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Simulation.Checkers;

/// <summary>
/// Each device timestamp is decided at most once (decisions D5): across every decided batch of every
/// zone, at most one transaction per (device, timestamp) is committed or aborted. Rejections do not
/// consume a timestamp. Holds for byzantine devices too: it is the verifier's promise.
/// </summary>
public sealed class ExactlyOnceChecker(World world) : Checker(world)
{
    private readonly Dictionary<(string Device, ulong Timestamp), string> _decided = new();

    public override string Name => "exactly-once";

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        foreach (var entry in batch.Entries)
        {
            if (entry.Status == TxStatus.Rejected) continue;
            // A LOCK (or a refused system entry) answers no device request: no timestamp to spend.
            if (entry.Status == TxStatus.System && entry.Timestamp == 0) continue;
            var here = $"{entry.Zone}/{entry.Seq}/{entry.Position}";
            if (!_decided.TryAdd((entry.Device, entry.Timestamp), here))
                throw Violation($"{entry.Device}@{entry.Timestamp} decided twice: at {_decided[(entry.Device, entry.Timestamp)]} and now {entry.Status.ToString().ToLowerInvariant()} at {here}");
        }
    }
}
