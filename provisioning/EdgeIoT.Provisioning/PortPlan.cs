namespace EdgeIoT.Provisioning;

/// <summary>
/// The fixed port layout of a local network from a base port P: the broker on P, the verifier on
/// P+1, executors from P+10, gateways from P+100 with ten ports per zone, and with several zones
/// their links to other zones from P+1100. Fixed offsets let an
/// operator tell from a port alone which process it belongs to.
/// </summary>
public readonly record struct PortPlan(int BasePort)
{
    public const int ExecutorsMax = 90;
    public const int GatewaysPerZoneMax = 10;
    public const int ZonesMax = 100;

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
        return BasePort + 100 + 10 * zoneIndex + gatewayIndex;
    }

    /// <summary>A gateway's port for links to the gateways of other zones (multi-zone networks only).</summary>
    public int GlobalGateway(int zoneIndex, int gatewayIndex) => Gateway(zoneIndex, gatewayIndex) + 10 * ZonesMax;

    public int HighestPort(int zones) => BasePort + 100 + 10 * (zones - 1) + GatewaysPerZoneMax - 1 + (zones > 1 ? 10 * ZonesMax : 0);
}
