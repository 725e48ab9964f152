using System.Buffers.Binary;
using System.Text;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Quorum;
using EdgeIoT.Wire;

namespace EdgeIoT.Gateway.Protocol.Global;

/// <summary>One executed global transaction in the migration history.</summary>
public sealed record MigrationHistoryEntry(ulong Slot, string Ballot, string Device, string FromZone, string ToZone, ulong Timestamp, string Outcome);

/// <summary>Read-only view of the global system metadata (docs/zones.md "Who holds what").</summary>
public interface IGlobalMetadata
{
    /// <summary>The zone the global order places the device in.</summary>
    string ZoneOf(string device);
    int DevicesIn(string zone);
    IReadOnlyDictionary<string, string> Placement { get; }
    /// <summary>Devices this zone does not serve right now: moved out (source, from execution on) or not adopted yet (destination, until ADOPT is decided). Local to this zone's gateways; not in the digest.</summary>
    IReadOnlyCollection<string> LockedDevices { get; }
    /// <summary>The latest executed entries (bounded); <see cref="HistoryCount"/> counts all.</summary>
    IReadOnlyList<MigrationHistoryEntry> History { get; }
    ulong HistoryCount { get; }
    ulong Allowed { get; }
    IReadOnlyDictionary<string, ulong> RefusedByReason { get; }
    /// <summary>SHA-256 over the placement, the counters and the history chain: equal on every correct gateway that executed the same slots.</summary>
    Bytes32 Digest();
}

/// <summary>
/// The global metadata and its deterministic execution rule. A migration is refused — and changes
/// nothing but the history — when it repeats or precedes the device's last executed timestamp, when
/// the device is not in <c>from_zone</c> any more (reason <c>migrating</c> when an earlier migration from
/// that zone already moved it), when it targets the device's own zone, when the destination would host
/// more than clientsPerZoneMax devices, or when the device migrated migrationsPerPeriodMax times within
/// migrationPeriodMs before the request's timestamp (device timestamps are microseconds).
/// </summary>
public sealed class GlobalMetadata : IGlobalMetadata
{
    private readonly GlobalSettings _settings;
    private readonly int _historyMax;
    private readonly SortedDictionary<string, string> _zoneOf = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _perZone = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ulong> _refused = new(StringComparer.Ordinal);
    private readonly Queue<MigrationHistoryEntry> _history = new();
    private readonly HashSet<string> _locked = new(StringComparer.Ordinal);
    private byte[] _chain = new byte[32];

    public GlobalMetadata(NetworkRegistry registry, int historyMax)
    {
        _settings = registry.Global;
        _historyMax = historyMax;
        foreach (var zone in registry.Zones) _perZone[zone.Id] = 0;
        foreach (var device in registry.Devices)
        {
            _zoneOf[device.Id] = device.Zone;
            _perZone[device.Zone]++;
        }
    }

    private sealed class DeviceState
    {
        public ulong LastTimestamp;
        public string? MovedOutOf;
        public readonly Queue<ulong> RecentMigrations = new();
    }

    public string ZoneOf(string device) => _zoneOf.TryGetValue(device, out var zone) ? zone : "";
    public int DevicesIn(string zone) => _perZone.GetValueOrDefault(zone);
    public IReadOnlyDictionary<string, string> Placement => _zoneOf;
    public IReadOnlyCollection<string> LockedDevices => _locked;
    public IReadOnlyList<MigrationHistoryEntry> History => _history.ToList();
    public ulong HistoryCount { get; private set; }
    public ulong Allowed { get; private set; }
    public IReadOnlyDictionary<string, ulong> RefusedByReason => _refused;

    internal void Lock(string device) => _locked.Add(device);
    internal void Unlock(string device) => _locked.Remove(device);
    internal bool IsLocked(string device) => _locked.Contains(device);

    /// <summary>The device's last executed request timestamp (0 when none).</summary>
    public ulong LastTimestamp(string device) => _devices.TryGetValue(device, out var d) ? d.LastTimestamp : 0;

