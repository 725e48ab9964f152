using EdgeIoT.Core.Crypto;
using EdgeIoT.Gateway.Protocol.Global;
using EdgeIoT.Simulation.Checkers;
using EdgeIoT.Wire;

namespace EdgeIoT.Simulation.Global;

/// <summary>A checker of a multi-zone run: it vouches for correct gateways only, and throws the moment an invariant breaks.</summary>
public abstract class GlobalCheck(GlobalWorld world)
{
    protected GlobalWorld World { get; } = world;
    public abstract string Name { get; }
    /// <summary>A correct gateway executed a global transaction.</summary>
    public virtual void OnExecuted(GlobalGatewayNode gateway, ExecutedGlobal executed) { }
    /// <summary>The verifier model moved a device's ownership on an ADOPT.</summary>
    public virtual void OnOwnershipMoved(string device, int from, int to, MigrationOrder order) { }
    public virtual void AfterStep() { }
    public virtual void OnLivenessPhaseStart() { }
    public virtual void AtEnd() { }
    protected InvariantViolation Violation(string message) => new(Name, message);
}

/// <summary>
/// Prefix agreement: every correct gateway executes slots 1, 2, 3, … in order, each the same order with
/// the same outcome as every other correct gateway, and its metadata digest after slot k equals every
/// other's after slot k. A coordinator that saw two different COMMITs of one slot is a violation too.
/// </summary>
public sealed class GlobalAgreementCheck(GlobalWorld world) : GlobalCheck(world)
{
    public sealed record Entry(ulong Slot, string Device, ulong Timestamp, string From, string To, string Outcome, Bytes32 Digest, string FirstBy);

    private readonly List<Entry> _log = [];
    private readonly Dictionary<GlobalGatewayNode, int> _executed = [];

    public override string Name => "global-agreement";
    public IReadOnlyList<Entry> Log => _log;
    public int ExecutedBy(GlobalGatewayNode gateway) => _executed.GetValueOrDefault(gateway);

    public override void OnExecuted(GlobalGatewayNode gateway, ExecutedGlobal e)
    {
        var k = _executed[gateway] = _executed.GetValueOrDefault(gateway) + 1;
        if (e.Slot != (ulong)k) throw Violation($"{gateway.Name} executed slot {e.Slot} as its global transaction #{k}: slots must execute in order without gaps");
        var digest = e.MetadataDigest;
        var entry = new Entry(e.Slot, e.Order.Device, e.Order.Timestamp, e.Order.FromZone, e.Order.ToZone, e.Outcome, digest, gateway.Name);
        if (_log.Count < k)
        {
            _log.Add(entry);
            return;
        }
        var first = _log[k - 1];
        if (first with { Digest = default, FirstBy = "" } != entry with { Digest = default, FirstBy = "" })
            throw Violation($"slot {k}: {first.FirstBy} executed {Describe(first)} but {gateway.Name} executed {Describe(entry)}");
        if (first.Digest != digest)
            throw Violation($"slot {k}: metadata digest {digest.ToHex()[..12]} at {gateway.Name} differs from {first.Digest.ToHex()[..12]} at {first.FirstBy}");
    }

    private static string Describe(Entry e) => $"{e.Device}@{e.Timestamp} {e.From}->{e.To} ({e.Outcome})";

    public override void AfterStep()
    {
        if (World.Clock.NowMs % 25 != 0) return;
        foreach (var gateway in World.CorrectGateways)
            if (gateway.Coordinator.Metrics.ConflictingCommits > 0)
                throw Violation($"{gateway.Name} received two different certified COMMITs for one slot: {string.Join(" | ", gateway.LastRejections.Where(r => r.StartsWith("CONFLICT", StringComparison.Ordinal)))}");
    }
}

/// <summary>
/// Placement: on every correct gateway every registered device is in exactly one zone of the network and
/// the per-zone counts add up; the verifier model moves a device only as an executed, allowed migration
/// said; at the end, every device the verifier holds unlocked is owned by the zone the metadata names.
/// </summary>
public sealed class GlobalPlacementCheck(GlobalWorld world) : GlobalCheck(world)
{
    public override string Name => "global-placement";

    public override void AfterStep()
    {
        if (World.Clock.NowMs % 100 != 0) return;
        foreach (var gateway in World.CorrectGateways) CheckPlacement(gateway);
    }

