using EdgeIoT.Core.Config;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>What a replica needs to know about its zone and the protocol's bounds.</summary>
public sealed class ReplicaOptions
{
    public required ZoneInfo Zone { get; init; }
    public required int SelfIndex { get; init; }
    public required ProtocolSettings Protocol { get; init; }

    public int N => Zone.Gateways.Count;
    public int F => Zone.FaultyGateways;
    public int Quorum => 2 * F + 1;
    public int Primary(ulong view) => (int)(view % (ulong)N);
}
