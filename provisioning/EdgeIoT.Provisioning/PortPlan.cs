namespace EdgeIoT.Provisioning;

/// <summary>
/// The fixed port layout of a local network from a base port P: the broker on P, the verifier on
/// P+1, executors from P+10, and from P+100 a block of 64 ports per zone: gateway g of zone z listens
/// for its zone's peers on P+100+64z+g and, with several zones, for the other zones' gateways on
/// P+100+64z+32+g. Fixed offsets let an operator tell from a port alone which process it belongs to.
/// 32 gateways per zone let the flat-PBFT baseline hold every gateway of the paper's 7 zones (28).
/// </summary>
public readonly record struct PortPlan(int BasePort)
{
    public const int ExecutorsMax = 90;
    public const int GatewaysPerZoneMax = 32;
    public const int ZonesMax = 100;
    private const int GatewaysFrom = 100;
    private const int ZoneBlock = 2 * GatewaysPerZoneMax;

    public int Broker => BasePort;
    public int Verifier => BasePort + 1;

    public int Executor(int executorIndex)
    {
        if (executorIndex is < 0 or >= ExecutorsMax) throw new ArgumentOutOfRangeException(nameof(executorIndex));
        return BasePort + 10 + executorIndex;
    }

    public int Gateway(int zoneIndex, int gatewayIndex)
    {
        if (zoneIndex is < 0 or >= ZonesMax) throw new ArgumentOutOfRangeException(nameof(zoneIndex));
        if (gatewayIndex is < 0 or >= GatewaysPerZoneMax) throw new ArgumentOutOfRangeException(nameof(gatewayIndex));
        return BasePort + GatewaysFrom + ZoneBlock * zoneIndex + gatewayIndex;
    }

    /// <summary>A gateway's port for links to the gateways of other zones (multi-zone networks only).</summary>
    public int GlobalGateway(int zoneIndex, int gatewayIndex) => Gateway(zoneIndex, gatewayIndex) + GatewaysPerZoneMax;

    /// <summary>The highest port a network of <paramref name="zones"/> zones may use (one zone has no global ports).</summary>
    public int HighestPort(int zones) => BasePort + GatewaysFrom + ZoneBlock * (zones - 1) + (zones > 1 ? ZoneBlock : GatewaysPerZoneMax) - 1;
}
