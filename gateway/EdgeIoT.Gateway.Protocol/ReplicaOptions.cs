using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>What a replica needs to know about its zone and the protocol's bounds.</summary>
public sealed class ReplicaOptions
{
    public required ZoneInfo Zone { get; init; }
    public required int SelfIndex { get; init; }
    public required ProtocolSettings Protocol { get; init; }

    /// <summary>
    /// Testing only: lowers every quorum by this many votes (prepared with 2f-r prepares, committed
    /// with 2f+1-r commits). The simulator's <c>--unsafe commit-quorum</c> sets 1 to show its checkers
    /// catch the resulting divergence; no configuration file can set it.
    /// </summary>
    public int UnsafeQuorumReduction { get; init; }

    public int N => Zone.Gateways.Count;
    public int F => Zone.FaultyGateways;
    public int Quorum => 2 * F + 1 - UnsafeQuorumReduction;
    public int PreparesNeeded => 2 * F - UnsafeQuorumReduction;
    public int Primary(ulong view) => (int)(view % (ulong)N);
}
