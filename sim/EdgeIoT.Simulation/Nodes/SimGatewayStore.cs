using EdgeIoT.Gateway.Protocol;
using EdgeIoT.Wire;
using Google.Protobuf;

namespace EdgeIoT.Simulation.Nodes;

/// <summary>
/// A gateway's board-local store in memory, kept across a simulated crash as <c>GatewayStore</c>'s
/// SQLite file is: the view record and one record per sequence number, written from
/// <see cref="ReplicaReady"/> before anything is sent. Records are kept as serialized bytes so a
/// restored replica shares no object with the one that crashed, exactly as after reading SQLite.
/// </summary>
public sealed class SimGatewayStore
{
    private byte[]? _view;
    private readonly SortedDictionary<ulong, byte[]> _entries = new();

    public int EntryCount => _entries.Count;
    public long Writes { get; private set; }

    /// <summary>GatewayStore.Write: prune, then upsert entries above the prune point, then the view; one transaction.</summary>
    public void Write(ReplicaReady ready)
    {
        if (!ready.NeedsPersistence) return;
        Writes++;
        if (ready.PruneThrough is { } prune)
            while (_entries.Count > 0 && _entries.Keys.First() <= prune) _entries.Remove(_entries.Keys.First());
        foreach (var (seq, entry) in ready.PersistEntries)
        {
            if (ready.PruneThrough is { } p && seq <= p) continue;
            _entries[seq] = entry.ToByteArray();
        }
        if (ready.PersistView is { } view) _view = view.ToByteArray();
    }

    /// <summary>GatewayStore.Load: the view (null before the first write) and every entry in sequence order.</summary>
    public (PersistedView? View, List<PersistedEntry> Entries) Load() =>
        (_view is null ? null : PersistedView.Parser.ParseFrom(_view), _entries.Values.Select(PersistedEntry.Parser.ParseFrom).ToList());
}
