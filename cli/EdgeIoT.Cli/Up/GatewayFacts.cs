using EdgeIoT.Cli.Launch;

namespace EdgeIoT.Cli.Up;

/// <summary>
/// The issue-6 targets about gateways: resident memory at peak load (largest VmHWM over the gateways,
/// read while they still run) and time from spawning a gateway to its ready line (largest over the
/// gateways, which start together and so share the machine while starting).
/// </summary>
public sealed record GatewayFacts(double? PeakResidentMiB, double? ReadySecondsMax)
{
    public static GatewayFacts Measure(LocalNetwork network)
    {
        var ids = network.Registry.Zones.SelectMany(z => z.Gateways).Select(g => g.Id).ToList();
        var peaks = ids.Select(id => network.Pid(id) is { } pid ? ProcessMemory.PeakResidentMiB(pid) : null).OfType<double>().ToList();
        var ready = ids.Select(network.TimeToReady).OfType<TimeSpan>().Select(t => t.TotalSeconds).ToList();
        return new GatewayFacts(peaks.Count > 0 ? peaks.Max() : null, ready.Count > 0 ? ready.Max() : null);
    }
}
