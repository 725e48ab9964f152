using EdgeIoT.Core.Config;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>A request to send EXECUTE for a committed batch to the listed executors.</summary>
public sealed record SpawnRequest(CommittedBatch Batch, int[] Executors, bool Respawn);

/// <summary>
/// The executor invoker's decisions, pure (serverlessbft §4.3, §6): which committed batches to spawn
/// executors for, when, and which executors. Two independent choices (docs/conflicts.md):
///
/// Who spawns. Out-of-order and sequential modes: the primary spawns all n_E executors. Decentralized
/// mode (§6.3): every gateway spawns its own slice of e executors (<see cref="DecentralizedSpawning"/>)
/// for each batch it commits, so a byzantine primary cannot hold execution back.
///
/// When. A committed batch is *released* once its gate opens: at once (out-of-order, §6.1); when the
/// verifier has decided every earlier sequence number (sequential, §6.1.1); or, with conflict
/// avoidance (§6.5), when no earlier undecided batch may write what it may read (<see cref="LockMap"/>).
/// Released batches are spawned if this gateway spawns; every gateway runs the same gates on the same
/// committed batches, so a backup that becomes primary knows what to spawn.
///
/// Every gateway keeps its committed, undecided batches. A spawned batch the verifier has not decided
/// is spawned again after a timeout (backing off): by the primary, or in decentralized mode by every
/// gateway for its own slice. Memory: at most one window of batches (the replica commits only within
/// its window above the verifier's last decision) and their declared keys.
/// </summary>
public sealed class InvokerCore
{
    private enum Gate { Immediate, Sequential, LockMap }

    private readonly InvokerOptions _options;
    private readonly Gate _gate;
    private readonly int[] _slice;
    private readonly int _respawnTicks;
    private readonly ulong _windowBatches;
    private readonly SortedDictionary<ulong, Tracked> _undecided = new();
    private readonly LockMap _locks = new();
    private readonly List<SpawnRequest> _spawns = [];
    private ulong _decidedThrough;
    // Lock-map gate: every sequence number up to here is committed here and admitted into the lock map.
    private ulong _admittedThrough;
    private long _tick;

    /// <summary>A primary-only invoker that treats every transaction's read/write sets as undeclared.</summary>
    public InvokerCore(ProtocolSettings protocol, int executorCount)
        : this(new InvokerOptions { Protocol = protocol, ExecutorCount = executorCount })
    {
    }

    public InvokerCore(InvokerOptions options)
    {
        if (options.ExecutorCount < 1) throw new ArgumentOutOfRangeException(nameof(options), "an invoker needs at least one executor");
        if ((uint)options.SelfIndex >= (uint)options.Gateways) throw new ArgumentOutOfRangeException(nameof(options), $"gateway index {options.SelfIndex} is not within the zone's {options.Gateways}");
        _options = options;
        var protocol = options.Protocol;
        _respawnTicks = protocol.Ticks(protocol.RespawnTimeoutMs);
        _windowBatches = (ulong)protocol.WindowBatches;
        _gate = protocol.Spawning == SpawningMode.Sequential ? Gate.Sequential : protocol.ConflictAvoidance ? Gate.LockMap : Gate.Immediate;
        Decentralized = protocol.Spawning == SpawningMode.Decentralized;
        if (Decentralized)
        {
            var perGateway = DecentralizedSpawning.ExecutorsPerGateway(options.ExecutorCount, options.Gateways, options.FaultyGateways, protocol.DecentralizedToleratesDark);
            _slice = DecentralizedSpawning.Slice(options.SelfIndex, perGateway, options.ExecutorCount);
        }
        else
        {
            _slice = Enumerable.Range(0, options.ExecutorCount).ToArray();
        }
    }

    public bool IsPrimary { get; private set; }
    /// <summary>Every gateway spawns its own slice (§6.3) rather than the primary spawning all.</summary>
    public bool Decentralized { get; }
    /// <summary>The executors this gateway spawns for a batch (all n_E, or its decentralized slice).</summary>
    public IReadOnlyList<int> Executors => _slice;
    public int UndecidedCount => _undecided.Count;
    /// <summary>Committed, undecided batches whose gate is still closed.</summary>
    public int HeldCount => _undecided.Values.Count(t => !t.Released);
    public ulong DecidedThrough => _decidedThrough;
    public int KeysLocked => _locks.KeysLocked;
    public long Spawned { get; private set; }
    public long Respawned { get; private set; }
    /// <summary>Batches that had to wait for an earlier one (a conflict, or sequential mode) at least once.</summary>
    public long BatchesHeld { get; private set; }

    private bool SpawnsHere => Decentralized || IsPrimary;

