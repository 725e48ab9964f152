using EdgeIoT.Applications;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// The verifier's storage in memory: what <c>VerifierDatabase.Persist</c> writes in one SQL
/// transaction and <c>CommittedStateCache</c> serves. It survives a simulated verifier crash, as the
/// database does. Looking up a decided transaction finds the first committed or aborted entry in
/// (zone, k, position) order, as the SQL query does.
/// </summary>
public sealed class MemoryCommittedState : ICommittedState
{
    private readonly Dictionary<string, StoredValue> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _timestamps = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Device, ulong Timestamp), DecidedEntry> _decided = new();
    private readonly Dictionary<string, ulong> _nextSeq = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceOwnership> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Core.Crypto.Bytes32> _zoneDigests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DecidedBatch> _latest = new(StringComparer.Ordinal);

    public MemoryCommittedState(ApplicationSet applications)
    {
        foreach (var (key, value) in applications.InitialState()) _rows[key] = new StoredValue(true, value, 0);
    }

    public IReadOnlyDictionary<string, StoredValue> Rows => _rows;
    public IReadOnlyDictionary<string, ulong> Timestamps => _timestamps;
    public long LogEntries { get; private set; }

    public StoredValue Get(string key) => _rows.TryGetValue(key, out var value) ? value : StoredValue.Absent;
    public ulong LastTimestamp(string device) => _timestamps.TryGetValue(device, out var ts) ? ts : 0;
    public bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry) => _decided.TryGetValue((device, timestamp), out entry!);
    public ulong NextSeq(string zone) => _nextSeq.TryGetValue(zone, out var next) ? next : 1;
    public DeviceOwnership? Ownership(string device) => _owners.GetValueOrDefault(device);
    public Core.Crypto.Bytes32 ZoneDigest(string zone) => _zoneDigests.GetValueOrDefault(zone);
    public IReadOnlyDictionary<string, DeviceOwnership> Owners => _owners;

    /// <summary>Writes, log entries, device timestamps and k_max of one decided batch, all at once.</summary>
    public void Persist(DecidedBatch batch)
    {
        foreach (var write in batch.Writes) _rows[write.Key] = new StoredValue(write.Value is not null, write.Value, write.Version);
        foreach (var entry in batch.Entries)
        {
            LogEntries++;
            // The SQL lookup returns the first non-rejected entry; a later one (which would break
            // exactly-once) stays in the log for the checkers to find, not here.
            if (entry.Status != TxStatus.Rejected && entry.Timestamp > 0) _decided.TryAdd((entry.Device, entry.Timestamp), entry);
        }
        foreach (var (device, ts) in batch.DeviceTimestamps) _timestamps[device] = ts;
        foreach (var (device, owner) in batch.Ownership) _owners[device] = owner;
        _nextSeq[batch.Zone] = batch.Seq + 1;
        _zoneDigests[batch.Zone] = batch.ZoneDigest;
        _latest[batch.Zone] = batch;
    }

    /// <summary>The zone's last persisted batch (<c>VerifierDatabase.ReadLatestDecided</c>): what a restarted verifier may announce again.</summary>
    public DecidedBatch? LatestDecided(string zone) => _latest.GetValueOrDefault(zone);
}
