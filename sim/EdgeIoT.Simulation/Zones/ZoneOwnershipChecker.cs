using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Simulation.Checkers;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Simulation.Zones;

/// <summary>
/// No device is served by two zones at once, and no committed local transaction is lost across a
/// migration (ziziphus §3.2.3): replaying what the verifier persisted, every committed transaction
/// comes from the zone that owned its device and not after that zone locked it; an applied ADOPT
/// carries exactly the number of transactions committed before the LOCK, and the device has
/// committed nothing since.
/// </summary>
public sealed class ZoneOwnershipChecker(World world) : Checker(world)
{
    private readonly Dictionary<string, (string Zone, ulong Count, bool Locked, ulong LockCount)> _owners = new(StringComparer.Ordinal);

    public override string Name => "zone-ownership";

    public override void OnVerifierPersisted(DecidedBatch batch)
    {
        foreach (var entry in batch.Entries)
        {
            if (entry.Status == TxStatus.Committed)
            {
                var owner = Owner(entry.Device);
                if (owner.Zone != batch.Zone)
                    throw Violation($"{batch.Zone}/{batch.Seq}/{entry.Position}: zone {batch.Zone} committed a transaction of {entry.Device}, which zone {owner.Zone} serves");
                if (owner.Locked)
                    throw Violation($"{batch.Zone}/{batch.Seq}/{entry.Position}: zone {batch.Zone} committed a transaction of {entry.Device} after locking it for a migration (the source zone kept serving a migrating device)");
                _owners[entry.Device] = owner with { Count = owner.Count + 1 };
            }
        }
        foreach (var receipt in batch.Migrations)
        {
            if (!receipt.Applied) continue;
            var owner = Owner(receipt.Device);
            if (!receipt.Adopt)
            {
                if (owner.Locked) continue; // the same LOCK ordered again
                if (receipt.HistoryCount != owner.Count)
                    throw Violation($"{batch.Zone}/{batch.Seq}: LOCK of {receipt.Device} recorded {receipt.HistoryCount} transactions; {owner.Count} were committed before it");
                _owners[receipt.Device] = owner with { Locked = true, LockCount = owner.Count };
                continue;
            }
            if (!owner.Locked || receipt.HistoryCount != owner.LockCount || owner.Count != owner.LockCount)
                throw Violation($"{batch.Zone}/{batch.Seq}: ADOPT of {receipt.Device} moved {receipt.HistoryCount} transactions; {owner.LockCount} were committed before the LOCK and {owner.Count} by now (a committed transaction lost or served twice)");
            _owners[receipt.Device] = (batch.Zone, owner.Count, false, 0);
        }
    }

    private (string Zone, ulong Count, bool Locked, ulong LockCount) Owner(string device) =>
        _owners.TryGetValue(device, out var owner) ? owner
        : World.Registry.TryGetDevice(device, out var info) ? (info.Zone, 0UL, false, 0UL)
        : throw Violation($"a transaction of unregistered device {device} was committed");
}