    public void OnCommitted(CommittedBatch batch)
    {
        if (batch.Seq <= _decidedThrough || _undecided.ContainsKey(batch.Seq)) return;
        // The replica commits only within its window above the verifier's last decision, and its low
        // watermark moves only on the verifier's signed word: a commit this far ahead proves the
        // verifier decided at least Seq - window, even if the notice never reached this invoker.
        if (batch.Seq > _decidedThrough + _windowBatches) OnDecided(batch.Seq - _windowBatches);
        _undecided[batch.Seq] = new Tracked(batch);
        ReleaseReady();
    }

    /// <summary>This gateway became (or stopped being) the primary. A new primary spawns every released, undecided batch.</summary>
    public void SetPrimary(bool isPrimary)
    {
        if (isPrimary == IsPrimary) return;
        IsPrimary = isPrimary;
        if (!isPrimary || Decentralized) return;
        foreach (var tracked in _undecided.Values)
            if (tracked.Released) Spawn(tracked, respawn: true);
    }

    /// <summary>
    /// The verifier decided <paramref name="seq"/> and, deciding in order, everything before it (its
    /// DECIDED notice, §6.1.1's RESPONSE for k): forget those batches, release their locks, and open
    /// the gates they held closed.
    /// </summary>
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
        _locks.ReleaseThrough(seq);
        _admittedThrough = Math.Max(_admittedThrough, seq);
        ReleaseReady();
    }

    /// <summary>
    /// The verifier waits for <paramref name="seq"/> (ERROR(k_max), §5.1.3): spawn it again now rather
    /// than at its next back-off. False when this gateway does not spawn, has no such committed batch,
    /// or its gate is still closed.
    /// </summary>
    public bool RespawnNow(ulong seq)
    {
        if (!SpawnsHere || !_undecided.TryGetValue(seq, out var tracked) || !tracked.Released) return false;
        Spawn(tracked, respawn: true);
        return true;
    }

    public void Tick()
    {
        _tick++;
        if (!SpawnsHere) return;
        foreach (var tracked in _undecided.Values)
            if (tracked.Released && _tick >= tracked.NextRespawnTick) Spawn(tracked, respawn: true);
    }

    public List<SpawnRequest> TakeSpawns()
    {
        if (_spawns.Count == 0) return [];
        var result = new List<SpawnRequest>(_spawns);
        _spawns.Clear();
        return result;
    }

    private void ReleaseReady()
    {
        switch (_gate)
        {
            case Gate.Immediate:
                foreach (var tracked in _undecided.Values)
                    if (!tracked.Released) Release(tracked);
                break;
            case Gate.Sequential:
                foreach (var tracked in _undecided.Values)
                {
                    if (tracked.Released) continue;
                    if (tracked.Batch.Seq == _decidedThrough + 1) Release(tracked);
                    else Hold(tracked);
                }
                break;
            case Gate.LockMap:
                // §6.5 step 1: a batch enters the lock map only after every earlier one did, so a
                // sequence number that has not committed here yet (its contents unknown) blocks all later ones.
                while (_undecided.TryGetValue(_admittedThrough + 1, out var next))
                {
                    next.Footprint = _options.Devices is { } devices
                        ? BatchFootprint.Of(next.Batch.Batch, devices, _options.Protocol.MaxTxBytes)
                        : BatchFootprint.Unknown;
                    _locks.Admit(next.Batch.Seq, next.Footprint);
                    _admittedThrough++;
                }
                // Steps 2-3: release, in sequence order, every admitted batch no earlier batch blocks.
                foreach (var tracked in _undecided.Values)
                {
                    if (tracked.Released) continue;
                    if (tracked.Footprint is { } footprint && !_locks.Conflicts(tracked.Batch.Seq, footprint)) Release(tracked);
                    else Hold(tracked);
                }
                break;
        }
    }

    private void Release(Tracked tracked)
    {
        tracked.Released = true;
        if (SpawnsHere) Spawn(tracked, respawn: false);
    }

    private void Hold(Tracked tracked)
    {
        if (tracked.WasHeld) return;
        tracked.WasHeld = true;
        BatchesHeld++;
    }

    private void Spawn(Tracked tracked, bool respawn)
    {
        _spawns.Add(new SpawnRequest(tracked.Batch, (int[])_slice.Clone(), respawn));
        if (respawn) Respawned++; else Spawned++;
        // Exponential back-off between re-spawns of the same batch, capped at 16 timeouts.
        tracked.Attempts++;
        tracked.NextRespawnTick = _tick + (long)_respawnTicks * (1L << Math.Min(tracked.Attempts - 1, 4));
    }

    private sealed class Tracked(CommittedBatch batch)
    {
        public CommittedBatch Batch { get; } = batch;
        public BatchFootprint? Footprint;
        public bool Released;
        public bool WasHeld;
        public int Attempts;
        public long NextRespawnTick;
    }
}
