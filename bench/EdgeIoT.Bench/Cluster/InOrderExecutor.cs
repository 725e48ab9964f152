namespace EdgeIoT.Bench.Cluster;

/// <summary>Requests of one sequence number that were executed, in order.</summary>
public sealed record ExecutedBatch(ulong Seq, IReadOnlyList<RequestId> Requests, IReadOnlyList<byte[]> Raw);

/// <summary>
/// A replica that executes ordered requests itself (the PBFT and Paxos baselines, serverlessbft
/// §9.8): batches commit in any order but execute strictly in sequence order, each exactly once.
/// Pure: the host feeds committed batches and sends the replies it gets back.
/// </summary>
public sealed class InOrderExecutor(ClusterExecution execution, int keys = 10_000)
{
    private readonly SortedDictionary<ulong, IReadOnlyList<byte[]>> _waiting = new();
    private readonly Dictionary<int, (byte[] Value, long Version)> _table = new();

    /// <summary>Every sequence number up to here is executed.</summary>
    public ulong Executed { get; private set; }
    public long RequestsExecuted { get; private set; }
    public long MalformedRequests { get; private set; }
    public int Waiting => _waiting.Count;

    /// <summary>Version of a key of the table (0 when never written), for tests.</summary>
    public long VersionOf(int key) => _table.TryGetValue(key, out var entry) ? entry.Version : 0;

    /// <summary>Batch <paramref name="seq"/> committed; returns every batch that can now execute, in order.</summary>
    public List<ExecutedBatch> OnCommitted(ulong seq, IReadOnlyList<byte[]> raw)
    {
        var done = new List<ExecutedBatch>();
        if (seq <= Executed || !_waiting.TryAdd(seq, raw)) return done;
        while (_waiting.Remove(Executed + 1, out var next))
        {
            Executed++;
            done.Add(Execute(Executed, next));
        }
        return done;
    }

    private ExecutedBatch Execute(ulong seq, IReadOnlyList<byte[]> raw)
    {
        var ids = new List<RequestId>(raw.Count);
        foreach (var request in raw)
        {
            if (!ClusterWire.TryParseRequest(request, out var id))
            {
                MalformedRequests++;
                continue;
            }
            ids.Add(id);
            RequestsExecuted++;
            if (execution == ClusterExecution.Kv)
            {
                // One write per request: the request's bytes become the value of its client's key.
                var key = (int)((uint)id.Client % (uint)keys);
                var version = _table.TryGetValue(key, out var old) ? old.Version : 0;
                _table[key] = (request, version + 1);
            }
        }
        return new ExecutedBatch(seq, ids, raw);
    }
}
