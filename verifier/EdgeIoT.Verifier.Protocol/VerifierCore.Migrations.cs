using System.Text.Json;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>
/// Device ownership and the data-plane half of a migration (ziziphus Algorithm 2, docs/zones.md): a
/// zone commits only its own devices' transactions; LOCK freezes a device in its source zone and fixes
/// its history; ADOPT moves ownership to the destination when the source zone's certified HISTORY
/// names exactly the history storage holds.
/// </summary>
public sealed partial class VerifierCore
{
    /// <summary>The device's current ownership, including decisions not yet persisted.</summary>
    public DeviceOwnership? Ownership(string device)
    {
        if (_unpersistedOwnership.TryGetValue(device, out var pending)) return pending;
        if (_state.Ownership(device) is { } stored) return stored;
        return _registry.TryGetDevice(device, out var info) ? new DeviceOwnership(info.Zone, default, 0, null) : null;
    }

    private string? OwnershipProblem(string zone, string device)
    {
        if (Ownership(device) is not { } owner) return $"device {device} is not registered";
        if (owner.Zone != zone) return $"wrong-zone: device {device} is served by zone {owner.Zone}";
        if (owner.Lock is { } moving && !_unsafeSkipLock) return $"migrating: device {device} is moving to zone {moving.ToZone}";
        return null;
    }

    private void AppendHistory(string device, in Bytes32 txDigest, Dictionary<string, DeviceOwnership> batchOwnership)
    {
        var owner = Ownership(device) ?? throw new InvalidOperationException($"committed a transaction of {device}, which has no ownership");
        Store(device, owner with { History = HistoryChain.Next(owner.History, txDigest), HistoryCount = owner.HistoryCount + 1 }, batchOwnership);
    }

    private void Store(string device, DeviceOwnership owner, Dictionary<string, DeviceOwnership> batchOwnership)
    {
        _unpersistedOwnership[device] = owner;
        batchOwnership[device] = owner;
    }

    private DecidedEntry DecideSystem(ZoneProgress zone, ulong seq, int position, Bytes32 txDigest, byte[] raw,
        Dictionary<string, ulong> timestamps, Dictionary<string, DeviceOwnership> batchOwnership, List<MigrationReceipt> receipts)
    {
        DecidedEntry Row(string device, ulong timestamp, Bytes32 digest, string result, string reason) =>
            new(zone.Zone, seq, position, device, timestamp, digest, TxStatus.System, result, reason, raw);

        if (!SystemEntries.TryDecode(raw, out var entry, out var problem))
        {
            Metrics.MigrationEntriesRefused++;
            return Row("", 0, txDigest, "", problem);
        }
        var adopt = entry.KindCase == SystemEntry.KindOneofCase.Adopt;
        var certified = adopt
            ? StepCertificates.TryVerifyAdopt(entry.Adopt, _registry, zone.Zone, out var step, out problem)
            : StepCertificates.TryVerifyLock(entry.Lock, _registry, zone.Zone, out step, out problem);
        if (!certified)
        {
            Metrics.MigrationEntriesRefused++;
            return Row("", 0, txDigest, "", $"{(adopt ? "ADOPT" : "LOCK")}: {problem}");
        }
        return adopt
            ? DecideAdopt(zone, step, txDigest, timestamps, batchOwnership, receipts, Row)
            : DecideLock(zone, seq, step, txDigest, batchOwnership, receipts, Row);
    }