    private void CheckPlacement(GlobalGatewayNode gateway)
    {
        var metadata = gateway.Coordinator.Metadata;
        var zones = World.Registry.Zones.Select(z => z.Id).ToHashSet();
        if (metadata.Placement.Count != World.Registry.Devices.Count) throw Violation($"{gateway.Name} places {metadata.Placement.Count} devices, {World.Registry.Devices.Count} are registered");
        foreach (var (device, zone) in metadata.Placement)
            if (!zones.Contains(zone)) throw Violation($"{gateway.Name} places {device} in unknown zone \"{zone}\"");
        var total = zones.Sum(metadata.DevicesIn);
        if (total != World.Registry.Devices.Count) throw Violation($"{gateway.Name}: the zones host {total} devices in all, {World.Registry.Devices.Count} are registered");
        foreach (var zone in zones)
        {
            var counted = metadata.Placement.Count(p => p.Value == zone);
            if (counted != metadata.DevicesIn(zone)) throw Violation($"{gateway.Name}: zone {zone} counts {metadata.DevicesIn(zone)} devices but places {counted}");
        }
    }

    /// <summary>The device's last allowed migration needs a zone that is down for good: its data cannot move.</summary>
    private bool StrandedByDeadZone(GlobalAgreementCheck agreement, string device)
    {
        var last = agreement.Log.LastOrDefault(e => e.Device == device && e.Outcome == "allowed");
        return last is not null && (World.DeadZones.Contains(World.ZoneIndex(last.From)) || World.DeadZones.Contains(World.ZoneIndex(last.To)));
    }

    public override void OnOwnershipMoved(string device, int from, int to, MigrationOrder order)
    {
        var log = World.Checks.OfType<GlobalAgreementCheck>().Single().Log;
        if (!log.Any(e => e.Device == device && e.Timestamp == order.Timestamp && e.Outcome == "allowed" && e.To == World.ZoneId(to) && e.From == World.ZoneId(from)))
            throw Violation($"the verifier adopted {device} into {World.ZoneId(to)} from {World.ZoneId(from)} without an executed, allowed migration saying so");
    }

    public override void AtEnd()
    {
        var agreement = World.Checks.OfType<GlobalAgreementCheck>().Single();
        foreach (var gateway in World.CorrectGateways.Where(g => World.IsZoneUp(g.Zone)))
        {
            CheckPlacement(gateway);
            if (agreement.ExecutedBy(gateway) != agreement.Log.Count) continue;
            foreach (var (device, owner) in World.DataPlane.Owner)
                if (!World.DataPlane.IsLocked(device) && !StrandedByDeadZone(agreement, device) && gateway.Coordinator.Metadata.ZoneOf(device) != World.ZoneId(owner))
                    throw Violation($"{device} is owned by {World.ZoneId(owner)} at the verifier but {gateway.Name}'s metadata places it in {gateway.Coordinator.Metadata.ZoneOf(device)}");
        }
    }
}

/// <summary>
/// Liveness: once the network heals and a majority of zones is up, every correct device's migration
/// request gets an outcome (moved, or refused by f+1 gateways) within the bound, and every correct
/// gateway of an up zone executes every global transaction.
/// </summary>
public sealed class GlobalLivenessCheck(GlobalWorld world) : GlobalCheck(world)
{
    public override string Name => "global-liveness";
    public long Answered { get; private set; }
    public long MaxLatencyMs { get; private set; }

    public override void OnLivenessPhaseStart()
    {
        foreach (var device in World.Devices)
            device.Answered += (_, latency) =>
            {
                if (World.Phase is SimPhase.Liveness or SimPhase.Drain)
                {
                    Answered++;
                    MaxLatencyMs = Math.Max(MaxLatencyMs, latency);
                }
            };
    }

    public override void AtEnd()
    {
        foreach (var device in World.Devices)
            if (!device.IsIdle && device.LivenessApplies)
                throw Violation($"{device.PendingDescription} submitted at {device.PendingSinceMs} ms has no outcome {World.Clock.NowMs - World.HealedAtMs} ms after the heal");
        var log = World.Checks.OfType<GlobalAgreementCheck>().Single();
        foreach (var gateway in World.CorrectGateways.Where(g => World.IsZoneUp(g.Zone)))
            if (log.ExecutedBy(gateway) != log.Log.Count)
                throw Violation($"{gateway.Name} executed {log.ExecutedBy(gateway)} of {log.Log.Count} global transactions by the end");
        if (!World.DataPlane.Settled()) throw Violation("a device locked for a migration between live zones was never adopted");
    }
}
