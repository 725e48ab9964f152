namespace EdgeIoT.Simulation.Network;

/// <summary>
/// How one class of links behaves: a uniform delay (independent per message, so messages reorder),
/// loss, duplication, and a slow tail (a fraction of messages take up to <see cref="SlowDelayMaxMs"/>).
/// </summary>
public sealed record LinkConditions(int DelayMinMs, int DelayMaxMs, double DropRate = 0, double DuplicateRate = 0, double SlowRate = 0, int SlowDelayMaxMs = 0)
{
    public const int DelayCeilingMs = 60_000;

    public void Validate(string name)
    {
        if (DelayMinMs < 1 || DelayMaxMs < DelayMinMs || DelayMaxMs > DelayCeilingMs)
            throw new ArgumentException($"{name}: delays must satisfy 1 <= min <= max <= {DelayCeilingMs} ms (got {DelayMinMs}..{DelayMaxMs})");
        if (DropRate is < 0 or >= 1 || DuplicateRate is < 0 or > 1 || SlowRate is < 0 or > 1)
            throw new ArgumentException($"{name}: rates must be probabilities (drop < 1)");
        if (SlowRate > 0 && (SlowDelayMaxMs < DelayMaxMs || SlowDelayMaxMs > DelayCeilingMs))
            throw new ArgumentException($"{name}: the slow tail must reach beyond the normal delay and stay under {DelayCeilingMs} ms");
    }

    public bool IsLossless => DropRate == 0;
}

/// <summary>
/// Conditions per link class. Gateway peer links are separate: in production they are TCP, and PBFT
/// has no retransmission yet, so a lost PREPARE or COMMIT can strand a sequence number until view
/// change and checkpoints exist. Scenarios keep <see cref="Peers"/> lossless until then.
/// </summary>
public sealed record NetworkConditions(LinkConditions Peers, LinkConditions Others)
{
    /// <summary>Bounded delays, nothing lost or duplicated: the liveness phase's network.</summary>
    public static NetworkConditions Healed(int delayMaxMs = 10) => new(new LinkConditions(1, delayMaxMs), new LinkConditions(1, delayMaxMs));

    public void Validate()
    {
        Peers.Validate("peer links");
        Others.Validate("other links");
    }
}

/// <summary>Nodes cut off from every node outside the set, in both directions, while active.</summary>
public sealed record Partition(string Name, IReadOnlySet<NodeId> Isolated)
{
    public bool Cuts(NodeId a, NodeId b) => Isolated.Contains(a) != Isolated.Contains(b);
}