    private DecidedEntry DecideLock(ZoneProgress zone, ulong seq, GlobalStep step, Bytes32 txDigest,
        Dictionary<string, DeviceOwnership> batchOwnership, List<MigrationReceipt> receipts, Func<string, ulong, Bytes32, string, string, DecidedEntry> row)
    {
        if (step.Kind != GlobalStepKind.GlobalStepCommit || step.Order is null || step.Ballot is null)
            return Refuse("LOCK must carry a certified COMMIT of a migration");
        var order = step.Order;
        var receipt = new MigrationReceipt { Device = order.Device, Ballot = step.Ballot, Adopt = false, ToZone = order.ToZone, FromZone = order.FromZone, Slot = step.Slot };
        if (order.FromZone != zone.Zone) return Refuse($"the migration leaves zone {order.FromZone}, not {zone.Zone}");
        if (Ownership(order.Device) is not { } owner) return Refuse($"device {order.Device} is not registered");
        if (owner.Lock is { } existing)
        {
            // A new primary may order the LOCK again: the same migration (slot and ballot) is answered as before.
            if (existing.Slot == step.Slot && existing.BallotN == step.Ballot.N && existing.BallotZone == step.Ballot.Zone)
                return Applied(existing, "lock repeated");
            return Refuse($"device {order.Device} is already moving to zone {existing.ToZone}");
        }
        if (owner.Zone != zone.Zone) return Refuse($"device {order.Device} is served by zone {owner.Zone}");
        var lockState = new MigrationLock(step.Ballot.N, step.Ballot.Zone, order.ToZone, owner.History, owner.HistoryCount,
            order.Timestamp, Sha256Digest.Of(order.Request.Span), seq, step.Slot);
        Store(order.Device, owner with { Lock = lockState }, batchOwnership);
        Metrics.DevicesLocked++;
        return Applied(lockState, "");

        DecidedEntry Applied(MigrationLock state, string note)
        {
            receipt.Applied = true;
            receipt.HistoryDigest = Google.Protobuf.ByteString.CopyFrom(state.History.ToArray());
            receipt.HistoryCount = state.HistoryCount;
            receipts.Add(receipt);
            // A non-empty result marks an applied LOCK in the log (the audit replays it).
            return row(order.Device, 0, txDigest, JsonSerializer.Serialize(new { locked = true, to = state.ToZone, history_count = state.HistoryCount }), note);
        }

        DecidedEntry Refuse(string reason)
        {
            Metrics.MigrationEntriesRefused++;
            if (step.Order is { } o) receipts.Add(new MigrationReceipt { Device = o.Device, Ballot = step.Ballot, Adopt = false, Applied = false, Reason = reason, ToZone = o.ToZone, FromZone = o.FromZone, Slot = step.Slot });
            return row(step.Order?.Device ?? "", 0, txDigest, "", $"LOCK refused: {reason}");
        }
    }

    private DecidedEntry DecideAdopt(ZoneProgress zone, GlobalStep step, Bytes32 txDigest, Dictionary<string, ulong> timestamps,
        Dictionary<string, DeviceOwnership> batchOwnership, List<MigrationReceipt> receipts, Func<string, ulong, Bytes32, string, string, DecidedEntry> row)
    {
        var device = step.Device;
        if (step.Kind != GlobalStepKind.GlobalStepHistory || step.Ballot is null || device.Length == 0)
            return Refuse("ADOPT must carry a certified HISTORY");
        if (Ownership(device) is not { } owner) return Refuse($"device {device} is not registered");
        if (owner.Zone != step.Zone) return Refuse($"the history is zone {step.Zone}'s but device {device} is served by zone {owner.Zone}");
        if (owner.Lock is not { } moving) return Refuse($"device {device} is not locked for a migration");
        if (moving.Slot != step.Slot || moving.BallotN != step.Ballot.N || moving.BallotZone != step.Ballot.Zone) return Refuse($"device {device} is locked for another migration (slot {moving.Slot})");
        if (moving.ToZone != zone.Zone) return Refuse($"device {device} is moving to zone {moving.ToZone}, not {zone.Zone}");
        // The heart of Algorithm 2's safety: ownership moves only with exactly the records the source
        // zone certified, and those are exactly what storage holds.
        if (!Bytes32.TryCreate(step.HistoryDigest.Span, out var certified) || certified != moving.History || step.HistoryCount != moving.HistoryCount)
            return Refuse($"the certified history ({step.HistoryCount} transactions) differs from storage's ({moving.HistoryCount} transactions) at the lock point");

        Store(device, new DeviceOwnership(zone.Zone, owner.History, owner.HistoryCount, null), batchOwnership);
        if (moving.RequestTimestamp > LastTimestamp(device)) SetTimestamp(device, moving.RequestTimestamp, timestamps);
        Metrics.DevicesAdopted++;
        receipts.Add(new MigrationReceipt
        {
            Device = device, Ballot = step.Ballot, Adopt = true, Applied = true, FromZone = owner.Zone, ToZone = zone.Zone, Slot = step.Slot,
            HistoryDigest = step.HistoryDigest, HistoryCount = step.HistoryCount,
        });
        var result = JsonSerializer.Serialize(new { migrated = true, from = owner.Zone, to = zone.Zone, history_count = owner.HistoryCount });
        // The log row answers the device's migration request: its timestamp and digest are the request's.
        var adopted = row(device, moving.RequestTimestamp, moving.RequestDigest, result, "");
        _unpersistedEntries[(device, moving.RequestTimestamp)] = adopted;
        return adopted;

        DecidedEntry Refuse(string reason)
        {
            Metrics.MigrationEntriesRefused++;
            receipts.Add(new MigrationReceipt { Device = device, Ballot = step.Ballot, Adopt = true, Applied = false, Reason = reason, FromZone = step.Zone, ToZone = zone.Zone, Slot = step.Slot });
            return row(device, 0, txDigest, "", $"ADOPT refused: {reason}");
        }
    }
}
