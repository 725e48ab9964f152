using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// The checks a gateway applies to a device transaction before ordering it — on MQTT ingress, and to
/// every transaction of a PRE-PREPARE (a backup prepares nothing it would not have admitted itself).
/// </summary>
public sealed class TxAdmission(NetworkRegistry registry, string zone)
{
    public string Zone { get; } = zone;

    public bool TryAdmit(byte[] raw, out DeviceTransaction tx, out Rejection rejection)
    {
        if (!DeviceTransaction.TryDecode(raw, registry, registry.Protocol.MaxTxBytes, out tx, out rejection)) return false;
        if (tx.Zone != Zone)
        {
            rejection = new(RejectReason.WrongZone, $"this is zone {Zone}; the transaction names zone {tx.Zone}");
            return false;
        }
        if (registry.TryGetDevice(tx.DeviceId, out var device) && device.Zone != Zone)
        {
            rejection = new(RejectReason.WrongZone, $"device {tx.DeviceId} belongs to zone {device.Zone}, not {Zone}");
            return false;
        }
        if (!registry.Applications.Enabled.Contains(tx.App))
        {
            rejection = new(RejectReason.UnknownApplication, $"application \"{tx.App}\" is not enabled (enabled: {string.Join(", ", registry.Applications.Enabled)})");
            return false;
        }
        return true;
    }
}
