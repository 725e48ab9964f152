using EdgeIoT.Simulation.Engine;

namespace EdgeIoT.Simulation.Network;

/// <summary>
/// The simulated network between every pair of nodes: per-message random delay (so reordering),
/// loss, duplication and partitions, all drawn from the run's network stream. A partition is checked
/// when a message is sent and again when it would arrive (a partition that starts while a message is
/// in flight loses it, like a connection reset).
/// </summary>
public sealed class SimNetwork
{
    private readonly World _world;
    private readonly Random _random;
    private readonly List<Partition> _partitions = [];
    private long _nextId;

    internal SimNetwork(World world, Random random, NetworkConditions conditions)
    {
        _world = world;
        _random = random;
        Conditions = conditions;
    }

    public NetworkConditions Conditions { get; private set; }
    public IReadOnlyList<Partition> Partitions => _partitions;
    public long Sent { get; private set; }
    public long Delivered { get; private set; }
    public long Dropped { get; private set; }
    public long Duplicated { get; private set; }

    /// <summary>Observers of device transactions as published: anyone on the broker can see them (replay attackers do).</summary>
    public event Action<Message>? TransactionPublished;

    public void SetConditions(NetworkConditions conditions)
    {
        conditions.Validate();
        Conditions = conditions;
    }

    public void AddPartition(Partition partition) => _partitions.Add(partition);

    public void RemovePartition(string name) => _partitions.RemoveAll(p => p.Name == name);

    public void ClearPartitions() => _partitions.Clear();

    public void Send(NodeId from, NodeId to, MessageKind kind, byte[] body, long correlation = 0)
    {
        if (from == to) throw new InvalidOperationException($"{from} sent a {kind} to itself: hosts handle their own messages locally");
        var message = new Message(++_nextId, from, to, kind, body, correlation);
        Sent++;
        if (kind == MessageKind.Transaction) TransactionPublished?.Invoke(message);
        if (IsCut(from, to))
        {
            Drop(message, "partition");
            return;
        }
        var link = from.Role == NodeRole.Gateway && to.Role == NodeRole.Gateway ? Conditions.Peers : Conditions.Others;
        if (link.DropRate > 0 && _random.NextDouble() < link.DropRate)
        {
            Drop(message, "loss");
            return;
        }
        var copies = link.DuplicateRate > 0 && _random.NextDouble() < link.DuplicateRate ? 2 : 1;
        if (copies > 1) Duplicated++;
        for (var copy = 0; copy < copies; copy++)
            _world.Queue.Schedule(_world.Clock.NowMs + Delay(link), new Delivery(message));
    }

    private int Delay(LinkConditions link) =>
        link.SlowRate > 0 && _random.NextDouble() < link.SlowRate
            ? _random.Next(link.DelayMaxMs, link.SlowDelayMaxMs + 1)
            : _random.Next(link.DelayMinMs, link.DelayMaxMs + 1);

    private bool IsCut(NodeId a, NodeId b)
    {
        foreach (var partition in _partitions)
            if (partition.Cuts(a, b)) return true;
        return false;
    }

    private void Deliver(Message message)
    {
        if (IsCut(message.From, message.To))
        {
            Drop(message, "partition");
            return;
        }
        var node = _world.Node(message.To);
        if (!node.IsUp)
        {
            Drop(message, "down");
            return;
        }
        Delivered++;
        _world.Trace.Record(new TraceEntry(_world.Clock.NowMs, TraceKind.Deliver, message.From, message.To, message.Kind, message.Id, message.Correlation, null), message.Body);
        node.Receive(message);
    }

    private void Drop(Message message, string why)
    {
        Dropped++;
        _world.Trace.Record(new TraceEntry(_world.Clock.NowMs, TraceKind.Drop, message.From, message.To, message.Kind, message.Id, message.Correlation, why));
    }

    private sealed class Delivery(Message message) : SimEvent
    {
        public override void Run(World world) => world.Network.Deliver(message);
    }
}
