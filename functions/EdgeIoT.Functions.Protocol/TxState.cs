using EdgeIoT.Applications;

namespace EdgeIoT.Functions.Protocol;

/// <summary>
/// One transaction's view of storage during batch execution: its own writes, then earlier
/// transactions' writes in this batch (the overlay), then the snapshot fetched from the verifier.
/// Records the first read of every key with the version it saw, which is what the verifier checks.
/// A key missing from the snapshot is noted and read as absent; the executor then fetches it and runs
/// the batch again, discarding this speculative run.
/// </summary>
internal sealed class TxState(
    IReadOnlyDictionary<string, StoredRead> snapshot,
    Dictionary<string, StoredRead> overlay,
    HashSet<string> missing) : ITxState
{
    public const int MaxKeysPerTransaction = 256;

    private readonly Dictionary<string, int> _writeIndex = new(StringComparer.Ordinal);
    private readonly HashSet<string> _readKeys = new(StringComparer.Ordinal);

    public List<(string Key, StoredRead Seen)> Reads { get; } = [];
    public List<(string Key, string Value)> Writes { get; } = [];
    public bool ExceededLimits { get; private set; }

    public string? Read(string key)
    {
        if (_writeIndex.TryGetValue(key, out var index)) return Writes[index].Value;
        StoredRead seen;
        if (overlay.TryGetValue(key, out var fromBatch)) seen = fromBatch;
        else if (snapshot.TryGetValue(key, out var stored)) seen = stored;
        else
        {
            missing.Add(key);
            seen = StoredRead.Absent;
        }
        if (_readKeys.Add(key))
        {
            if (_readKeys.Count > MaxKeysPerTransaction) ExceededLimits = true;
            Reads.Add((key, seen));
        }
        return seen.Found ? seen.Value : null;
    }

    public void Write(string key, string value)
    {
        if (_writeIndex.TryGetValue(key, out var index))
        {
            Writes[index] = (key, value);
            return;
        }
        if (_writeIndex.Count >= MaxKeysPerTransaction)
        {
            ExceededLimits = true;
            return;
        }
        _writeIndex[key] = Writes.Count;
        Writes.Add((key, value));
    }
}
