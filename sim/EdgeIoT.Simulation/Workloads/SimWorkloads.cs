using EdgeIoT.Devices;

namespace EdgeIoT.Simulation.Workloads;

/// <summary>What a simulated device sends next; <paramref name="ordinal"/> is the device's number in the network.</summary>
public interface ISimWorkload
{
    WorkItem Next(Random random, int ordinal);
}

/// <summary>
/// Every device touches only keys it owns: its kv keys, its pair of ledger accounts, its telemetry
/// rows. Closed-loop devices then never have conflicting transactions in flight, so correct
/// executors always read the same versions and agree byte for byte. This keeps the promise a network
/// with <c>conflictsPossible = false</c> makes (n_E = 2 f_E + 1 suffices only without conflicts,
/// serverlessbft §3.1, §6): with f_E executors byzantine, the f_E + 1 correct ones must all agree, and
/// two that read an earlier batch's key before and after its decision never will. The
/// <c>contention</c> scenario runs conflicts with n_E = 3 f_E + 1; <c>conflicting-clients</c> shows
/// a byzantine device breaking the promise.
/// </summary>
public sealed class DisjointWorkload(int kvKeysPerDevice) : ISimWorkload
{
    public static int KvKeys(int devices, int kvKeysPerDevice) => Math.Max(1, devices * kvKeysPerDevice);
    public static int Accounts(int devices) => Math.Max(2, 2 * devices);

    public int KvKeysPerDevice => kvKeysPerDevice;

    public string OwnKvKey(Random random, int ordinal) => $"kv/{ordinal * kvKeysPerDevice + random.Next(kvKeysPerDevice)}";

    public WorkItem Next(Random random, int ordinal)
    {
        var from = $"acct/{2 * ordinal}";
        var to = $"acct/{2 * ordinal + 1}";
        return random.Next(10) switch
        {
            < 2 => new WorkItem("kv", "read", new { key = OwnKvKey(random, ordinal) }),
            < 4 => new WorkItem("kv", "update", new { key = OwnKvKey(random, ordinal), value = Value(random, 8) }),
            < 5 => new WorkItem("kv", "rmw", new { key = OwnKvKey(random, ordinal), value = Value(random, 3) }),
            < 7 => random.Next(2) == 0
                ? new WorkItem("ledger", "transfer", new { from, to, amount = 1 + random.Next(20) })
                : new WorkItem("ledger", "transfer", new { from = to, to = from, amount = 1 + random.Next(20) }),
            < 8 => new WorkItem("ledger", "balance", new { account = from }),
            _ => new WorkItem("telemetry", "reading", new { channel = "temp", value = Math.Round(70 + random.NextDouble() * 20, 2) }),
        };
    }

    public static string Value(Random random, int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = (char)('a' + random.Next(26));
        return new string(chars);
    }
}

/// <summary>
/// Every device works on the same few hot keys: stale reads, ccheck aborts and in-batch dependencies
/// (decisions D4) happen all the time. With <paramref name="declare"/> each transaction declares its
/// read and write sets, which the invoker's conflict avoidance uses (§6.5).
/// </summary>
public sealed class ContentionWorkload(int kvKeys, int accounts, bool declare = false) : ISimWorkload
{
    public WorkItem Next(Random random, int ordinal)
    {
        var key = $"kv/{random.Next(kvKeys)}";
        var from = $"acct/{random.Next(accounts)}";
        var to = $"acct/{(int.Parse(from[5..]) + 1 + random.Next(accounts - 1)) % accounts}";
        var item = random.Next(10) switch
        {
            < 2 => Declared(new WorkItem("kv", "read", new { key }), [key], []),
            < 4 => Declared(new WorkItem("kv", "update", new { key, value = DisjointWorkload.Value(random, 6) }), [], [key]),
            < 6 => Declared(new WorkItem("kv", "rmw", new { key, value = DisjointWorkload.Value(random, 2) }), [key], [key]),
            < 9 => Declared(new WorkItem("ledger", "transfer", new { from, to, amount = 1 + random.Next(50) }), [from, to], [from, to]),
            _ => Declared(new WorkItem("ledger", "balance", new { account = from }), [from], []),
        };
        return item;
    }

    private WorkItem Declared(WorkItem item, string[] reads, string[] writes) => declare ? item with { Reads = reads, Writes = writes } : item;
}
