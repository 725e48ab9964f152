using EdgeIoT.Core.Config;

namespace EdgeIoT.Devices;

/// <summary>
/// One transaction a workload wants a device to send, with its declared read and write sets when the
/// workload declares them (serverlessbft §6.5); null sets are left undeclared.
/// </summary>
public readonly record struct WorkItem(string App, string Op, object Args)
{
    public string[]? Reads { get; init; }
    public string[]? Writes { get; init; }
}

/// <summary>A source of transactions for one device, deterministic for a given seed.</summary>
public interface IWorkload
{
    WorkItem Next(Random random, string deviceId);
}

/// <summary>How the kv workload contends (serverlessbft §9.7, Figure 6 xi-xii).</summary>
public sealed record WorkloadOptions
{
    public const int ConflictPercentMax = 50;
    /// <summary>The kv application's own bound on synthetic work (KvApplication.WorkRoundsMax).</summary>
    public const int WorkRoundsMax = 1_000_000;

    /// <summary>Percent of kv transactions that are conflicting: read-modify-writes of a few hot keys.</summary>
    public int ConflictPercent { get; init; }
    /// <summary>Transactions carry their read and write sets ("rw"), so invokers can avoid conflicts.</summary>
    public bool DeclareReadWriteSets { get; init; }
    /// <summary>Devices sharing the key space: each gets its own slice of cold keys.</summary>
    public int Devices { get; init; } = 1;
    /// <summary>
    /// When positive, every non-conflicting kv transaction is a "work" transaction: the executor hashes the
    /// key's value this many SHA-256 rounds and writes the result (serverlessbft §9.4, execution length).
    /// </summary>
    public int WorkRounds { get; init; }

    public void Validate()
    {
        if (ConflictPercent is < 0 or > ConflictPercentMax) throw new ArgumentException($"the conflict percentage must be within 0..{ConflictPercentMax}, got {ConflictPercent}");
        if (Devices < 1) throw new ArgumentException("a workload needs at least one device");
        if (WorkRounds is < 0 or > WorkRoundsMax) throw new ArgumentException($"work rounds must be within 0..{WorkRoundsMax}, got {WorkRounds}");
    }
}

public static class Workloads
{
    public static readonly string[] Names = ["kv", "ledger", "telemetry", "mixed"];

    public static IWorkload Create(string name, ApplicationSettings settings, WorkloadOptions? options = null)
    {
        options ??= new WorkloadOptions();
        options.Validate();
        return name switch
        {
            "kv" => new KvWorkload(settings.Kv.Keys, options),
            "ledger" => new LedgerWorkload(settings.Ledger.Accounts),
            "telemetry" => new TelemetryWorkload(settings.Telemetry.AlertThreshold),
            "mixed" => new MixedWorkload([new KvWorkload(settings.Kv.Keys, options), new LedgerWorkload(settings.Ledger.Accounts), new TelemetryWorkload(settings.Telemetry.AlertThreshold)]),
            _ => throw new ArgumentException($"unknown workload \"{name}\" (known: {string.Join(", ", Names)})"),
        };
    }
}

/// <summary>
/// YCSB-like key-value transactions. With probability ConflictPercent a transaction is *conflicting*:
/// a read-modify-write of one of <see cref="HotKeys"/> keys shared by every device. Otherwise it is
/// 50% reads, 30% updates (blind writes), 20% read-modify-writes of the device's own cold keys, which
/// no other device touches — and a closed-loop device has one transaction in flight — so at 0% no two
/// transactions in flight conflict (while devices ≤ cold keys; beyond that slices overlap).
/// </summary>
public sealed class KvWorkload : IWorkload
{
    public const int HotKeys = 4;
    private readonly WorkloadOptions _options;
    private readonly int _coldKeys;
    private readonly int _slice;

    public KvWorkload(int keys, WorkloadOptions? options = null)
    {
        _options = options ?? new WorkloadOptions();
        _coldKeys = Math.Max(1, keys - HotKeys);
        _slice = Math.Max(1, _coldKeys / _options.Devices);
    }

    public WorkItem Next(Random random, string deviceId)
    {
        if (random.Next(100) < _options.ConflictPercent)
        {
            var hot = Key(random.Next(HotKeys));
            return Declare(new WorkItem("kv", "rmw", new { key = hot, value = RandomValue(random, 4) }), hot, read: true, write: true);
        }
        var key = Key(HotKeys + (int)(((long)DeviceIndex(deviceId) * _slice + random.Next(_slice)) % _coldKeys));
        if (_options.WorkRounds > 0)
            return Declare(new WorkItem("kv", "work", new { key, rounds = _options.WorkRounds }), key, read: true, write: true);
        return random.Next(10) switch
        {
            < 5 => Declare(new WorkItem("kv", "read", new { key }), key, read: true, write: false),
            < 8 => Declare(new WorkItem("kv", "update", new { key, value = RandomValue(random, 16) }), key, read: false, write: true),
            _ => Declare(new WorkItem("kv", "rmw", new { key, value = RandomValue(random, 4) }), key, read: true, write: true),
        };
    }

    private WorkItem Declare(WorkItem item, string key, bool read, bool write) =>
        _options.DeclareReadWriteSets ? item with { Reads = read ? [key] : [], Writes = write ? [key] : [] } : item;

    private static string Key(int index) => $"kv/{index}";

    /// <summary>Provisioned devices are d0001, d0002, …: their number orders them; other ids hash.</summary>
    internal static int DeviceIndex(string deviceId)
    {
        var digits = deviceId.AsSpan().TrimStart("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.");
        if (digits.Length is > 0 and < 10 && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            return Math.Max(0, number - 1);
        var hash = 2166136261u;
        foreach (var c in deviceId) hash = (hash ^ c) * 16777619u;
        return (int)(hash & 0x7fffffff);
    }

    private static string RandomValue(Random random, int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = (char)('a' + random.Next(26));
        return new string(chars);
    }
}

/// <summary>Transfers of small amounts between random accounts, and some balance reads.</summary>
public sealed class LedgerWorkload(int accounts) : IWorkload
{
    public WorkItem Next(Random random, string deviceId)
    {
        if (random.Next(10) == 0) return new WorkItem("ledger", "balance", new { account = $"acct/{random.Next(accounts)}" });
        var from = random.Next(accounts);
        var to = (from + 1 + random.Next(accounts - 1)) % accounts;
        return new WorkItem("ledger", "transfer", new { from = $"acct/{from}", to = $"acct/{to}", amount = 1 + random.Next(10) });
    }
}

/// <summary>Temperature readings drifting around the alert threshold, so alerts happen.</summary>
public sealed class TelemetryWorkload(double threshold) : IWorkload
{
    public WorkItem Next(Random random, string deviceId) =>
        new("telemetry", "reading", new { channel = "temp", value = Math.Round(threshold - 15 + random.NextDouble() * 20, 2) });
}

public sealed class MixedWorkload(IWorkload[] parts) : IWorkload
{
    public WorkItem Next(Random random, string deviceId) => parts[random.Next(parts.Length)].Next(random, deviceId);
}
