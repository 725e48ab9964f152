using EdgeIoT.Core.Config;

namespace EdgeIoT.Devices;

/// <summary>One transaction a workload wants a device to send.</summary>
public readonly record struct WorkItem(string App, string Op, object Args);

/// <summary>A source of transactions for one device, deterministic for a given seed.</summary>
public interface IWorkload
{
    WorkItem Next(Random random, string deviceId);
}

public static class Workloads
{
    public static readonly string[] Names = ["kv", "ledger", "telemetry", "mixed"];

    public static IWorkload Create(string name, ApplicationSettings settings) => name switch
    {
        "kv" => new KvWorkload(settings.Kv.Keys),
        "ledger" => new LedgerWorkload(settings.Ledger.Accounts),
        "telemetry" => new TelemetryWorkload(settings.Telemetry.AlertThreshold),
        "mixed" => new MixedWorkload([new KvWorkload(settings.Kv.Keys), new LedgerWorkload(settings.Ledger.Accounts), new TelemetryWorkload(settings.Telemetry.AlertThreshold)]),
        _ => throw new ArgumentException($"unknown workload \"{name}\" (known: {string.Join(", ", Names)})"),
    };
}

/// <summary>YCSB-like: 50% reads, 30% updates, 20% read-modify-writes over uniformly chosen keys.</summary>
public sealed class KvWorkload(int keys) : IWorkload
{
    public WorkItem Next(Random random, string deviceId)
    {
        var key = $"kv/{random.Next(keys)}";
        return random.Next(10) switch
        {
            < 5 => new WorkItem("kv", "read", new { key }),
            < 8 => new WorkItem("kv", "update", new { key, value = RandomValue(random, 16) }),
            _ => new WorkItem("kv", "rmw", new { key, value = RandomValue(random, 4) }),
        };
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
