using EdgeIoT.Core.Config;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>A request to send EXECUTE for a committed batch to the listed executors.</summary>
public sealed record SpawnRequest(CommittedBatch Batch, int[] Executors, bool Respawn);

/// <summary>
/// The executor invoker's decisions, pure (serverlessbft §4.3 and §6.1): which committed batches to
/// spawn executors for and when. In out-of-order mode the primary spawns every batch the moment it
/// commits, without waiting for earlier ones. Every gateway keeps its committed, undecided batches, so
/// that a gateway that becomes primary can spawn what its predecessor did not, and the primary
/// re-spawns a batch the verifier has not decided after a timeout (backing off), which covers lost
/// requests and a verifier restart.
/// </summary>
public sealed class InvokerCore
{
    private readonly ProtocolSettings _protocol;
    private readonly int _executorCount;
    private readonly SortedDictionary<ulong, Tracked> _undecided = new();
    private readonly List<SpawnRequest> _spawns = [];
    private readonly int _respawnTicks;
    private ulong _decidedThrough;
    private long _tick;

    public InvokerCore(ProtocolSettings protocol, int executorCount)
    {
        _protocol = protocol;
        _executorCount = executorCount;
        _respawnTicks = protocol.Ticks(protocol.RespawnTimeoutMs);
    }

    public bool IsPrimary { get; private set; }
    public int UndecidedCount => _undecided.Count;
    public long Spawned { get; private set; }
    public long Respawned { get; private set; }

    public void OnCommitted(CommittedBatch batch)
    {
        if (batch.Seq <= _decidedThrough || _undecided.ContainsKey(batch.Seq)) return;
        var tracked = new Tracked(batch);
        _undecided[batch.Seq] = tracked;
        if (IsPrimary) Spawn(tracked, respawn: false);
    }

    /// <summary>This gateway became (or stopped being) the primary. A new primary spawns every committed batch still undecided.</summary>
    public void SetPrimary(bool isPrimary)
    {
        if (isPrimary == IsPrimary) return;
        IsPrimary = isPrimary;
        if (!isPrimary) return;
        foreach (var tracked in _undecided.Values) Spawn(tracked, respawn: true);
    }

    public void OnDecided(ulong seq)
    {
        if (seq <= _decidedThrough) return;
        _decidedThrough = seq;
        while (_undecided.Count > 0)
        {
            var first = _undecided.Keys.First();
            if (first > seq) break;
            _undecided.Remove(first);
        }
    }

    /// <summary>
    /// The verifier waits for <paramref name="seq"/> (ERROR(k_max), §5.1.3): as primary, spawn it again
    /// now rather than at its next back-off. False when this gateway has no such committed batch.
    /// </summary>
    public bool RespawnNow(ulong seq)
    {
        if (!IsPrimary || !_undecided.TryGetValue(seq, out var tracked)) return false;
        Spawn(tracked, respawn: true);
        return true;
    }

    public void Tick()
    {
        _tick++;
        if (!IsPrimary) return;
        foreach (var tracked in _undecided.Values)
            if (_tick >= tracked.NextRespawnTick) Spawn(tracked, respawn: true);
    }

    public List<SpawnRequest> TakeSpawns()
    {
        if (_spawns.Count == 0) return [];
        var result = new List<SpawnRequest>(_spawns);
        _spawns.Clear();
        return result;
    }

    private void Spawn(Tracked tracked, bool respawn)
    {
        var executors = new int[_executorCount];
        for (var i = 0; i < executors.Length; i++) executors[i] = i;
        _spawns.Add(new SpawnRequest(tracked.Batch, executors, respawn));
        if (respawn) Respawned++; else Spawned++;
        // Exponential back-off between re-spawns of the same batch, capped at 16 timeouts.
        tracked.Attempts++;
        tracked.NextRespawnTick = _tick + (long)_respawnTicks * (1L << Math.Min(tracked.Attempts - 1, 4));
    }

    private sealed class Tracked(CommittedBatch batch)
    {
        public CommittedBatch Batch { get; } = batch;
        public int Attempts;
        public long NextRespawnTick;
    }
}
