using System.Collections.Concurrent;
using EdgeIoT.Core.Config;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// Where each device is served, as this gateway's global metadata says (ziziphus §3.1 lock bits):
/// written by the protocol loop after each global decision, read by the admission workers. A device
/// nobody moved is in its registry home zone.
/// </summary>
public sealed class DevicePlacement(NetworkRegistry registry)
{
    private readonly ConcurrentDictionary<string, (string Zone, bool Locked)> _moved = new(StringComparer.Ordinal);

    public (string Zone, bool Locked) Of(string device) =>
        _moved.TryGetValue(device, out var placed) ? placed
        : registry.TryGetDevice(device, out var info) ? (info.Zone, false) : ("", false);

    public void Set(string device, string zone, bool locked) => _moved[device] = (zone, locked);

    /// <summary>
    /// What a verifier-signed receipt in this zone's DECIDED notice says: after an applied LOCK the
    /// device is leaving for <c>to_zone</c>; after an applied ADOPT this zone serves it.
    /// </summary>
    public void OnReceipt(Wire.MigrationReceipt receipt, string zone)
    {
        if (!receipt.Applied) return;
        if (receipt.Adopt && receipt.ToZone == zone) Set(receipt.Device, zone, locked: false);
        else if (!receipt.Adopt && receipt.FromZone == zone) Set(receipt.Device, receipt.ToZone, locked: true);
    }
}
