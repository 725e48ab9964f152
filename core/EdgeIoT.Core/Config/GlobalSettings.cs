namespace EdgeIoT.Core.Config;

/// <summary>How the initiator of a global transaction is chosen (ziziphus §3.2.1, §3.2.2). In network.json: "stable-leader" or "leader-election".</summary>
public enum GlobalLeaderMode
{
    /// <summary>One zone initiates every global transaction: no PROPOSE/PROMISE (§3.2.2, multi-Paxos).</summary>
    StableLeader,
    /// <summary>The destination zone initiates; PROPOSE/PROMISE elect it per request, randomized back-off on collisions.</summary>
    LeaderElection,
}

/// <summary>
/// Ziziphus parameters (network.json "global"): who leads global transactions, network-wide policies
/// (ziziphus §2.2) and the global timers. Every gateway of every zone enforces the same policies, so a
/// request that breaks one is refused identically everywhere.
/// </summary>
public sealed class GlobalSettings
{
    /// <summary>The most slots in flight a network file may ask for: well inside the slot window every gateway keeps state for (64).</summary>
    public const int SlotsInFlightLimit = 32;

    public GlobalLeaderMode Leader { get; set; } = GlobalLeaderMode.StableLeader;
    /// <summary>The stable initiator zone (stable-leader mode); empty means the first zone of the registry.</summary>
    public string StableZone { get; set; } = "";
    /// <summary>Policy: a zone hosts at most this many devices.</summary>
    public int ClientsPerZoneMax { get; set; } = 10_000;
    /// <summary>Policy: a device migrates at most this many times per period.</summary>
    public int MigrationsPerPeriodMax { get; set; } = 10;
    /// <summary>The policy period, in milliseconds of the global clock (the device request's timestamp).</summary>
    public long MigrationPeriodMs { get; set; } = 3_600_000;
    /// <summary>A global step not answered within this long is queried again (§3.3 RESPONSE-QUERY).</summary>
    public int StepTimeoutMs { get; set; } = 2000;
    /// <summary>Upper bound of the randomized back-off after a ballot collision (leader election).</summary>
    public int CollisionBackoffMaxMs { get; set; } = 500;
    /// <summary>
    /// Slots the stable leader's zone drives at once (multi-Paxos pipelining, docs/zones.md decision Z6):
    /// each slot still orders one migration and slots still execute in order, but the round trips of
    /// several overlap. 1 runs one slot at a time. Leader election, and a slot that must be recovered with
    /// PROPOSE, always run one slot at a time (their PROPOSE must be for the next slot to execute).
    /// </summary>
    public int SlotsInFlightMax { get; set; } = 8;
    /// <summary>Migration requests an initiator queues before refusing with "overloaded".</summary>
    public int PendingMax { get; set; } = 10_000;
    /// <summary>
    /// The older spelling of the registry's <c>regionDelaysMs</c>: one-way delays between zones keyed
    /// "z1-z2". A zone is its gateways' default region, so these keys still mean the same; read and
    /// validated with the region delays (<see cref="RegionDelays"/>), no longer written.
    /// </summary>
    public Dictionary<string, int>? ZoneDelaysMs { get; set; }

    public IEnumerable<string> Validate(IReadOnlyList<ZoneInfo> zones)
    {
        if (Leader == GlobalLeaderMode.StableLeader && StableZone.Length > 0 && zones.All(z => z.Id != StableZone))
            yield return $"global.stableZone \"{StableZone}\" is not a zone of the network";
        if (ClientsPerZoneMax < 1) yield return $"global.clientsPerZoneMax {ClientsPerZoneMax} must be at least 1";
        if (MigrationsPerPeriodMax < 1) yield return $"global.migrationsPerPeriodMax {MigrationsPerPeriodMax} must be at least 1";
        if (MigrationPeriodMs < 1) yield return $"global.migrationPeriodMs {MigrationPeriodMs} must be positive";
        if (StepTimeoutMs is < 10 or > 600_000) yield return $"global.stepTimeoutMs {StepTimeoutMs} must be within 10..600000";
        if (CollisionBackoffMaxMs is < 1 or > 60_000) yield return $"global.collisionBackoffMaxMs {CollisionBackoffMaxMs} must be within 1..60000";
        if (SlotsInFlightMax is < 1 or > SlotsInFlightLimit) yield return $"global.slotsInFlightMax {SlotsInFlightMax} must be within 1..{SlotsInFlightLimit}";
        if (PendingMax is < 1 or > 1_000_000) yield return $"global.pendingMax {PendingMax} must be within 1..1000000";
    }

    /// <summary>The stable initiator zone's id.</summary>
    public string StableZoneOr(IReadOnlyList<ZoneInfo> zones) => StableZone.Length > 0 ? StableZone : zones[0].Id;
}