    /// <summary>Executes one committed order. Returns (allowed, outcome): "allowed" or a refusal reason code with its detail after ": ".</summary>
    internal (bool Allowed, string Reason, string Detail) Execute(ulong slot, Ballot ballot, MigrationOrder order)
    {
        if (!_zoneOf.TryGetValue(order.Device, out var current))
            return Record(slot, ballot, order, false, "unknown-device", $"device {order.Device} is not registered");
        var state = _devices.TryGetValue(order.Device, out var s) ? s : _devices[order.Device] = new DeviceState();
        if (order.Timestamp == state.LastTimestamp)
            return (false, "duplicate", $"request {order.Device}@{order.Timestamp} was executed already");
        if (order.Timestamp < state.LastTimestamp)
            return Record(slot, ballot, order, false, "stale-timestamp", $"timestamp {order.Timestamp} is not above the device's last {state.LastTimestamp}", state);
        if (current != order.FromZone)
        {
            return state.MovedOutOf == order.FromZone
                ? Record(slot, ballot, order, false, "migrating", $"an earlier migration already moved {order.Device} from {order.FromZone} to {current}", state)
                : Record(slot, ballot, order, false, "not-in-zone", $"{order.Device} is in {current}, not {order.FromZone}", state);
        }
        if (order.ToZone == current)
            return Record(slot, ballot, order, false, "already-in-zone", $"{order.Device} is in {current} already", state);
        if (_perZone[order.ToZone] >= _settings.ClientsPerZoneMax)
            return Record(slot, ballot, order, false, "zone-full", $"{order.ToZone} hosts {_perZone[order.ToZone]} devices, clientsPerZoneMax is {_settings.ClientsPerZoneMax}", state);
        var periodUs = (ulong)_settings.MigrationPeriodMs * 1000;
        var since = order.Timestamp > periodUs ? order.Timestamp - periodUs : 0;
        while (state.RecentMigrations.Count > 0 && state.RecentMigrations.Peek() <= since) state.RecentMigrations.Dequeue();
        if (state.RecentMigrations.Count >= _settings.MigrationsPerPeriodMax)
            return Record(slot, ballot, order, false, "too-many-migrations", $"{order.Device} migrated {state.RecentMigrations.Count} times within migrationPeriodMs {_settings.MigrationPeriodMs}", state);

        _zoneOf[order.Device] = order.ToZone;
        _perZone[order.FromZone]--;
        _perZone[order.ToZone]++;
        state.MovedOutOf = order.FromZone;
        state.RecentMigrations.Enqueue(order.Timestamp);
        Allowed++;
        return Record(slot, ballot, order, true, "allowed", $"{order.Device} moves {order.FromZone} -> {order.ToZone}", state);
    }

    private (bool, string, string) Record(ulong slot, Ballot ballot, MigrationOrder order, bool allowed, string reason, string detail, DeviceState? state = null)
    {
        if (state is not null) state.LastTimestamp = Math.Max(state.LastTimestamp, order.Timestamp);
        if (!allowed) _refused[reason] = _refused.GetValueOrDefault(reason) + 1;
        var entry = new MigrationHistoryEntry(slot, Ballots.Format(ballot), order.Device, order.FromZone, order.ToZone, order.Timestamp, allowed ? "allowed" : $"refused: {reason}");
        _history.Enqueue(entry);
        while (_history.Count > _historyMax) _history.Dequeue();
        HistoryCount++;
        var line = Encoding.UTF8.GetBytes($"{entry.Slot}|{entry.Device}|{entry.FromZone}|{entry.ToZone}|{entry.Timestamp}|{entry.Outcome}");
        _chain = Sha256Digest.OfParts(_chain, line).ToArray();
        return (allowed, reason, detail);
    }

    public Bytes32 Digest()
    {
        var hash = new Sha256Hasher(stackalloc byte[Sha256Digest.StateBytes]);
        Span<byte> number = stackalloc byte[8];
        static void Text(Sha256Hasher hash, Span<byte> number, string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            BinaryPrimitives.WriteInt64BigEndian(number, bytes.Length);
            hash.Append(number);
            hash.Append(bytes);
        }
        static void Number(Sha256Hasher hash, Span<byte> number, ulong n)
        {
            BinaryPrimitives.WriteUInt64BigEndian(number, n);
            hash.Append(number);
        }
        Text(hash, number, "edgeiot/v1/global-metadata");
        foreach (var (device, zone) in _zoneOf) { Text(hash, number, device); Text(hash, number, zone); }
        foreach (var (zone, count) in _perZone) { Text(hash, number, zone); Number(hash, number, (ulong)count); }
        Number(hash, number, HistoryCount);
        Number(hash, number, Allowed);
        foreach (var (reason, count) in _refused) { Text(hash, number, reason); Number(hash, number, count); }
        hash.Append(_chain);
        return hash.Finish();
    }
}
