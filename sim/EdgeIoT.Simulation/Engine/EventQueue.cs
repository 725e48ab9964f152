namespace EdgeIoT.Simulation.Engine;

/// <summary>Something that happens at a simulated instant: a message arrives, a scheduled fault fires.</summary>
internal abstract class SimEvent
{
    public abstract void Run(World world);
}

/// <summary>
/// Pending events ordered by (time, insertion number): two events at the same millisecond run in the
/// order they were scheduled, so a replay of a seed runs the exact same sequence.
/// </summary>
internal sealed class EventQueue(int capacity)
{
    private readonly PriorityQueue<SimEvent, (long TimeMs, long Sequence)> _queue = new();
    private long _sequence;

    public int Count => _queue.Count;
    public long Scheduled => _sequence;

    public void Schedule(long timeMs, SimEvent simEvent)
    {
        // A run that floods its own network has a bug in a scenario or a strategy: no real queue is unbounded.
        if (_queue.Count >= capacity) throw new InvalidOperationException($"more than {capacity} events pending: a node floods the simulated network without bound");
        _queue.Enqueue(simEvent, (timeMs, _sequence++));
    }

    public bool TryDequeueDue(long nowMs, out SimEvent simEvent)
    {
        if (_queue.TryPeek(out simEvent!, out var key) && key.TimeMs <= nowMs)
        {
            _queue.Dequeue();
            return true;
        }
        simEvent = null!;
        return false;
    }
}
