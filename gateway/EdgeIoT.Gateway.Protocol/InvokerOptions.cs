using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>What an <see cref="InvokerCore"/> needs to know about its zone and itself.</summary>
public sealed record InvokerOptions
{
    public required ProtocolSettings Protocol { get; init; }
    public required int ExecutorCount { get; init; }
    /// <summary>n_R of the zone (decentralized spawning splits the executors among them).</summary>
    public int Gateways { get; init; } = 1;
    /// <summary>f_R of the zone.</summary>
    public int FaultyGateways { get; init; }
    public int SelfIndex { get; init; }
    /// <summary>
    /// Decodes the declared read/write sets of committed transactions for conflict avoidance; null
    /// treats every transaction's sets as undeclared.
    /// </summary>
    public IDeviceDirectory? Devices { get; init; }

    public static InvokerOptions For(NetworkRegistry registry, ZoneInfo zone, int selfIndex) => new()
    {
        Protocol = registry.Protocol,
        ExecutorCount = registry.Executors.Members.Count,
        Gateways = zone.Gateways.Count,
        FaultyGateways = zone.FaultyGateways,
        SelfIndex = selfIndex,
        Devices = registry,
    };
}
