using System.Collections.Concurrent;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// The last decided timestamp of each device, from the verifier's signed DECIDED notices. A
/// transaction at or below it is a replay or out of order and is refused at the door, before it
/// costs an ordering slot (the verifier would reject it anyway).
/// </summary>
public sealed class DeviceProgress
{
    private readonly ConcurrentDictionary<string, ulong> _lastDecided = new(StringComparer.Ordinal);

    public ulong LastDecided(string device) => _lastDecided.TryGetValue(device, out var ts) ? ts : 0;

    public void Observe(string device, ulong timestamp) =>
        _lastDecided.AddOrUpdate(device, timestamp, (_, current) => Math.Max(current, timestamp));
}
