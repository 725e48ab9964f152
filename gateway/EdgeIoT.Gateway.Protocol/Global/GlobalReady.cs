using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol.Global;

public enum GlobalTarget : byte
{
    /// <summary>One gateway of this zone (<see cref="GlobalOutbound.Member"/>).</summary>
    Member,
    /// <summary>Every other gateway of this zone.</summary>
    ZoneMembers,
    /// <summary>Every gateway of the zone <see cref="GlobalOutbound.Zone"/> (another zone).</summary>
    Zone,
    /// <summary>One gateway (<see cref="GlobalOutbound.Member"/>) of the zone <see cref="GlobalOutbound.Zone"/> (another zone).</summary>
    RemoteGateway,
    /// <summary>Every gateway of every other zone.</summary>
    AllOtherZones,
}

/// <summary>A message to send. Intra-zone targets go over the zone's peer links; the others over the links to other zones' gateways.</summary>
public readonly record struct GlobalOutbound(GlobalTarget Target, int Member, string? Zone, GlobalMessage Message)
{
    public override string ToString() => $"{Target}{(Zone is null ? "" : $" {Zone}")}{(Target is GlobalTarget.Member or GlobalTarget.RemoteGateway ? $" #{Member}" : "")}: {Message.KindCase}";
}

/// <summary>A global transaction executed on the global metadata, in global order (slot by slot), with the metadata digest right after it (the audit's "identical on every correct gateway").</summary>
public sealed record ExecutedGlobal(ulong Slot, Ballot Ballot, MigrationOrder Order, bool Allowed, string Outcome, EdgeIoT.Core.Crypto.Bytes32 MetadataDigest);

/// <summary>Source zone: order a LOCK system entry carrying <see cref="Commit"/> (the zone primary acts; every gateway is told so a new primary can).</summary>
public sealed record LockRequest(string Device, ulong Slot, CertifiedStep Commit);

/// <summary>Destination zone: order an ADOPT system entry carrying the certified <see cref="History"/>.</summary>
public sealed record AdoptRequest(string Device, ulong Slot, CertifiedStep History);

/// <summary>A migration the global order refused: the initiator zone's gateways publish it to the device's error topic (the device accepts f+1 matching ones, matched by timestamp and the request's digest).</summary>
public sealed record DeviceRefusal(string Device, ulong Timestamp, EdgeIoT.Core.Crypto.Bytes32 RequestDigest, string Reason, string Detail);

/// <summary>What must survive a restart before the messages of the same ready are sent.</summary>
public abstract record GlobalPersist
{
    /// <summary>This gateway endorsed <see cref="ContentDigest"/> for (kind, slot, ballot): it must never endorse another content for that key. Promises and accepts follow from PROMISE/ACCEPTED records.</summary>
    public sealed record Endorsed(GlobalStepKind Kind, ulong Slot, Ballot Ballot, byte[] ContentDigest, GlobalStep Body, CertifiedStep? Evidence) : GlobalPersist;
    /// <summary>Slot executed with this certified COMMIT: replaying the COMMITs in slot order rebuilds the metadata.</summary>
    public sealed record Executed(ulong Slot, CertifiedStep Commit) : GlobalPersist;
    /// <summary>The latest certified checkpoint of <c>Held.Zone</c> this gateway holds (one per zone; a later one replaces it).</summary>
    public sealed record Checkpoint(HeldCheckpoint Held) : GlobalPersist;
}

/// <summary>Everything one input produced (etcd raft's Ready). Persist <see cref="Persist"/> before sending <see cref="Messages"/>.</summary>
public sealed class GlobalReady
{
    public List<GlobalOutbound> Messages { get; } = [];
    public List<ExecutedGlobal> Executed { get; } = [];
    public List<LockRequest> LockRequests { get; } = [];
    public List<AdoptRequest> AdoptRequests { get; } = [];
    public List<DeviceRefusal> DeviceRefusals { get; } = [];
    /// <summary>Reasons to suspect this zone's primary: the host feeds them into the PBFT view change (as the replica's own timers do).</summary>
    public List<string> Suspicions { get; } = [];
    /// <summary>Input refused, with the reason (bounded; <see cref="GlobalMetrics.Rejected"/> counts them all).</summary>
    public List<string> Rejected { get; } = [];
    public List<GlobalPersist> Persist { get; } = [];
    /// <summary>Certified checkpoints this gateway holds from now on (each the latest of its zone): the host journals them for the audit.</summary>
    public List<HeldCheckpoint> Checkpoints { get; } = [];

    public bool IsEmpty => Messages.Count == 0 && Executed.Count == 0 && LockRequests.Count == 0 && AdoptRequests.Count == 0
        && DeviceRefusals.Count == 0 && Suspicions.Count == 0 && Rejected.Count == 0 && Persist.Count == 0 && Checkpoints.Count == 0;
}

/// <summary>Counters for operators and tests.</summary>
public sealed class GlobalMetrics
{
    public long Rejected, Endorsed, EndorseRefused, Certified, StepsVerified, VerifiedCacheHits, Executed, Allowed, Refused;
    public long Proposals, Retries, Collisions, Recovered, QueriesSent, QueriesAnswered, Suspicions, ConflictingCommits, RequestsQueued, RequestsRelayed;
    public long LockRequests, AdoptRequests, HistoriesCertified;
    /// <summary>Slots this gateway started as primary while another of its slots was in flight, and the most it drove at once (decision Z6).</summary>
    public long PipelinedSlots, SlotsInFlightPeak;
    /// <summary>Lazy checkpoints: attached as primary; confirmed, refused as different (a lying primary), awaited as member; dropped from a slow round; newly held; conflicting certificates.</summary>
    public long CheckpointsAttached, CheckpointsConfirmed, CheckpointMismatches, CheckpointsAwaited, CheckpointsDropped, CheckpointsKept, CheckpointConflicts;
}
