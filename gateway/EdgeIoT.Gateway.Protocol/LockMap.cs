namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// The invoker's logical lock map (serverlessbft §6.5): for every admitted, undecided batch, the keys
/// it may write — no values. Batches are admitted in sequence order and released in sequence order
/// (the verifier decides in order), so each key's writers form an ascending queue whose head is the
/// earliest writer; a conflict check costs one lookup per key the candidate reads.
///
/// The rule (docs/conflicts.md): batch b conflicts when it may read a key that an admitted batch
/// with a smaller sequence number may write. Only this read-after-write order can abort b: the
/// verifier checks reads only (ccheck) and applies writes strictly in sequence order, so an earlier
/// batch's reads never see a later batch's writes, and two writes to a key land in order.
/// </summary>
public sealed class LockMap
{
    private readonly Dictionary<string, Queue<ulong>> _writers = new(StringComparer.Ordinal);
    // Batches whose write set is undeclared: they may write any key.
    private readonly Queue<ulong> _unknownWriters = new();
    // Batches that may write at all (declared non-empty or undeclared): an undeclared reader waits for them.
    private readonly Queue<ulong> _anyWriters = new();
    private readonly Queue<(ulong Seq, BatchFootprint Footprint)> _admitted = new();
    private ulong _lastAdmitted;

    public int Batches => _admitted.Count;
    public int KeysLocked => _writers.Count;

    /// <summary>Takes <paramref name="seq"/>'s write locks. Sequence numbers must be admitted in ascending order.</summary>
    public void Admit(ulong seq, BatchFootprint footprint)
    {
        if (seq <= _lastAdmitted)
            throw new InvalidOperationException($"batch {seq} admitted after {_lastAdmitted}: the lock map needs ascending order");
        _lastAdmitted = seq;
        _admitted.Enqueue((seq, footprint));
        if (footprint.Writes is null) _unknownWriters.Enqueue(seq);
        else
            foreach (var key in footprint.Writes)
            {
                if (!_writers.TryGetValue(key, out var queue)) _writers[key] = queue = new Queue<ulong>(2);
                queue.Enqueue(seq);
            }
        if (footprint.WritesSomething) _anyWriters.Enqueue(seq);
    }

    /// <summary>True when <paramref name="footprint"/> (of batch <paramref name="seq"/>) may read what an earlier admitted batch may write.</summary>
    public bool Conflicts(ulong seq, BatchFootprint footprint)
    {
        if (footprint.ReadsNothing) return false;
        if (footprint.Reads is null) return Before(_anyWriters, seq);
        if (Before(_unknownWriters, seq)) return true;
        foreach (var key in footprint.Reads)
            if (_writers.TryGetValue(key, out var queue) && queue.Peek() < seq) return true;
        return false;
    }

    /// <summary>The verifier decided everything up to <paramref name="seq"/>: drop those batches' locks.</summary>
    public void ReleaseThrough(ulong seq)
    {
        while (_admitted.Count > 0 && _admitted.Peek().Seq <= seq)
        {
            var (released, footprint) = _admitted.Dequeue();
            if (footprint.Writes is null) Pop(_unknownWriters, released);
            else
                foreach (var key in footprint.Writes)
                {
                    var queue = _writers[key];
                    Pop(queue, released);
                    if (queue.Count == 0) _writers.Remove(key);
                }
            if (footprint.WritesSomething) Pop(_anyWriters, released);
        }
    }

    private static bool Before(Queue<ulong> queue, ulong seq) => queue.Count > 0 && queue.Peek() < seq;

    private static void Pop(Queue<ulong> queue, ulong expected)
    {
        var head = queue.Dequeue();
        if (head != expected)
            throw new InvalidOperationException($"lock map released {head} while releasing {expected}: admission and release orders diverged");
    }
}
