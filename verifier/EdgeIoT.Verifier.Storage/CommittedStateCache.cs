using System.Collections.Concurrent;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Storage;

/// <summary>
/// Committed state in memory, loaded from the database at start and updated after each commit. The
/// verifier is the only writer, so the cache is exact. The read endpoint serves executors from it
/// concurrently with the verifier loop; the loop is its only writer.
/// </summary>
public sealed class CommittedStateCache : ICommittedState
{
    private readonly VerifierDatabase _database;
    private readonly ConcurrentDictionary<string, StoredValue> _rows;
    // Read by the HTTP read endpoint while the verifier loop applies decisions.
    private readonly ConcurrentDictionary<string, ulong> _timestamps;
    private readonly Dictionary<string, DeviceOwnership> _owners;
    private readonly Dictionary<string, Core.Crypto.Bytes32> _zoneDigests = new(StringComparer.Ordinal);

    public CommittedStateCache(VerifierDatabase database)
    {
        _database = database;
        _rows = new ConcurrentDictionary<string, StoredValue>(database.ReadAllKv().Select(r => KeyValuePair.Create(r.Key, r.Value)), StringComparer.Ordinal);
        _timestamps = new ConcurrentDictionary<string, ulong>(database.ReadDeviceTimestamps(), StringComparer.Ordinal);
        _owners = database.ReadOwnership();
    }

    public int RowCount => _rows.Count;

    public StoredValue Get(string key) => _rows.TryGetValue(key, out var value) ? value : StoredValue.Absent;

    public ulong LastTimestamp(string device) => _timestamps.TryGetValue(device, out var ts) ? ts : 0;

    public bool TryFindDecided(string device, ulong timestamp, out DecidedEntry entry) => _database.TryFindDecided(device, timestamp, out entry);

    public ulong NextSeq(string zone) => _database.NextSeq(zone);

    public DeviceOwnership? Ownership(string device) => _owners.GetValueOrDefault(device);

    public Core.Crypto.Bytes32 ZoneDigest(string zone) => _zoneDigests.TryGetValue(zone, out var digest) ? digest : _database.ZoneDigest(zone);

    /// <summary>Applies batches the database has just persisted.</summary>
    public void Apply(IReadOnlyList<DecidedBatch> batches)
    {
        foreach (var batch in batches)
        {
            foreach (var write in batch.Writes) _rows[write.Key] = new StoredValue(write.Value is not null, write.Value, write.Version);
            foreach (var (device, ts) in batch.DeviceTimestamps) _timestamps[device] = ts;
            foreach (var (device, owner) in batch.Ownership) _owners[device] = owner;
            _zoneDigests[batch.Zone] = batch.ZoneDigest;
        }
    }
}
