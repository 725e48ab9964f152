using EdgeIoT.Core.Config;
using EdgeIoT.Core.Envelope;

namespace EdgeIoT.Gateway.Protocol;

/// <summary>
/// The checks a gateway applies to a device transaction before ordering it — on MQTT ingress, and to
/// every transaction of a PRE-PREPARE (a backup prepares nothing it would not have admitted itself).
/// Only the ingress checks where the device is served: replicas learn global decisions at different
/// moments, and the verifier enforces ownership exactly, in each zone's order (docs/zones.md).
/// </summary>
public sealed class TxAdmission(NetworkRegistry registry, string zone, DevicePlacement? placement = null)
{
    public string Zone { get; } = zone;
    private readonly DevicePlacement _placement = placement ?? new DevicePlacement(registry);

    public bool TryAdmit(byte[] raw, out DeviceTransaction tx, out Rejection rejection, bool checkPlacement = true)
    {
        if (!DeviceTransaction.TryDecode(raw, registry, registry.Protocol.MaxTxBytes, out tx, out rejection)) return false;
        if (tx.Zone != Zone)
        {
            rejection = new(RejectReason.WrongZone, $"this is zone {Zone}; the transaction names zone {tx.Zone}");
            return false;
        }
        if (tx.App == Global.MigrationRequests.App)
        {
            // Never ordered in a zone's log: the host hands it to the global coordinator (IsGlobal).
            rejection = new(RejectReason.UnknownApplication, $"\"{tx.App}\" requests (migrations) go to the global coordinator, which runs in networks of several zones");
            return false;
        }
        // A device moving here is admitted even before this gateway hears of the ADOPT: its device sends
        // only after the verifier answered the migration, and the verifier aborts anything ordered
        // before the ADOPT, so the exact lock point stays the verifier's (docs/zones.md).
        if (checkPlacement && _placement.Of(tx.DeviceId) is var (served, moving) && served != Zone)
        {
            rejection = moving
                ? new(RejectReason.Migrating, $"device {tx.DeviceId} is migrating to zone {served}; send there once the migration is answered")
                : new(RejectReason.WrongZone, $"device {tx.DeviceId} belongs to zone {served}, not {Zone}");
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
