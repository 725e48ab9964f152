using EdgeIoT.Core.Crypto;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Protocol;

/// <summary>
/// The committed state the verifier core checks against — the storage port. The host implements it
/// over SQL (with a cache), the simulator over dictionaries. Reads only: the core never writes; it
/// hands decided batches to the host, which persists them and then applies them here.
/// </summary>
public interface ICommittedState
{
    /// <summary>The key's current value and version; absent keys report Found=false (and the version of their deletion, or 0).</summary>
    StoredValue Get(string key);

    /// <summary>The largest timestamp of a device's decided transaction (0 when none).</summary>
    ulong LastTimestamp(string device);

    /// <summary>The decided transaction of <paramref name="device"/> with <paramref name="timestamp"/>, if any.</summary>
    bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry);

    /// <summary>k_max: the next sequence number to decide for the zone (1 for a new zone).</summary>
    ulong NextSeq(string zone);

    /// <summary>D_{k_max-1}: the zone's decided-history chain after its last decided batch (32 zero bytes for a new zone; <see cref="Core.Execution.ZoneHistoryChain"/>).</summary>
    Bytes32 ZoneDigest(string zone);

    /// <summary>The device's stored ownership (zone, history, migration lock); null when never stored,
    /// in which case the device belongs to its home zone from the registry with an empty history.</summary>
    DeviceOwnership? Ownership(string device);
}

/// <summary>
/// Which zone serves a device, its records digest (<see cref="Core.Execution.HistoryChain"/>) and, while
/// a migration is under way, the lock the source zone ordered (docs/zones.md).
/// </summary>
public sealed record DeviceOwnership(string Zone, Bytes32 History, ulong HistoryCount, MigrationLock? Lock);

/// <summary>A device locked in its zone for a migration to <see cref="ToZone"/> under a ballot.</summary>
public sealed record MigrationLock(ulong BallotN, string BallotZone, string ToZone, Bytes32 History, ulong HistoryCount,
    ulong RequestTimestamp, Bytes32 RequestDigest, ulong LockSeq, ulong Slot);

public readonly record struct StoredValue(bool Found, string? Value, ulong Version)
{
    public static readonly StoredValue Absent = new(false, null, 0);
}

/// <summary>One transaction's decision: what the device is told and what the log keeps.</summary>
public sealed record DecidedEntry(
    string Zone,
    ulong Seq,
    int Position,
    string Device,
    ulong Timestamp,
    Bytes32 TxDigest,
    TxStatus Status,
    string Result,
    string Reason,
    byte[] Tx);

public readonly record struct AppliedWrite(string Key, string? Value, ulong Version);

/// <summary>
/// A decided sequence number: its log entries, the writes of its committed transactions (already
/// given their versions) and the devices' new timestamps. The host persists it, with k_max = Seq+1,
/// in one SQL transaction.
/// </summary>
public sealed record DecidedBatch(
    string Zone,
    ulong Seq,
    Bytes32 BatchDigest,
    IReadOnlyList<DecidedEntry> Entries,
    IReadOnlyList<AppliedWrite> Writes,
    IReadOnlyDictionary<string, ulong> DeviceTimestamps,
    IReadOnlyList<DecidedEntry> Resends)
{
    /// <summary>Devices whose ownership changed in this batch (history grew, locked, adopted).</summary>
    public IReadOnlyDictionary<string, DeviceOwnership> Ownership { get; init; } = new Dictionary<string, DeviceOwnership>();
    /// <summary>What the verifier did with the batch's LOCK and ADOPT entries.</summary>
    public IReadOnlyList<MigrationReceipt> Migrations { get; init; } = [];
    /// <summary>D_Seq, the zone's decided-history chain through this batch (docs/zones.md decision Z4).</summary>
    public Bytes32 ZoneDigest { get; init; }
}
