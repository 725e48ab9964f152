using EdgeIoT.Simulation.Engine;
using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Scenarios;

/// <summary>
/// Faults a scenario injects during the safety phase, at simulated instants. Whatever is still broken
/// when the safety phase ends is healed then (partitions removed, crashed nodes restarted).
/// </summary>
public sealed class FaultSchedule
{
    private readonly World _world;

    internal FaultSchedule(World world) => _world = world;

    public World World => _world;

    /// <summary>Runs <paramref name="action"/> at <paramref name="timeMs"/>; it is traced with <paramref name="description"/>.</summary>
    public void At(long timeMs, string description, Action<World> action)
    {
        if (timeMs < 0 || timeMs >= _world.Setup.SafetyPhaseMs)
            throw new ArgumentOutOfRangeException(nameof(timeMs), $"faults happen during the safety phase (0..{_world.Setup.SafetyPhaseMs} ms)");
        _world.Queue.Schedule(timeMs, new FaultEvent(description, action));
    }

    /// <summary>
    /// One to three instants spread over the safety phase, one in each equal part of it (in its first
    /// half). Drawn lazily, so a caller's own draws between them keep each seed's sequence.
    /// </summary>
    public IEnumerable<long> SpreadOverSafetyPhase(Random random)
    {
        var safetyMs = _world.Setup.SafetyPhaseMs;
        var count = 1 + random.Next(3);
        for (var i = 0; i < count; i++) yield return (i * safetyMs / count) + random.Next(safetyMs / (2 * count));
    }

    /// <summary>Cuts <paramref name="isolated"/> off from everyone else from <paramref name="fromMs"/> until <paramref name="untilMs"/>.</summary>
    public void Partition(string name, IEnumerable<NodeId> isolated, long fromMs, long untilMs)
    {
        var set = isolated.ToHashSet();
        if (set.Count == 0) throw new ArgumentException("a partition isolates at least one node");
        At(fromMs, $"partition {name} starts: {string.Join(",", set.Select(_world.Describe))} cut off", w => w.Network.AddPartition(new Partition(name, set)));
        if (untilMs < _world.Setup.SafetyPhaseMs) At(untilMs, $"partition {name} heals", w => w.Network.RemovePartition(name));
    }

    /// <summary>
    /// Crashes <paramref name="node"/> for the rest of the run (the heal does not restart it): a
    /// crash-faulty gateway or executor, which counts against f like a byzantine one.
    /// </summary>
    public void Crash(NodeId node, long atMs)
    {
        var target = _world.Node(node);
        if (node.Role is NodeRole.Verifier or NodeRole.Device) throw new ArgumentException("the verifier is trusted to come back, and devices are not crashed");
        At(atMs, $"{target.Name} crashes for good", w =>
        {
            w.KeepDown(node);
            target.Crash();
        });
    }

    /// <summary>
    /// Crashes <paramref name="node"/> and restarts it from its persisted state <paramref name="downMs"/>
    /// later. Refused at scheduling time for a node that cannot restart yet (gateways until PbftReplica
    /// persists its votes).
    /// </summary>
    public void CrashAndRestart(NodeId node, long atMs, long downMs)
    {
        var target = _world.Node(node);
        if (!target.CanRestart) throw new NotSupportedException($"{target.Name} cannot be restarted yet");
        At(atMs, $"{target.Name} crashes", _ => target.Crash());
        if (atMs + downMs < _world.Setup.SafetyPhaseMs) At(atMs + downMs, $"{target.Name} restarts", _ => target.Restart());
    }

    /// <summary>
    /// From <paramref name="atMs"/> on, the verifier crashes at its next decision, after persisting it and
    /// before publishing its DECIDED notice and responses (decisions.md D22: a SIGKILL in that window, or a
    /// broker restart), and restarts from storage <paramref name="downMs"/> later (or at the heal).
    /// </summary>
    public void CrashVerifierBeforeNotice(long atMs, long downMs)
    {
        var verifier = _world.Verifier;
        At(atMs, "the verifier will crash between its next persist and its notice", world => verifier.CrashAfterNextPersist = () =>
        {
            if (world.Clock.NowMs >= world.Setup.SafetyPhaseMs) return; // faults end with the safety phase
            world.Trace.Record(new TraceEntry(world.Clock.NowMs, TraceKind.Fault, default, default, default, 0, 0, "the verifier crashes after persisting a decision, before its notice"));
            verifier.Crash();
            var restartMs = world.Clock.NowMs + downMs;
            if (restartMs < world.Setup.SafetyPhaseMs) world.Queue.Schedule(restartMs, new FaultEvent("the verifier restarts", _ => verifier.Restart()));
        });
    }

    /// <summary>
    /// Back to back until the safety phase ends, one of <paramref name="gateways"/> at a time crashes and
    /// restarts from its store (two times in three) or is cut off and healed, for 50-750 ms each, with up
    /// to 400 ms of calm between: at most one of them is faulty at any moment.
    /// </summary>
    public void Chaos(IReadOnlyList<Nodes.SimGateway> gateways, Random random)
    {
        var safetyMs = _world.Setup.SafetyPhaseMs;
        var atMs = (long)random.Next(200);
        for (var i = 0; atMs < safetyMs - 2; i++)
        {
            var gateway = gateways[random.Next(gateways.Count)];
            var downMs = Math.Min(50 + random.Next(700), safetyMs - 1 - atMs);
            if (random.Next(3) == 0) Partition($"chaos-{i}", [gateway.Id], atMs, atMs + downMs);
            else CrashAndRestart(gateway.Id, atMs, downMs);
            atMs += downMs + random.Next(400);
        }
    }

    private sealed class FaultEvent(string description, Action<World> action) : SimEvent
    {
        public override void Run(World world)
        {
            world.Trace.Record(new TraceEntry(world.Clock.NowMs, TraceKind.Fault, default, default, default, 0, 0, description));
            action(world);
        }
    }
}
