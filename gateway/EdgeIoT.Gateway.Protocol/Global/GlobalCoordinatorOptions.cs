using EdgeIoT.Core.Config;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>What a <see cref="GlobalCoordinator"/> needs: the registry (zones, gateway keys, devices with home zones, <c>global</c> settings), its zone and index, and its bounds.</summary>
public sealed class GlobalCoordinatorOptions
{
    public required NetworkRegistry Registry { get; init; }
    public required string Zone { get; init; }
    public required int SelfIndex { get; init; }
    /// <summary>The tick length (ProtocolSettings.TickMs); null: the registry's protocol settings.</summary>
    public ProtocolSettings? Tick { get; init; }

    /// <summary>Slots above the last executed one this gateway keeps state and accepts steps for.</summary>
    public int SlotWindowMax { get; init; } = 64;
    /// <summary>Executed slots whose certified COMMIT is kept to answer RESPONSE-QUERY and stale PROPOSE/ACCEPT.</summary>
    public int RememberedSlotsMax { get; init; } = 1024;
    /// <summary>Step bodies (with their endorsement votes) tracked at once in the zone's endorsement rounds.</summary>
    public int TrackedBodiesMax { get; init; } = 512;
    /// <summary>Certificates whose signatures were checked, remembered so a repeated step costs no signature checks.</summary>
    public int VerifiedCacheMax { get; init; } = 4096;
    /// <summary>How far above the highest ballot number seen for a slot an initiator may jump (Algorithm 1: "within a predefined small range").</summary>
    public ulong BallotJumpMax { get; init; } = 64;
    /// <summary>Migration history entries kept for reading; the metadata digest covers all of them through a running chain.</summary>
    public int HistoryEntriesMax { get; init; } = 1024;
    /// <summary>This zone's decided (k → D_k) kept from the verifier's notices, to check the checkpoints a primary asks to endorse (docs/zones.md decision Z4).</summary>
    public int ZoneDigestsMax { get; init; } = 256;
    /// <summary>Rejection reasons reported per <see cref="GlobalCoordinator.TakeReady"/> (the rest are only counted).</summary>
    public int RejectionsReportedMax { get; init; } = 64;

    /// <summary>How endorsements are checked: Ed25519 (null), or a memoizing check a simulator shares among its coordinators.</summary>
    public EdgeIoT.Core.Quorum.EndorsementCheck? EndorsementCheck { get; init; }

    /// <summary>
    /// Testing only (the simulator's <c>--unsafe global-quorum</c>): zones that count as a quorum instead
    /// of a majority. 0 = a majority. No configuration file can set it.
    /// </summary>
    public int UnsafeZoneQuorum { get; init; }
    /// <summary>Testing only (<c>--unsafe accept-below-promise</c>): endorse an ACCEPTED for a ballot below this gateway's promise, breaking Paxos's acceptor rule.</summary>
    public bool UnsafeAcceptBelowPromise { get; init; }
    /// <summary>Testing only (byzantine simulator gateways): endorse any valid body, even a second one for a (kind, slot, ballot).</summary>
    public bool UnsafeEndorseTwice { get; init; }
    /// <summary>Testing only (byzantine simulator gateways): as primary, attach a checkpoint whose digest is not the verifier's.</summary>
    public bool UnsafeCheckpointLie { get; init; }
    /// <summary>Testing only (<c>--unsafe checkpoint-unchecked</c>, byzantine simulator gateways): endorse a checkpoint without comparing it with the verifier's notices.</summary>
    public bool UnsafeSkipCheckpointCheck { get; init; }
}
