using EdgeIoT.Core.Config;
using EdgeIoT.Devices;

namespace EdgeIoT.Protocol.Tests.Devices;

public sealed class KvWorkloadTests
{
    private static readonly ApplicationSettings Settings = new() { Kv = new KvSettings { Keys = 10_000 } };

    private static List<(string Device, WorkItem Item)> Draw(WorkloadOptions options, int devices, int perDevice, int seed = 3)
    {
        var workload = Workloads.Create("kv", Settings, options with { Devices = devices });
        var items = new List<(string, WorkItem)>();
        for (var d = 1; d <= devices; d++)
        {
            var random = new Random(seed * 7919 + d);
            var id = $"d{d:0000}";
            for (var i = 0; i < perDevice; i++) items.Add((id, workload.Next(random, id)));
        }
        return items;
    }

    private static string Key(WorkItem item) => (string)item.Args.GetType().GetProperty("key")!.GetValue(item.Args)!;
    private static bool IsHot(WorkItem item) => int.Parse(Key(item)["kv/".Length..]) < KvWorkload.HotKeys;

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(50)]
    public void About_the_given_percentage_of_transactions_are_hot_key_read_modify_writes(int percent)
    {
        var items = Draw(new WorkloadOptions { ConflictPercent = percent }, devices: 50, perDevice: 200);
        var hot = items.Where(i => IsHot(i.Item)).ToList();
        Assert.All(hot, h => Assert.Equal("rmw", h.Item.Op));
        Assert.InRange(hot.Count * 100.0 / items.Count, percent - 2.0, percent + 2.0);
    }

    [Fact]
    public void Cold_keys_belong_to_one_device_each_so_without_conflicts_no_two_devices_share_a_key()
    {
        var items = Draw(new WorkloadOptions { ConflictPercent = 0 }, devices: 50, perDevice: 200);
        var owners = items.GroupBy(i => Key(i.Item)).Select(g => g.Select(i => i.Device).Distinct().Count());
        Assert.All(owners, count => Assert.Equal(1, count));
        Assert.Contains(items, i => i.Item.Op == "read");
        Assert.Contains(items, i => i.Item.Op == "update");
    }

    [Fact]
    public void Declared_sets_name_exactly_what_each_operation_reads_and_writes()
    {
        var items = Draw(new WorkloadOptions { ConflictPercent = 30, DeclareReadWriteSets = true }, devices: 4, perDevice: 100);
        foreach (var (_, item) in items)
        {
            string[] key = [Key(item)];
            var (reads, writes) = item.Op switch
            {
                "read" => (key, Array.Empty<string>()),
                "update" => (Array.Empty<string>(), key),
                _ => (key, key),
            };
            Assert.Equal(reads, item.Reads!);
            Assert.Equal(writes, item.Writes!);
        }
    }

    [Fact]
    public void Without_declaration_sets_are_left_out()
    {
        var items = Draw(new WorkloadOptions { ConflictPercent = 30 }, devices: 4, perDevice: 50);
        Assert.All(items, i => Assert.True(i.Item.Reads is null && i.Item.Writes is null));
    }

    [Fact]
    public void A_conflict_percentage_above_50_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Workloads.Create("kv", Settings, new WorkloadOptions { ConflictPercent = 51 }));
    }
}
