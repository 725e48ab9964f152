using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Execution;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Verifier.Protocol;
using EdgeIoT.Wire;

namespace EdgeIoT.Verifier.Storage;

/// <summary>
/// The audit's replay of device ownership (docs/zones.md): walking the log in decision order, every
/// committed transaction must come from the zone that owned its device at that point and not while
/// it was locked; each applied ADOPT must carry exactly the history the replay reached at the LOCK; and
/// the devices and migrations tables must equal the replay's end state.
/// </summary>
internal sealed class OwnershipReplay(NetworkRegistry registry)
{
    private sealed class Owner(string zone)
    {
        public string Zone = zone;
        public Bytes32 History;
        public ulong Count;
        public (string To, Bytes32 History, ulong Count)? Lock;
    }

    private readonly Dictionary<string, Owner> _owners = new(StringComparer.Ordinal);
    private readonly List<(string Device, string From, string To, ulong Count)> _migrations = [];

    private Owner? Find(string device)
    {
        if (_owners.TryGetValue(device, out var owner)) return owner;
        if (!registry.TryGetDevice(device, out var info)) return null;
        return _owners[device] = new Owner(info.Zone);
    }

    public void Committed(DecidedEntry entry, Action<string> violation)
    {
        if (Find(entry.Device) is not { } owner)
        {
            violation($"{Where(entry)}: committed a transaction of unregistered device {entry.Device}");
            return;
        }
        if (owner.Zone != entry.Zone)
            violation($"{Where(entry)}: zone {entry.Zone} committed a transaction of device {entry.Device}, which zone {owner.Zone} served at that point");
        else if (owner.Lock is { } moving)
            violation($"{Where(entry)}: zone {entry.Zone} committed a transaction of device {entry.Device} after locking it for zone {moving.To}");
        owner.History = HistoryChain.Next(owner.History, entry.TxDigest);
        owner.Count++;
    }

    public void System(DecidedEntry entry, Action<string> violation)
    {
        if (entry.Result.Length == 0) return; // refused: changed nothing
        if (!SystemEntries.TryDecode(entry.Tx, out var system, out var problem))
        {
            violation($"{Where(entry)}: an applied system entry does not decode: {problem}");
            return;
        }
        if (system.KindCase == SystemEntry.KindOneofCase.Lock)
        {
            if (!StepCertificates.TryVerify(system.Lock, registry, out var step, out problem) || step.Order is null)
            {
                violation($"{Where(entry)}: an applied LOCK has no valid certified COMMIT: {problem}");
                return;
            }
            if (Find(step.Order.Device) is not { } owner) return;
            if (owner.Lock is not null) return; // a repeated LOCK for the same ballot
            if (owner.Zone != entry.Zone) violation($"{Where(entry)}: zone {entry.Zone} locked device {step.Order.Device}, which zone {owner.Zone} served");
            owner.Lock = (step.Order.ToZone, owner.History, owner.Count);
            return;
        }
        if (!StepCertificates.TryVerify(system.Adopt, registry, out var history, out problem))
        {
            violation($"{Where(entry)}: an applied ADOPT has no valid certified HISTORY: {problem}");
            return;
        }
        if (Find(history.Device) is not { } adopted) return;
        if (adopted.Lock is not { } locked || locked.To != entry.Zone)
        {
            violation($"{Where(entry)}: zone {entry.Zone} adopted device {history.Device}, which was not locked for it");
            return;
        }
        if (!Bytes32.TryCreate(history.HistoryDigest.Span, out var digest) || digest != locked.History || history.HistoryCount != locked.Count || adopted.History != locked.History)
            violation($"{Where(entry)}: device {history.Device} adopted with a history of {history.HistoryCount} transactions; the source held {locked.Count} at the lock point and {adopted.Count} at adoption");
        _migrations.Add((history.Device, adopted.Zone, entry.Zone, locked.Count));
        adopted.Zone = entry.Zone;
        adopted.Lock = null;
    }

    public void CompareWith(Dictionary<string, DeviceOwnership> stored, IEnumerable<(string Device, string From, string To, ulong HistoryCount, ulong AdoptSeq, ulong Slot)> migrations, Action<string> violation)
    {
        foreach (var (device, owner) in _owners)
        {
            if (!stored.TryGetValue(device, out var row))
            {
                if (owner.Count > 0 || owner.Lock is not null || registry.TryGetDevice(device, out var info) && info.Zone != owner.Zone)
                    violation($"device {device}: the replay has it in zone {owner.Zone} with {owner.Count} transactions, but the devices table has no ownership row");
                continue;
            }
            if (row.Zone != owner.Zone || row.History != owner.History || row.HistoryCount != owner.Count || (row.Lock is null) != (owner.Lock is null))
                violation($"device {device}: the devices table says zone {row.Zone}, {row.HistoryCount} transactions{(row.Lock is null ? "" : ", locked")}; replaying the log gives zone {owner.Zone}, {owner.Count}{(owner.Lock is null ? "" : ", locked")}");
        }
        foreach (var device in stored.Keys.Where(d => !_owners.ContainsKey(d)))
            violation($"device {device} has an ownership row but no decided transaction or migration");
        var recorded = migrations.Select(m => (m.Device, m.From, m.To, m.HistoryCount)).OrderBy(m => m).ToList();
        var replayed = _migrations.OrderBy(m => m).ToList();
        if (!recorded.SequenceEqual(replayed))
            violation($"the migrations table lists {recorded.Count} migrations; the log's applied ADOPT entries give {replayed.Count} (or they differ)");
    }

    private static string Where(DecidedEntry entry) => $"{entry.Zone}/{entry.Seq}/{entry.Position}";
}
