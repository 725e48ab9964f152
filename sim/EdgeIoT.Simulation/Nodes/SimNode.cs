using EdgeIoT.Simulation.Network;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// A simulated process: the host code around one protocol core, driven by the engine with messages
/// and one <see cref="Tick"/> per simulated millisecond (production's TickMs = 1).
/// </summary>
public abstract class SimNode(World world, NodeId id, string name)
{
    public World World { get; } = world;
    public NodeId Id { get; } = id;
    /// <summary>The node's id in the registry (z1-g0, e2, d3, verifier).</summary>
    public string Name { get; } = name;
    public bool IsUp { get; private set; } = true;
    /// <summary>False for nodes running a byzantine strategy; checkers only vouch for correct nodes.</summary>
    public abstract bool IsCorrect { get; }
    /// <summary>Whether <see cref="Restart"/> can rebuild this node's core from what it persisted.</summary>
    public virtual bool CanRestart => false;
    public long Ignored { get; protected set; }

    internal abstract void Receive(Message message);
    internal abstract void Tick();

    /// <summary>The process dies: it stops receiving and ticking, and loses everything it did not persist.</summary>
    public void Crash()
    {
        if (!IsUp) throw new InvalidOperationException($"{Name} is already down");
        IsUp = false;
        OnCrash();
    }

    /// <summary>The process starts again from its persisted state.</summary>
    public void Restart()
    {
        if (IsUp) throw new InvalidOperationException($"{Name} is running");
        if (!CanRestart) throw new NotSupportedException($"{Name} cannot restart: {RestartUnsupportedReason}");
        OnRestart();
        IsUp = true;
    }

    protected virtual string RestartUnsupportedReason => "this role keeps no persisted state to restart from";
    protected virtual void OnCrash() { }
    protected virtual void OnRestart() { }

    protected void Send(NodeId to, MessageKind kind, byte[] body, long correlation = 0) =>
        World.Network.Send(Id, to, kind, body, correlation);
}
